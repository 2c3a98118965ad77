//! Event log retention: the log keeps the last D days or the last M events,
//! whichever keeps more, and never its newest event.
//!
//! The log is what a reconnecting screen is replayed from, so it must reach
//! back far enough for any screen that was merely switched off overnight;
//! past that it would only grow. A periodic task prunes the oldest events in
//! small batches (so the writer never waits long). A client that resumes from
//! before what is kept gets a `reset` with a fresh snapshot: the check in
//! `event_log::can_resume_after` sees that the log no longer reaches its id.
//! Pruning only ever removes a prefix of the log (every event up to some
//! sequence number), never a hole in the middle, even if the clock jumped.
//! The same task deletes the answers kept for `Idempotency-Key`s once they
//! are 24 hours old, and webhook attempts once they are 7 days old. An
//! event that an enabled webhook endpoint has not taken yet is never
//! pruned (`webhooks`), nor one a kitchen printer has not printed
//! (`printers`).

use crate::store::database::on_pool;
use crate::store::rows::to_millis;
use crate::store::{idempotency_rows, OrderStore};
use crate::webhooks;
use std::time::Duration;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

/// How much of the event log is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    /// Events younger than this many days are kept.
    pub keep_days: u32,
    /// The newest this many events are kept (at least 1).
    pub keep_events: u64,
    /// How often the log is pruned.
    pub every: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            keep_days: 30,
            keep_events: 100_000,
            every: Duration::from_secs(600),
        }
    }
}

/// Events deleted in one statement.
const BATCH: i64 = 2_000;

/// Deletes the events that neither rule keeps; returns how many. Each batch
/// holds the store's write lock, so this node's writer never sees its
/// transaction broken by a prune (on PostgreSQL, row locks keep the nodes'
/// writers and prunes apart).
pub async fn prune(store: &OrderStore, retention: &Retention) -> Result<u64, sqlx::Error> {
    let db = store.database();
    let cutoff =
        to_millis(OffsetDateTime::now_utc() - time::Duration::days(i64::from(retention.keep_days)));
    let keep = retention.keep_events.max(1).min(i64::MAX as u64) as i64;
    // The last sequence number that may go: older than both rules, and no
    // event at or before it is young enough to keep.
    let (newest, first_young): (Option<i64>, Option<i64>) = on_pool!(db, pool => {
        sqlx::query_as("SELECT (SELECT MAX(seq) FROM events), (SELECT MIN(seq) FROM events WHERE at >= $1)")
            .bind(cutoff)
            .fetch_one(pool)
            .await?
    });
    let Some(newest) = newest else {
        return Ok(0);
    };
    let boundary = (newest - keep).min(first_young.map_or(newest, |young| young - 1));
    // Never an event that an enabled webhook endpoint has not taken yet.
    let boundary = match webhooks::rows::lowest_cursor(db).await? {
        Some(low) => boundary.min(low.min(i64::MAX as u64) as i64),
        None => boundary,
    };
    // Nor one a printer has not printed yet (it drops its backlog after
    // 24 h offline).
    let boundary = match crate::printers::rows::lowest_cursor(db).await? {
        Some(low) => boundary.min(low.min(i64::MAX as u64) as i64),
        None => boundary,
    };
    let mut deleted = 0;
    loop {
        let _writing = store.lock_writes().await;
        let done = on_pool!(db, pool => {
            sqlx::query(
                "DELETE FROM events WHERE seq IN
                     (SELECT seq FROM events WHERE seq <= $1 ORDER BY seq LIMIT $2)",
            )
            .bind(boundary)
            .bind(BATCH)
            .execute(pool)
            .await?
            .rows_affected()
        });
        deleted += done;
        if done < BATCH as u64 {
            return Ok(deleted);
        }
    }
}

/// Prunes every `retention.every` until `stop` is cancelled.
pub async fn run(store: OrderStore, retention: Retention, stop: CancellationToken) {
    let mut tick = tokio::time::interval(retention.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        match prune(&store, &retention).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "pruned the event log"),
            Err(e) => tracing::warn!(error = %e, "pruning the event log"),
        }
        let old = to_millis(OffsetDateTime::now_utc()) - webhooks::KEEP_ATTEMPTS.as_millis() as i64;
        match webhooks::rows::prune_attempts(store.database(), old).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "pruned webhook attempts older than 7 days"),
            Err(e) => tracing::warn!(error = %e, "pruning webhook attempts"),
        }
        match idempotency_rows::prune(store.database()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                deleted = n,
                "pruned idempotency records older than 24 hours"
            ),
            Err(e) => tracing::warn!(error = %e, "pruning idempotency records"),
        }
    }
}
