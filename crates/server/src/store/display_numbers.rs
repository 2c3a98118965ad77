//! Display numbers: the short number called out at the pass.
//!
//! Numbers go round 1 to 999, each new order taking the next one that no
//! active order holds, so a number is reused only long after its last order
//! finished. The database's partial unique index backs this up.

use super::one_round_trip::Writes;
use super::order_rows::ACTIVE;
use crate::error::ApiError;
use sqlx::SqliteConnection;
use std::collections::HashSet;

pub const MAX_NUMBER: i64 = 999;

/// Picks the next free number; the write that records it joins `writes`.
pub async fn next_free(conn: &mut SqliteConnection, writes: &mut Writes) -> Result<u32, ApiError> {
    let last: i64 = sqlx::query_scalar("SELECT last FROM display_number WHERE singleton = 1")
        .fetch_one(&mut *conn)
        .await?;
    let in_use: HashSet<i64> =
        sqlx::query_scalar::<_, i64>(&format!("SELECT number FROM orders WHERE {ACTIVE}"))
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    let free = (1..=MAX_NUMBER)
        .map(|i| (last + i - 1) % MAX_NUMBER + 1)
        .find(|n| !in_use.contains(n));
    let Some(number) = free else {
        return Err(ApiError::NoFreeNumber);
    };
    writes.push("UPDATE display_number SET last = ? WHERE singleton = 1", |b| {
        b.bind(number);
    });
    Ok(number as u32)
}
