//! The simulated kitchen: it creates the run's orders, moves each one step
//! forward along its channel's path every so often, and when an order is
//! finished puts a new one in its place (a customer leaves, another arrives).
//!
//! Each place ("slot") publishes the order it holds on a watch channel, which
//! the slot's customers follow; the [`Ledger`] keeps the newest version of
//! every order made, from which the updates each customer should have seen
//! are worked out.

use crate::driver::{OrderDriver, STAFF_TIMEOUT};
use crate::menu;
use futures_util::StreamExt;
use orderboard_model::{Order, Stage, StageChangeRequest, TrackedOrder};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The order a slot holds now: what its customers follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub order: Uuid,
    pub token: String,
}

impl Assignment {
    fn of(order: &Order) -> Self {
        Assignment {
            order: order.id,
            token: order.tracking_token.clone(),
        }
    }
}

/// Every order the run made, at its newest known version, and the counts.
#[derive(Debug, Default)]
pub struct Ledger {
    versions: Mutex<HashMap<Uuid, u64>>,
    pub orders: AtomicU64,
    pub changes: AtomicU64,
    /// Staff requests that failed.
    pub errors: AtomicU64,
}

impl Ledger {
    fn record(&self, id: Uuid, version: u64) {
        let mut v = self.versions.lock().unwrap_or_else(|e| e.into_inner());
        let entry = v.entry(id).or_insert(version);
        *entry = (*entry).max(version);
    }

