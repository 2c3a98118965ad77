//! Scheduled orders: the fire loop that moves each into `received` at its
//! fire time.
//!
//! An order with a `due_at` is made in `scheduled`, with a fire time: its
//! due time less its preparation time ([`prep_time`]). One task per
//! application reads the scheduled orders from the database, fires those
//! whose time has come, and sleeps until the next one's; a new scheduled
//! order (from the feed, whichever node made it) wakes it early. It ends
//! with the application (the shutdown token).
//!
//! A fire is an ordinary `advance` to `received`, made with the version
//! the loop read: a second attempt (after a restart, or by another node on
//! PostgreSQL) finds the version moved on and is refused, so each order
//! fires once. Staff may fire early (advance) or cancel meanwhile; the
//! loop's attempt then is refused the same way.

use crate::feed::Delivery;
use crate::store::database::on_pool;
use crate::store::rows::from_millis;
use crate::store::{now, OrderStore, StoreError};
use futures_util::StreamExt;
use orderboard_model::{ChangeKind, Stage, StageChangeRequest};
use std::time::Duration;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How long the loop waits before reading again after the database failed.
const RETRY: Duration = Duration::from_secs(5);

/// The scheduled orders, soonest first: id, version, fire time.
async fn scheduled(store: &OrderStore) -> Result<Vec<(Uuid, u64, OffsetDateTime)>, sqlx::Error> {
    let rows: Vec<(String, i64, i64)> = on_pool!(store.database(), pool => {
        sqlx::query_as(
            "SELECT id, version, fire_at FROM orders
             WHERE stage = 'scheduled' AND fire_at IS NOT NULL ORDER BY fire_at LIMIT 500",
        )
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .filter_map(|(id, v, at)| Some((Uuid::parse_str(&id).ok()?, v as u64, from_millis(at))))
        .collect())
}

/// Fires what is due; returns when the next one is due, if any.
async fn fire_due(store: &OrderStore) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    let at = now();
    for (id, version, fire) in scheduled(store).await? {
        if fire > at {
            return Ok(Some(fire));
        }
        let request = StageChangeRequest {
            to: Stage::Received,
            expected_version: Some(version),
        };
        match store.change_stage(id, request).await {
            Ok(order) => {
                tracing::info!(order = %order.id, number = order.number, "scheduled order fired")
            }
            // Fired already (another node, before a restart), fired early
            // or cancelled by staff: nothing to do.
            Err(StoreError::Refused { .. } | StoreError::NotFound) => {}
            Err(e) => tracing::warn!(error = %e, order = %id, "firing a scheduled order"),
        }
    }
    Ok(None)
}

/// Whether a committed change is a new scheduled order (which may fire
/// before the one the loop sleeps for).
fn wakes(delivery: &Delivery) -> bool {
    match delivery {
        Delivery::Missed => true,
        Delivery::Change(change) => change.order_event().is_some_and(|e| {
            e.change.kind == ChangeKind::Created && e.order.stage == Stage::Scheduled
        }),
    }
}

/// The fire loop; ends on `shutdown` or when the feed closes.
pub async fn run(store: OrderStore, shutdown: CancellationToken) {
    let mut feed = store.feed().subscribe();
    loop {
        let wait = match fire_due(&store).await {
            Ok(Some(next)) => (next - OffsetDateTime::now_utc())
                .try_into()
                .unwrap_or(Duration::ZERO),
            Ok(None) => Duration::MAX,
            Err(e) => {
                tracing::warn!(error = %e, "reading the scheduled orders");
                RETRY
            }
        };
        let sleep = tokio::time::sleep(wait.min(Duration::from_secs(24 * 3600)));
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = &mut sleep => break,
                delivery = feed.next() => match delivery {
                    None => return,
                    Some(d) if wakes(&d) => break,
                    Some(_) => {}
                },
            }
        }
    }
}
