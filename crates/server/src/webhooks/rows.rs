//! Webhook endpoints and their delivery attempts in the database, on either
//! backend. Times are Unix milliseconds.

use crate::store::database::on_pool;
use crate::store::rows::from_millis;
use crate::store::Database;
use orderboard_model::{WebhookAttempt, WebhookEventType, WebhookInfo};

/// Event types as the database keeps them: names separated by spaces.
pub fn events_text(events: &[WebhookEventType]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Event types read back; a name this version does not know is left out.
pub fn parse_events(text: &str) -> Vec<WebhookEventType> {
    text.split_whitespace()
        .filter_map(WebhookEventType::parse)
        .collect()
}

/// An endpoint as its deliverer needs it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub info: WebhookInfo,
    pub secret: String,
}

type EndpointRow = (
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    i64,
);

const COLUMNS: &str = "id, url, events, secret, after_seq, failing_since, disabled_at, created_at";

fn endpoint(row: EndpointRow) -> Endpoint {
    let (id, url, events, secret, after_seq, failing_since, disabled_at, created_at) = row;
    Endpoint {
        info: WebhookInfo {
            id,
            url,
            events: parse_events(&events),
            created_at: from_millis(created_at),
            delivered_through: after_seq.max(0) as u64,
            failing_since: failing_since.map(from_millis),
            disabled_at: disabled_at.map(from_millis),
        },
        secret,
    }
}

/// Registers an endpoint, unless `max` are registered already; whether it was.
pub async fn insert(db: &Database, e: &Endpoint, max: usize) -> Result<bool, sqlx::Error> {
    let i = &e.info;
    let inserted = on_pool!(db, pool => {
        sqlx::query(
            "INSERT INTO webhook_endpoints (id, url, events, secret, after_seq, created_at)
             SELECT $1, $2, $3, $4, $5, $6
             WHERE (SELECT COUNT(*) FROM webhook_endpoints) < $7",
        )
        .bind(&i.id)
        .bind(&i.url)
        .bind(events_text(&i.events))
        .bind(&e.secret)
        .bind(i.delivered_through as i64)
        .bind(crate::store::rows::to_millis(i.created_at))
        .bind(max as i64)
        .execute(pool)
        .await?
        .rows_affected()
    });
    Ok(inserted == 1)
}

/// Every endpoint, oldest first.
pub async fn list(db: &Database) -> Result<Vec<Endpoint>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints ORDER BY created_at, id");
    let rows: Vec<EndpointRow> = on_pool!(db, pool => {
        sqlx::query_as(&sql).fetch_all(pool).await?
    });
    Ok(rows.into_iter().map(endpoint).collect())
}

pub async fn get(db: &Database, id: &str) -> Result<Option<Endpoint>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE id = $1");
    let row: Option<EndpointRow> = on_pool!(db, pool => {
        sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
    });
    Ok(row.map(endpoint))
}

/// Deletes an endpoint and its attempts; whether it existed.
pub async fn delete(db: &Database, id: &str) -> Result<bool, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query("DELETE FROM webhook_attempts WHERE endpoint_id = $1")
            .bind(id)
            .execute(pool)
            .await?;
    });
    let deleted = on_pool!(db, pool => {
        sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(deleted > 0)
}

/// Takes or renews the endpoint's lease for `owner` until `until`, if no
/// other node holds one that is still running at `now`; whether it is held.
pub async fn take_lease(
    db: &Database,
    id: &str,
    owner: &str,
    now: i64,
    until: i64,
) -> Result<bool, sqlx::Error> {
    let taken = on_pool!(db, pool => {
        sqlx::query(
            "UPDATE webhook_endpoints SET lease_owner = $2, lease_until = $3
             WHERE id = $1 AND disabled_at IS NULL
               AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until < $4)",
        )
        .bind(id)
        .bind(owner)
        .bind(until)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected()
    });
    Ok(taken == 1)
}

