//! The newest state of each order that customers follow, kept in memory by
//! the change feed, so that a poll or a long poll never touches SQLite.
//!
//! A polling customer asks every few seconds; almost every answer is "no
//! change". Reading the database for each of those would be polling the
//! database by proxy. Instead the first request for an order loads it once;
//! from then on every published change updates it here, and polls are
//! answered from memory. The map is bounded: finished orders go first.
//!
//! Memory is trusted only when it is provably current: the keeper records
//! the sequence number it has applied, and an answer comes from memory only
//! if that has reached the newest published change (otherwise, for the
//! moment until it catches up, the database answers). A keeper that falls
//! behind the feed forgets everything, and a database read that raced with
//! that forgetting is not kept, so memory never holds a state older than
//! one it skipped.

use super::OrderStore;
use super::StoreError;
use crate::feed::{ChangeFeed, Delivery};
use futures_util::StreamExt;
use orderboard_model::Order;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// The most orders kept.
pub const CAPACITY: usize = 20_000;

#[derive(Default)]
pub struct LatestOrders {
    by_token: Mutex<HashMap<String, Arc<Order>>>,
    /// The sequence number of the last change the keeper applied.
    kept_through: AtomicU64,
    /// Grows each time everything is forgotten.
    generation: AtomicU64,
}

impl LatestOrders {
    /// Starts keeping up with `feed`; call from within a tokio runtime.
    pub fn follow(feed: &Arc<dyn ChangeFeed>, shutdown: CancellationToken) -> Arc<Self> {
        let latest = Arc::new(LatestOrders::default());
        let mut changes = feed.subscribe();
        let keeper = latest.clone();
        tokio::spawn(async move {
            loop {
                let delivery = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    d = changes.next() => d,
                };
                match delivery {
                    None => return,
                    Some(Delivery::Change(change)) => {
                        keeper.offer(Arc::new(change.order.clone()));
                        keeper.kept_through.store(change.seq, Ordering::Release);
                    }
                    Some(Delivery::Missed) => keeper.forget_all(),
                }
            }
        });
        latest
    }

    /// The newest state of the order with this token: from memory when
    /// memory is current, else from the database (and then kept).
    pub async fn current(
        &self,
        store: &OrderStore,
        token: &str,
    ) -> Result<Option<Arc<Order>>, StoreError> {
        let generation = self.generation.load(Ordering::Acquire);
        if let Some(head) = store.last_published() {
            if let Some(kept) = self.get(token) {
                if self.kept_through.load(Ordering::Acquire) >= head {
                    return Ok(Some(kept));
                }
            }
        }
        let Some(order) = store.by_tracking_token(token).await? else {
            return Ok(None);
        };
        let order = Arc::new(order);
        let mut map = self.lock();
        if self.generation.load(Ordering::Acquire) != generation {
            // Forgotten while we read: this read may predate a skipped change.
            return Ok(Some(order));
        }
        Ok(Some(Self::keep(&mut map, order)))
    }

    /// The order with this token, if it is kept.
    pub fn get(&self, token: &str) -> Option<Arc<Order>> {
        self.lock().get(token).cloned()
    }

    /// Keeps `order` unless a newer version of it is already kept; returns
    /// the version kept.
    pub fn offer(&self, order: Arc<Order>) -> Arc<Order> {
        Self::keep(&mut self.lock(), order)
    }

    fn keep(map: &mut HashMap<String, Arc<Order>>, order: Arc<Order>) -> Arc<Order> {
        if let Some(kept) = map.get(&order.tracking_token) {
            if kept.version >= order.version {
                return kept.clone();
            }
        }
        if map.len() >= CAPACITY && !map.contains_key(&order.tracking_token) {
            map.retain(|_, o| !o.stage.is_final());
            if map.len() >= CAPACITY {
                map.clear();
            }
        }
        map.insert(order.tracking_token.clone(), order.clone());
        order
    }

    fn forget_all(&self) {
        let mut map = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        map.clear();
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Order>>> {
        self.by_token.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderboard_model::{Channel, Stage};
    use time::OffsetDateTime;

    fn order(token: &str, version: u64, stage: Stage) -> Arc<Order> {
        let now = OffsetDateTime::UNIX_EPOCH;
        Arc::new(Order {
            id: uuid::Uuid::nil(),
            number: 1,
            customer: None,
            channel: Channel::Pickup,
            items: vec![],
            note: None,
            stage,
            version,
            created_at: now,
            updated_at: now,
            history: vec![],
            tracking_token: token.into(),
            external_ref: None,
            table: None,
            due_at: None,
        })
    }

    #[test]
    fn an_older_version_never_replaces_a_newer_one() {
        let latest = LatestOrders::default();
        latest.offer(order("a", 2, Stage::Preparing));
        assert_eq!(latest.offer(order("a", 1, Stage::Received)).version, 2);
        assert_eq!(latest.offer(order("a", 3, Stage::Ready)).version, 3);
        assert_eq!(latest.get("a").unwrap().version, 3);
        assert!(latest.get("b").is_none());
        latest.forget_all();
        assert!(latest.is_empty());
    }
}
