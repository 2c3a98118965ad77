//! The two databases Orderboard runs on, behind one type.
//!
//! SQLite (one file, one node: the shop and the desktop app) and
//! PostgreSQL (several nodes sharing it). Their schemas have the same tables
//! and columns with the same types, and most queries are written once, in
//! SQL both understand (`$1` placeholders, `WITH RECURSIVE`, `ON CONFLICT`):
//! [`on_pool!`] and [`on_conn!`] run one query text on whichever backend is
//! in use, each arm type-checked for its own database. The few places where
//! the dialects differ ask [`Dialect`].

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool};

/// A connection pool to either database.
#[derive(Clone, Debug)]
pub enum Database {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl From<SqlitePool> for Database {
    fn from(pool: SqlitePool) -> Self {
        Database::Sqlite(pool)
    }
}

impl From<PgPool> for Database {
    fn from(pool: PgPool) -> Self {
        Database::Postgres(pool)
    }
}

/// A connection taken from a [`Database`]'s pool.
pub enum PooledConn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// A borrowed connection to either database: what the shared reads take.
pub enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl Conn<'_> {
    /// The same connection, borrowed again for one more query.
    pub fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Conn::Sqlite(c) => Conn::Sqlite(c),
            Conn::Postgres(c) => Conn::Postgres(c),
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Postgres(_) => Dialect::Postgres,
        }
    }
}

impl PooledConn {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            PooledConn::Sqlite(c) => Conn::Sqlite(c),
            PooledConn::Postgres(c) => Conn::Postgres(c),
        }
    }
}

/// Runs one expression on the pool, whichever database it is: `$pool` is
/// bound to the `SqlitePool` or the `PgPool`. Counted as one query
/// ([`super::query_count`]).
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {{
        $crate::store::query_count::one();
        match $db {
            $crate::store::database::Database::Sqlite($pool) => $body,
            $crate::store::database::Database::Postgres($pool) => $body,
        }
    }};
}
pub(crate) use on_pool;

/// Runs one expression on a borrowed connection, whichever database it is:
/// `$conn` is bound to the `&mut SqliteConnection` or `&mut PgConnection`.
/// Counted as one query ([`super::query_count`]).
macro_rules! on_conn {
    ($c:expr, $conn:ident => $body:expr) => {{
        $crate::store::query_count::one();
        match $c {
            $crate::store::database::Conn::Sqlite($conn) => $body,
            $crate::store::database::Conn::Postgres($conn) => $body,
        }
    }};
}
pub(crate) use on_conn;

/// Where the two SQL dialects differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// An order's stage history as a JSON text array of `[stage, at]`,
    /// oldest first, from `stage_history h` for the row of `orders`.
    pub fn history_json(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "(SELECT json_group_array(json_array(h.stage, h.at) ORDER BY h.position)
                  FROM stage_history h WHERE h.order_id = orders.id)"
            }
            Dialect::Postgres => {
                "(SELECT COALESCE(json_agg(json_build_array(h.stage, h.at) ORDER BY h.position), '[]')::text
                  FROM stage_history h WHERE h.order_id = orders.id)"
            }
        }
    }
}

impl Database {
    pub fn dialect(&self) -> Dialect {
        match self {
            Database::Sqlite(_) => Dialect::Sqlite,
            Database::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Takes a connection from the pool.
    pub async fn acquire(&self) -> Result<PooledConn, sqlx::Error> {
        Ok(match self {
            Database::Sqlite(p) => PooledConn::Sqlite(p.acquire().await?),
            Database::Postgres(p) => PooledConn::Postgres(p.acquire().await?),
        })
    }

    /// Closes the pool, waiting for its connections to come back.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }

    /// The SQLite pool, on SQLite.
    pub fn sqlite(&self) -> Option<&SqlitePool> {
        match self {
            Database::Sqlite(p) => Some(p),
            Database::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, on PostgreSQL.
    pub fn postgres(&self) -> Option<&PgPool> {
        match self {
            Database::Postgres(p) => Some(p),
            Database::Sqlite(_) => None,
        }
    }
}
