//! The answers kept for requests that carried an `Idempotency-Key`, per
//! caller, in the database (`idempotency_records`).
//!
//! An answer is written by the order writer in the same transaction as the
//! change it answers, so a change never commits without its record, nor a
//! record without its change. Only answers that changed something are kept
//! (`201` for a new order, `200` for a stage change): a refused request
//! changed nothing, and the same key may be sent again. On PostgreSQL, where
//! another node may be answering the same key, the writer first claims the
//! key (an insert that waits on the other node's transaction), and fills
//! the answer in or lets the claim go before it commits.

use super::database::on_pool;
use super::rows::to_millis;
use super::Database;
use orderboard_model::Order;
use sqlx::PgConnection;

/// A change asked for under an `Idempotency-Key`: who asked, the key, and
/// the hash of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// `staff` or `key:<id>` (`auth::guard::Caller::name`): two
    /// integrations' keys never meet.
    pub caller: String,
    pub key: String,
    pub request_hash: String,
}

/// The first answer, as it is given again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub request_hash: String,
    /// 0 while another node's transaction holds the claim (never seen
    /// committed, as the claim is filled in before its commit).
    pub status: u16,
    pub location: Option<String>,
    /// The JSON body.
    pub body: String,
}

/// How long records are kept at least.
pub const KEEP: time::Duration = time::Duration::hours(24);

/// What a change's answer is: `201` with its `Location` for a new order,
/// `200` for a stage change; the order as JSON, exactly as the handler
/// sends it.
pub fn answer_for(created: bool, order: &Order) -> (u16, Option<String>, String) {
    let body = serde_json::to_string(order).expect("an order serializes");
    if created {
        (201, Some(format!("/api/orders/{}", order.id)), body)
    } else {
        (200, None, body)
    }
}

/// The answer kept for a caller's key, if any.
pub async fn find(
    db: &Database,
    caller: &str,
    key: &str,
) -> Result<Option<StoredAnswer>, sqlx::Error> {
    let row: Option<(String, i64, Option<String>, String)> = on_pool!(db, pool => {
        sqlx::query_as(
            "SELECT request_hash, status, location, body FROM idempotency_records
             WHERE caller = $1 AND idem_key = $2",
        )
        .bind(caller)
        .bind(key)
        .fetch_optional(pool)
        .await?
    });
    Ok(
        row.map(|(request_hash, status, location, body)| StoredAnswer {
            request_hash,
            status: status as u16,
            location,
            body,
        }),
    )
}

/// The statement that keeps an answer (SQLite's writer queues it with the
/// change's writes).
pub const INSERT_SQLITE: &str = "INSERT INTO idempotency_records
     (caller, idem_key, request_hash, status, location, body, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)";

/// The time a record is kept from.
pub fn created_at() -> i64 {
    to_millis(super::now())
}

/// PostgreSQL: claims the key for this transaction; `false` if another
/// transaction has committed an answer for it (this one waits for it to
/// finish first).
pub async fn claim(tx: &mut PgConnection, claim: &Claim) -> Result<bool, sqlx::Error> {
    let claimed: Option<i32> = sqlx::query_scalar(
        "INSERT INTO idempotency_records
             (caller, idem_key, request_hash, status, location, body, created_at)
         VALUES ($1, $2, $3, 0, NULL, '', $4)
         ON CONFLICT (caller, idem_key) DO NOTHING RETURNING 1",
    )
    .bind(&claim.caller)
    .bind(&claim.key)
    .bind(&claim.request_hash)
    .bind(created_at())
    .fetch_optional(&mut *tx)
    .await?;
    Ok(claimed.is_some())
}

/// PostgreSQL: fills a claim in with the change's answer.
pub async fn fill(
    tx: &mut PgConnection,
    claim: &Claim,
    (status, location, body): (u16, Option<String>, String),
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE idempotency_records SET status = $3, location = $4, body = $5
         WHERE caller = $1 AND idem_key = $2",
    )
    .bind(&claim.caller)
    .bind(&claim.key)
    .bind(i64::from(status))
    .bind(location)
    .bind(body)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// PostgreSQL: lets a claim go (its change was refused: nothing to keep).
pub async fn release(tx: &mut PgConnection, claim: &Claim) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM idempotency_records WHERE caller = $1 AND idem_key = $2")
        .bind(&claim.caller)
        .bind(&claim.key)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Deletes the records older than [`KEEP`]; returns how many.
pub async fn prune(db: &Database) -> Result<u64, sqlx::Error> {
    let cutoff = to_millis(time::OffsetDateTime::now_utc() - KEEP);
    Ok(on_pool!(db, pool => {
        sqlx::query("DELETE FROM idempotency_records WHERE created_at < $1")
            .bind(cutoff)
            .execute(pool)
            .await?
            .rows_affected()
    }))
}
