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
    /// The database failed, or the writer is gone.
    #[error("the database failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Unavailable(&'static str),
}