    /// The newest version of every order, as of now.
    pub fn versions(&self) -> HashMap<Uuid, u64> {
        self.versions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

struct Slot {
    order: Order,
    tx: watch::Sender<Assignment>,
    rng: ChaCha8Rng,
}

/// The run's orders and their schedule, before and while it runs.
pub struct Kitchen {
    slots: Vec<Slot>,
    ledger: Arc<Ledger>,
}

/// Orders created at once while setting up.
const CREATE_CONCURRENCY: usize = 8;

fn slot_rng(seed: u64, slot: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(slot as u64 + 1);
    rng
}

impl Kitchen {
    /// Creates `count` orders (seeded), one per slot.
    pub async fn open(
        driver: &Arc<dyn OrderDriver>,
        count: u32,
        seed: u64,
    ) -> anyhow::Result<Kitchen> {
        let mut rngs: Vec<ChaCha8Rng> = (0..count as usize).map(|i| slot_rng(seed, i)).collect();
        let new_orders: Vec<_> = rngs.iter_mut().map(menu::new_order).collect();
        let created: Vec<anyhow::Result<Order>> = futures_util::stream::iter(new_orders)
            .map(|o| with_timeout(driver.create(o)))
            .buffered(CREATE_CONCURRENCY)
            .collect()
            .await;
        if let Some(failed) = created.iter().position(Result::is_err) {
            // Take back the orders that were made before giving up.
            let made: Vec<Order> = created
                .iter()
                .filter_map(|o| o.as_ref().ok().cloned())
                .collect();
            cancel_all(driver, &made).await;
            let error = created
                .into_iter()
                .nth(failed)
                .and_then(Result::err)
                .unwrap_or_else(|| anyhow::anyhow!("unknown"));
            return Err(error.context("creating the run's orders"));
        }
        let ledger = Arc::new(Ledger::default());
        let mut slots = Vec::with_capacity(created.len());
        for (order, rng) in created.into_iter().flatten().zip(rngs) {
            ledger.record(order.id, order.version);
            ledger.orders.fetch_add(1, Ordering::Relaxed);
            let (tx, _) = watch::channel(Assignment::of(&order));
            slots.push(Slot { order, tx, rng });
        }
        Ok(Kitchen { slots, ledger })
    }

    pub fn ledger(&self) -> Arc<Ledger> {
        self.ledger.clone()
    }

    /// The watch channel of slot `i` (modulo the number of slots).
    pub fn subscribe(&self, i: usize) -> watch::Receiver<Assignment> {
        self.slots[i % self.slots.len()].tx.subscribe()
    }

    /// Starts changing orders until `stop`; each slot runs on its own task.
    pub fn start(
        self,
        driver: Arc<dyn OrderDriver>,
        refresh: Refresher,
        stage_every: Duration,
        stop: CancellationToken,
    ) -> Running {
        let tasks = self
            .slots
            .into_iter()
            .map(|slot| {
                let cook = Cook {
                    driver: driver.clone(),
                    ledger: self.ledger.clone(),
                    refresh: refresh.clone(),
                    stage_every,
                    stop: stop.clone(),
                };
                tokio::spawn(cook.run(slot))
            })
            .collect();
        Running { tasks }
    }
}

/// Cancels every order of `orders` that is not finished (best effort), so
/// that a run's orders leave the dispatcher's screen and free their numbers.
pub async fn cancel_all(driver: &Arc<dyn OrderDriver>, orders: &[Order]) {
    let active = orders.iter().filter(|o| !o.stage.is_final());
    futures_util::stream::iter(active)
        .for_each_concurrent(CREATE_CONCURRENCY, |o| async move {
            let request = StageChangeRequest {
                to: Stage::Cancelled,
                expected_version: Some(o.version),
            };
            if let Err(e) = with_timeout(driver.change_stage(o.id, request)).await {
                tracing::warn!("cancelling order {} after the run: {e:#}", o.id);
            }
        })
        .await;
}

/// Reads an order's real state through its tracking link, after a staff
/// request failed and its effect is unknown.
#[derive(Clone)]
pub struct Refresher {
    pub http: reqwest::Client,
    pub base: String,
}

impl Refresher {
    async fn tracked(&self, token: &str) -> Option<TrackedOrder> {
        let res = self
            .http
            .get(format!("{}/api/track/{token}", self.base))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .ok()?;
        if !res.status().is_success() {
            return None;
        }
        res.json().await.ok()
    }
}

/// The kitchen at work.
pub struct Running {
    tasks: Vec<JoinHandle<Order>>,
}

impl Running {
    /// Waits (at most `patience`) for every slot to finish its change in
    /// flight; returns the orders the slots held last.
    pub async fn finish(self, patience: Duration) -> Vec<Order> {
        let deadline = tokio::time::Instant::now() + patience;
        let mut last = Vec::with_capacity(self.tasks.len());
        for task in self.tasks {
            let abort = task.abort_handle();
            match tokio::time::timeout_at(deadline, task).await {
                Ok(Ok(order)) => last.push(order),
                Ok(Err(_)) => {}
                Err(_) => abort.abort(),
            }
        }
        last
    }
}

/// A staff action, bounded by [`STAFF_TIMEOUT`] whatever the driver does.
async fn with_timeout<T>(
    action: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    tokio::time::timeout(STAFF_TIMEOUT, action)
        .await
        .unwrap_or_else(|_| {
            Err(anyhow::anyhow!(
                "a staff request took more than {} s",
                STAFF_TIMEOUT.as_secs()
            ))
        })
}

struct Cook {
    driver: Arc<dyn OrderDriver>,
    ledger: Arc<Ledger>,
    refresh: Refresher,
    stage_every: Duration,
    stop: CancellationToken,
}

impl Cook {
    /// One slot: a change every `stage_every` ±50%, the first one at a random
    /// point of the first interval so that the slots do not move in step.
    async fn run(self, mut slot: Slot) -> Order {
        let mut first = true;
        loop {
            let factor = if first {
                slot.rng.random_range(0.05..1.0)
            } else {
                slot.rng.random_range(0.5..1.5)
            };
            first = false;
            tokio::select! {
                _ = self.stop.cancelled() => break,
                _ = tokio::time::sleep(self.stage_every.mul_f64(factor)) => {}
            }
            if slot.order.stage.is_final() {
                // A replacement failed earlier: try again.
                self.replace(&mut slot).await;
                continue;
            }
            self.advance(&mut slot.order).await;
            if slot.order.stage.is_final() && !self.stop.is_cancelled() {
                self.replace(&mut slot).await;
            }
        }
        slot.order
    }

    async fn advance(&self, order: &mut Order) {
        let Some(to) = order.machine().next() else {
            return;
        };
        let request = StageChangeRequest {
            to,
            expected_version: Some(order.version),
        };
        match with_timeout(self.driver.change_stage(order.id, request)).await {
            Ok(changed) => {
                self.ledger.changes.fetch_add(
                    changed.version.saturating_sub(order.version).max(1),
                    Ordering::Relaxed,
                );
                self.ledger.record(changed.id, changed.version);
                *order = changed;
            }
            Err(e) => {
                self.ledger.errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("{e:#}");
                // The change may have landed after all: read what is there.
                if let Some(real) = self.refresh.tracked(&order.tracking_token).await {
                    if real.version > order.version {
                        self.ledger
                            .changes
                            .fetch_add(real.version - order.version, Ordering::Relaxed);
                        self.ledger.record(order.id, real.version);
                        order.version = real.version;
                        order.stage = real.stage;
                        order.history = real.history;
                        order.updated_at = real.updated_at;
                    }
                }
            }
        }
    }

    async fn replace(&self, slot: &mut Slot) {
        match with_timeout(self.driver.create(menu::new_order(&mut slot.rng))).await {
            Ok(order) => {
                self.ledger.orders.fetch_add(1, Ordering::Relaxed);
                self.ledger.record(order.id, order.version);
                slot.tx.send_replace(Assignment::of(&order));
                slot.order = order;
            }
            Err(e) => {
                self.ledger.errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("{e:#}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::future::BoxFuture;
    use futures_util::FutureExt;
    use orderboard_model::NewOrder;
    use time::OffsetDateTime;

    /// A driver whose third order fails; remembers the orders it cancelled.
    #[derive(Default)]
    struct Flaky {
        made: AtomicU64,
        cancelled: Mutex<Vec<Uuid>>,
    }

    impl OrderDriver for Flaky {
        fn create(&self, new: NewOrder) -> BoxFuture<'_, anyhow::Result<Order>> {
            let n = self.made.fetch_add(1, Ordering::SeqCst);
            async move {
                anyhow::ensure!(n != 2, "no free number");
                let now = OffsetDateTime::now_utc();
                Ok(Order {
                    id: Uuid::from_u128(n as u128 + 1),
                    number: n as u32 + 1,
                    customer: new.customer,
                    channel: new.channel,
                    items: new.items.into_iter().map(Into::into).collect(),
                    note: new.note,
                    stage: Stage::Received,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                    history: vec![],
                    tracking_token: format!("t{n}"),
                    external_ref: None,
                    table: None,
                    due_at: None,
                })
            }
            .boxed()
        }

        fn change_stage(
            &self,
            id: Uuid,
            request: StageChangeRequest,
        ) -> BoxFuture<'_, anyhow::Result<Order>> {
            async move {
                assert_eq!(request.to, Stage::Cancelled);
                self.cancelled.lock().unwrap().push(id);
                anyhow::bail!("not needed here")
            }
            .boxed()
        }
    }

    #[tokio::test]
    async fn a_failed_set_up_takes_back_the_orders_it_made() {
        let flaky = Arc::new(Flaky::default());
        let driver: Arc<dyn OrderDriver> = flaky.clone();
        let err = Kitchen::open(&driver, 5, 1)
            .await
            .err()
            .expect("the third order fails");
        assert!(format!("{err:#}").contains("no free number"), "{err:#}");
        let mut cancelled = flaky.cancelled.lock().unwrap().clone();
        cancelled.sort();
        assert_eq!(cancelled, [1u128, 2, 4, 5].map(Uuid::from_u128).to_vec());
    }
}