/// Moves the endpoint's cursor forward to `seq` (never back), and clears
/// its failure: the message before it was taken.
pub async fn advance(db: &Database, id: &str, seq: u64) -> Result<(), sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query(
            "UPDATE webhook_endpoints SET after_seq = $2, failing_since = NULL
             WHERE id = $1 AND after_seq < $2",
        )
        .bind(id)
        .bind(seq as i64)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// Notes when the endpoint began failing, if it was not failing already.
pub async fn set_failing_since(db: &Database, id: &str, at: i64) -> Result<(), sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query(
            "UPDATE webhook_endpoints SET failing_since = $2
             WHERE id = $1 AND failing_since IS NULL",
        )
        .bind(id)
        .bind(at)
        .execute(pool)
        .await?;
    });
    Ok(())
}

pub async fn disable(db: &Database, id: &str, at: i64) -> Result<(), sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query(
            "UPDATE webhook_endpoints SET disabled_at = $2, lease_owner = NULL
             WHERE id = $1 AND disabled_at IS NULL",
        )
        .bind(id)
        .bind(at)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// The lowest cursor of the enabled endpoints: the event log must keep
/// every event after it.
pub async fn lowest_cursor(db: &Database) -> Result<Option<u64>, sqlx::Error> {
    let low: Option<i64> = on_pool!(db, pool => {
        sqlx::query_scalar("SELECT MIN(after_seq) FROM webhook_endpoints WHERE disabled_at IS NULL")
            .fetch_one(pool)
            .await?
    });
    Ok(low.map(|l| l.max(0) as u64))
}

/// How many attempts the message for `seq` has had already.
pub async fn attempts_made(db: &Database, id: &str, seq: u64) -> Result<u32, sqlx::Error> {
    let n: i64 = on_pool!(db, pool => {
        sqlx::query_scalar(
            "SELECT COALESCE(MAX(attempt), 0) FROM webhook_attempts
             WHERE endpoint_id = $1 AND seq = $2",
        )
        .bind(id)
        .bind(seq as i64)
        .fetch_one(pool)
        .await?
    });
    Ok(n.max(0) as u32)
}

pub async fn record_attempt(
    db: &Database,
    id: &str,
    a: &WebhookAttempt,
) -> Result<(), sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query(
            "INSERT INTO webhook_attempts
                 (endpoint_id, seq, attempt, event_type, at, status, error, delivered)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (endpoint_id, seq, attempt) DO NOTHING",
        )
        .bind(id)
        .bind(a.seq as i64)
        .bind(i64::from(a.attempt))
        .bind(a.event_type.as_str())
        .bind(crate::store::rows::to_millis(a.at))
        .bind(a.status.map(i64::from))
        .bind(a.error.as_deref())
        .bind(i64::from(a.delivered))
        .execute(pool)
        .await?;
    });
    Ok(())
}

type AttemptRow = (i64, i64, String, i64, Option<i64>, Option<String>, i64);

/// The endpoint's attempts, newest first, at most `limit`.
pub async fn attempts(
    db: &Database,
    id: &str,
    limit: i64,
) -> Result<Vec<WebhookAttempt>, sqlx::Error> {
    let rows: Vec<AttemptRow> = on_pool!(db, pool => {
        sqlx::query_as(
            "SELECT seq, attempt, event_type, at, status, error, delivered FROM webhook_attempts
             WHERE endpoint_id = $1 ORDER BY seq DESC, attempt DESC LIMIT $2",
        )
        .bind(id)
        .bind(limit)
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .filter_map(|(seq, attempt, event_type, at, status, error, delivered)| {
            Some(WebhookAttempt {
                msg_id: super::msg_id(seq.max(0) as u64),
                seq: seq.max(0) as u64,
                event_type: WebhookEventType::parse(&event_type)?,
                attempt: attempt.max(0) as u32,
                at: from_millis(at),
                status: status.and_then(|s| u16::try_from(s).ok()),
                error,
                delivered: delivered != 0,
            })
        })
        .collect())
}

/// Deletes attempts older than `before`; how many.
pub async fn prune_attempts(db: &Database, before: i64) -> Result<u64, sqlx::Error> {
    Ok(on_pool!(db, pool => {
        sqlx::query("DELETE FROM webhook_attempts WHERE at < $1")
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected()
    }))
}
