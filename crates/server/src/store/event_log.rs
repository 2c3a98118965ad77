//! Reading the append-only event log, on either database.
//!
//! Every change gets the next global sequence number, which is also its SSE
//! event id. Each entry keeps the order's full state after the change, so a
//! reconnecting client is replayed exactly what it would have seen live.
//! Sequence numbers are handed out in commit order (on SQLite by its single
//! writer; on PostgreSQL under the `log_head` row lock, see
//! `postgres::writer`), so a reader that has seen `seq` never finds a
//! smaller one committed later. The appends are the writers'.

use super::database::on_conn;
use super::database::Conn;
use super::rows::{event_from_row, EVENT_COLUMNS, PAGE};
use crate::feed::LogEvent;
use orderboard_model::Stage;
use std::sync::LazyLock;
use uuid::Uuid;

/// The newest sequence number, or 0 for an empty log.
pub async fn head(conn: Conn<'_>) -> Result<u64, sqlx::Error> {
    let head: i64 = on_conn!(conn, c => {
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events")
            .fetch_one(c)
            .await?
    });
    Ok(head as u64)
}

/// Whether the log still holds every event after `seq`, so that a client that
/// saw `seq` can be replayed exactly: `seq` is not ahead of the log, and
/// nothing after it has been pruned.
pub async fn can_resume_after(conn: Conn<'_>, seq: u64) -> Result<bool, sqlx::Error> {
    let (oldest, newest): (Option<i64>, Option<i64>) = on_conn!(conn, c => {
        sqlx::query_as("SELECT MIN(seq), MAX(seq) FROM events")
            .fetch_one(c)
            .await?
    });
    let newest = newest.unwrap_or(0) as u64;
    let oldest = oldest.map(|o| o as u64).unwrap_or(newest + 1);
    Ok(seq <= newest && seq + 1 >= oldest)
}

/// The next page of events for a client that saw `after` (only those of
/// `orders` if given), or `None` if it cannot be replayed exactly: `after` is ahead
/// of the log, or the log was pruned past it. Every stream's catch-up reads
/// the log through this.
pub async fn page_after(
    mut conn: Conn<'_>,
    after: u64,
    orders: Option<&[Uuid]>,
) -> Result<Option<Vec<LogEvent>>, sqlx::Error> {
    if !can_resume_after(conn.reborrow(), after).await? {
        return Ok(None);
    }
    read_after(conn, after, orders).await.map(Some)
}

static AFTER: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2")
});

/// The query for the events of `n` orders (`$1`…`$n`) after `$n+1`, at most `$n+2`.
fn orders_after(n: usize) -> String {
    let ids = (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE order_id IN ({ids}) AND seq > ${} \
         ORDER BY seq LIMIT ${}",
        n + 1,
        n + 2
    )
}

/// Events after `after`, oldest first, at most [`PAGE`]; only those of
/// `orders` if given (a tracking stream's few orders).
pub async fn read_after(
    conn: Conn<'_>,
    after: u64,
    orders: Option<&[Uuid]>,
) -> Result<Vec<LogEvent>, sqlx::Error> {
    on_conn!(conn, c => {
        let rows = match orders {
            Some(ids) => {
                let sql = orders_after(ids.len());
                let mut query = sqlx::query(&sql);
                for id in ids {
                    query = query.bind(id.to_string());
                }
                query.bind(after as i64).bind(PAGE).fetch_all(c).await?
            }
            None => {
                sqlx::query(AFTER.as_str())
                    .bind(after as i64)
                    .bind(PAGE)
                    .fetch_all(c)
                    .await?
            }
        };
        rows.iter().map(event_from_row).collect()
    })
}

/// An order's latest change: its sequence number and the stage it went to.
pub async fn last_change_of_order(
    conn: Conn<'_>,
    id: Uuid,
) -> Result<Option<(u64, Stage)>, sqlx::Error> {
    let row: Option<(i64, String)> = on_conn!(conn, c => {
        sqlx::query_as(
            "SELECT seq, to_stage FROM events WHERE order_id = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(id.to_string())
        .fetch_optional(c)
        .await?
    });
    row.map(|(seq, to)| Ok((seq as u64, super::rows::parse_stage(&to)?)))
        .transpose()
}
