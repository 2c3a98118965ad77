//! The append-only event log.
//!
//! Every change gets the next global sequence number, which is also its SSE
//! event id. Each entry keeps the order's full state after the change, so a
//! reconnecting client is replayed exactly what it would have seen live.

use super::one_round_trip::Writes;
use super::order_rows::{from_millis, to_millis};
use orderboard_model::{Change, ChangeKind, Order, OrderEvent, Stage};
use sqlx::{Row, SqliteConnection};
use time::OffsetDateTime;
use uuid::Uuid;

/// How many events a catch-up reads at a time.
pub const PAGE: i64 = 500;

fn kind_str(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Created => "created",
        ChangeKind::Advance => "advance",
        ChangeKind::Recall => "recall",
        ChangeKind::Cancel => "cancel",
    }
}

fn parse_kind(s: &str) -> Option<ChangeKind> {
    [
        ChangeKind::Created,
        ChangeKind::Advance,
        ChangeKind::Recall,
        ChangeKind::Cancel,
    ]
    .into_iter()
    .find(|k| kind_str(*k) == s)
}

/// Appends one change as the last of a change's writes, and runs them:
/// returns the change's sequence number.
pub async fn append(
    conn: &mut SqliteConnection,
    mut writes: Writes,
    order: &Order,
    change: Change,
    at: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    push_append(&mut writes, order, change, at);
    Ok(writes.run_returning(conn).await? as u64)
}

/// Adds the append to `writes` without running it: the caller runs them,
/// and the append's `RETURNING` gives the change's sequence number.
pub fn push_append(writes: &mut Writes, order: &Order, change: Change, at: OffsetDateTime) {
    writes.push(
        "INSERT INTO events (order_id, kind, from_stage, to_stage, at, order_json)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
        |b| {
            b.bind(order.id.to_string())
                .bind(kind_str(change.kind))
                .bind(change.from.map(Stage::as_str))
                .bind(change.to.as_str())
                .bind(to_millis(at))
                .bind(serde_json::to_string(order).expect("orders serialize"));
        },
    );
}

/// The newest sequence number, or 0 for an empty log.
pub async fn head(conn: &mut SqliteConnection) -> Result<u64, sqlx::Error> {
    let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events")
        .fetch_one(conn)
        .await?;
    Ok(head as u64)
}

/// Whether the log still holds every event after `seq`, so that a client that
/// saw `seq` can be replayed exactly: `seq` is not ahead of the log, and
/// nothing after it has been pruned.
pub async fn can_resume_after(conn: &mut SqliteConnection, seq: u64) -> Result<bool, sqlx::Error> {
    let (oldest, newest): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT MIN(seq), MAX(seq) FROM events")
            .fetch_one(conn)
            .await?;
    let newest = newest.unwrap_or(0) as u64;
    let oldest = oldest.map(|o| o as u64).unwrap_or(newest + 1);
    Ok(seq <= newest && seq + 1 >= oldest)
}

/// The next page of events for a client that saw `after` (only one order's
/// if given), or `None` if it cannot be replayed exactly: `after` is ahead
/// of the log, or the log was pruned past it. Every stream's catch-up reads
/// the log through this.
pub async fn page_after(
    conn: &mut SqliteConnection,
    after: u64,
    order: Option<Uuid>,
) -> Result<Option<Vec<OrderEvent>>, sqlx::Error> {
    if !can_resume_after(&mut *conn, after).await? {
        return Ok(None);
    }
    read_after(conn, after, order).await.map(Some)
}

/// Events after `after`, oldest first, at most [`PAGE`]; only one order's if given.
pub async fn read_after(
    conn: &mut SqliteConnection,
    after: u64,
    order: Option<Uuid>,
) -> Result<Vec<OrderEvent>, sqlx::Error> {
    let rows = match order {
        Some(id) => sqlx::query(
            "SELECT seq, kind, from_stage, to_stage, at, order_json FROM events
             WHERE order_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(id.to_string())
        .bind(after as i64)
        .bind(PAGE),
        None => sqlx::query(
            "SELECT seq, kind, from_stage, to_stage, at, order_json FROM events
             WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after as i64)
        .bind(PAGE),
    }
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let bad =
                |what: &str| sqlx::Error::Decode(format!("bad {what} in the event log").into());
            let kind: String = row.try_get("kind")?;
            let from: Option<String> = row.try_get("from_stage")?;
            let to: String = row.try_get("to_stage")?;
            let json: String = row.try_get("order_json")?;
            Ok(OrderEvent {
                seq: row.try_get::<i64, _>("seq")? as u64,
                at: from_millis(row.try_get("at")?),
                change: Change {
                    from: match from {
                        Some(f) => Some(Stage::parse(&f).ok_or_else(|| bad("from_stage"))?),
                        None => None,
                    },
                    to: Stage::parse(&to).ok_or_else(|| bad("to_stage"))?,
                    kind: parse_kind(&kind).ok_or_else(|| bad("kind"))?,
                },
                order: serde_json::from_str(&json).map_err(|_| bad("order_json"))?,
            })
        })
        .collect()
}

/// An order's latest change: its sequence number and the stage it went to.
pub async fn last_change_of_order(
    conn: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<(u64, Stage)>, sqlx::Error> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT seq, to_stage FROM events WHERE order_id = ? ORDER BY seq DESC LIMIT 1",
    )
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(|(seq, to)| {
        let to = Stage::parse(&to)
            .ok_or_else(|| sqlx::Error::Decode("bad to_stage in the event log".into()))?;
        Ok((seq as u64, to))
    })
    .transpose()
}
