//! A change's writes, sent to SQLite as one request.
//!
//! sqlx runs each SQLite connection on a thread of its own, and every query
//! is a round trip to that thread: two thread switches, which the profile of
//! the write path showed as most of its time. A change is three or more
//! writes (the order row, its history entry, the event log), so they are
//! joined into one multi-statement query here and sent once. Each module
//! still owns its own SQL: it adds its statement and arguments with
//! [`Writes::push`]; the event log's append comes last and returns the
//! change's sequence number. The writes of several stage changes in a row
//! are sent together the same way (see [`super::Pending`]), and so are a
//! batch's `BEGIN` with its first read and its `COMMIT` with its last writes.

use sqlx::error::BoxDynError;
use sqlx::sqlite::{Sqlite, SqliteArguments};
use sqlx::{Arguments, Encode, SqliteConnection, Type};

/// The statements of one change, and their arguments in order.
#[derive(Default)]
pub struct Writes {
    sql: String,
    args: SqliteArguments<'static>,
    failed: Option<BoxDynError>,
}

impl Writes {
    /// Adds a statement with plain `?` placeholders, and a function that
    /// adds its arguments in the same order.
    pub fn push(&mut self, sql: &str, bind: impl FnOnce(&mut Binder<'_>)) {
        if !self.sql.is_empty() {
            self.sql.push_str(";\n");
        }
        self.sql.push_str(sql);
        bind(&mut Binder(self));
    }

    /// Runs them all in one request; every statement that returns a value
    /// (one per change: its event log append) gives one, in order.
    pub async fn run_returning_all(
        self,
        conn: &mut SqliteConnection,
    ) -> Result<Vec<i64>, sqlx::Error> {
        if let Some(e) = self.failed {
            return Err(sqlx::Error::Encode(e));
        }
        sqlx::query_scalar_with(&self.sql, self.args)
            .fetch_all(conn)
            .await
    }

    /// Runs them all in one request; the last statement returns the value.
    pub async fn run_returning(self, conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
        if let Some(e) = self.failed {
            return Err(sqlx::Error::Encode(e));
        }
        sqlx::query_scalar_with(&self.sql, self.args)
            .fetch_one(conn)
            .await
    }
}

/// Adds one statement's arguments.
pub struct Binder<'w>(&'w mut Writes);

impl Binder<'_> {
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: Encode<'static, Sqlite> + Type<Sqlite> + 'static,
    {
        if let Err(e) = self.0.args.add(value) {
            self.0.failed.get_or_insert(e);
        }
        self
    }
}
