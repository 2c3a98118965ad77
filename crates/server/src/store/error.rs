//! What can go wrong in the order store, in the store's own terms.
//!
//! The store knows nothing of HTTP: the API maps these to its error shape at
//! its edge (`crate::error`).

use orderboard_model::{ErrorCode, Order, Stage, ValidationError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A new order broke a limit of the model.
    #[error("{0}")]
    Invalid(ValidationError),
    #[error("no such order")]
    NotFound,
    /// An item bump for an index the order does not have.
    #[error("no such item")]
    ItemNotFound,
    /// A refused stage change, a stale `expected_version`, a recall whose
    /// number is taken, or an order past its limit of changes: with the
    /// order's real state and where it may go.
    #[error("{message}")]
    Refused {
        code: ErrorCode,
        message: String,
        order: Box<Order>,
        allowed: Vec<Stage>,
    },
    #[error("all display numbers are in use by active orders")]
    NoFreeNumber,
    /// Another node answered this `Idempotency-Key` first: nothing was
    /// changed here, and its answer is kept.
    #[error("this Idempotency-Key was answered by another node")]
    AlreadyAnswered,
    /// The database failed on a query.
    #[error("the database failed: {0}")]
    Database(sqlx::Error),
    /// The database cannot be reached (down, restarting, out of
    /// connections), or the writer is gone: nothing was changed.
    #[error("{0}")]
    Unavailable(&'static str),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if cannot_reach(&e) {
            tracing::warn!(error = %e, "the database cannot be reached");
            StoreError::Unavailable("the database cannot be reached just now")
        } else {
            StoreError::Database(e)
        }
    }
}

/// Whether an error says the database could not be reached, rather than
/// that it refused a query: no connection, a connection lost, the server
/// shutting down or starting up, or every connection taken.
pub fn cannot_reach(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // PostgreSQL's SQLSTATE: class 08 is a connection exception;
            // 57P01-57P03 the server shutting down or not yet accepting
            // connections; 53300 too many connections.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}
