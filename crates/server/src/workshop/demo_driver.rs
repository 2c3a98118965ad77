//! The demo driver: a kitchen's day, played back fast, so that a workshop has
//! orders moving without anyone at the pass.
//!
//! Orders arrive at random (a Poisson process), then wait in each stage for a
//! plausible time before the next: a few minutes to cook, a while at the pass,
//! longer on the road for deliveries; a few are cancelled. Every random choice
//! comes from one generator seeded with the run's seed, drawn in the order the
//! schedule plays out, so the same seed gives the same orders, in the same
//! order, with the same stages. `speed` shortens every wait (10 = ten times
//! faster than a real kitchen). The driver writes through the order store, as
//! staff do, so its changes are committed, logged and published like any other.

use crate::error::ApiError;
use crate::store::{OrderStore, StoreError};
use orderboard_model::workshop::{DEFAULT_DEMO_SPEED, MAX_DEMO_SPEED, MIN_DEMO_SPEED};
use orderboard_model::{DemoStatus, NewOrder, Stage, StageChangeRequest, ValidationError};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The demo keeps at most this many of its orders active at once.
pub const MAX_ACTIVE_DEMO_ORDERS: usize = 30;

/// Mean seconds between arrivals, in a real kitchen.
const MEAN_ARRIVAL_SECS: f64 = 45.0;

/// What the schedule does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Arrive,
    /// Move the order, from the version the driver last saw, to this stage
    /// (decided from the order the previous write returned).
    Move(Uuid, u64, Stage),
}

/// The schedule's clock: milliseconds of kitchen time since the run began,
/// and a counter that keeps equal times in the order they were scheduled.
type Due = Reverse<(u64, u64, Step)>;

struct Schedule {
    rng: ChaCha8Rng,
    queue: BinaryHeap<Due>,
    scheduled: u64,
    active: usize,
}

impl Schedule {
    fn new(seed: u64) -> Self {
        let mut s = Schedule {
            rng: ChaCha8Rng::seed_from_u64(seed),
            queue: BinaryHeap::new(),
            scheduled: 0,
            active: 0,
        };
        s.push(0, Step::Arrive);
        s
    }

    fn push(&mut self, at_ms: u64, step: Step) {
        self.scheduled += 1;
        self.queue.push(Reverse((at_ms, self.scheduled, step)));
    }

    fn pop(&mut self) -> Option<(u64, Step)> {
        self.queue.pop().map(|Reverse((at, _, step))| (at, step))
    }

    /// Seconds, uniformly between `lo` and `hi`, as milliseconds.
    fn between(&mut self, lo: f64, hi: f64) -> u64 {
        (self.rng.random_range(lo..hi) * 1000.0) as u64
    }

    fn next_arrival(&mut self) -> u64 {
        // Exponential gaps: a Poisson process of arrivals.
        let u: f64 = self.rng.random_range(f64::EPSILON..1.0);
        (-u.ln() * MEAN_ARRIVAL_SECS * 1000.0) as u64
    }

    /// A plausible order (the load generator's, so both draw from one menu).
    fn new_order(&mut self) -> NewOrder {
        orderboard_loadgen::menu::new_order(&mut self.rng)
    }

    /// How long an order stays in `stage` before it moves on, in ms.
    fn dwell(&mut self, stage: Stage) -> u64 {
        match stage {
            Stage::Received => self.between(20.0, 90.0),
            Stage::Preparing => self.between(120.0, 480.0),
            Stage::Ready => self.between(30.0, 240.0),
            Stage::OutForDelivery => self.between(600.0, 1800.0),
            _ => 0,
        }
    }
}

/// A run in progress.
struct Running {
    stop: CancellationToken,
}

pub struct DemoDriver {
    store: OrderStore,
    shutdown: CancellationToken,
    running: Mutex<Option<Running>>,
    settings: Mutex<(u64, f64)>,
    orders_created: Arc<AtomicU64>,
    changes_made: Arc<AtomicU64>,
}

/// Checks a requested speed.
pub fn check_speed(speed: f64) -> Result<f64, ApiError> {
    if speed.is_finite() && (MIN_DEMO_SPEED..=MAX_DEMO_SPEED).contains(&speed) {
        Ok(speed)
    } else {
        Err(ApiError::Validation(ValidationError {
            field: "speed".into(),
            message: format!("must be between {MIN_DEMO_SPEED} and {MAX_DEMO_SPEED}"),
        }))
    }
}

impl DemoDriver {
    pub fn new(store: OrderStore, shutdown: CancellationToken) -> Self {
        DemoDriver {
            store,
            shutdown,
            running: Mutex::new(None),
            settings: Mutex::new((1, DEFAULT_DEMO_SPEED)),
            orders_created: Arc::new(AtomicU64::new(0)),
            changes_made: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn status(&self) -> DemoStatus {
        let running = self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|r| !r.stop.is_cancelled());
        let (seed, speed) = *self.settings.lock().unwrap_or_else(|e| e.into_inner());
        DemoStatus {
            running,
            seed,
            speed,
            orders_created: self.orders_created.load(Ordering::Relaxed),
            changes_made: self.changes_made.load(Ordering::Relaxed),
        }
    }

    /// Starts a run with this seed and speed (stopping one in progress);
    /// call within a tokio runtime.
    pub fn start(&self, seed: u64, speed: f64) -> Result<DemoStatus, ApiError> {
        let speed = check_speed(speed)?;
        self.stop();
        *self.settings.lock().unwrap_or_else(|e| e.into_inner()) = (seed, speed);
        self.orders_created.store(0, Ordering::Relaxed);
        self.changes_made.store(0, Ordering::Relaxed);
        let stop = self.shutdown.child_token();
        let run = Run {
            store: self.store.clone(),
            stop: stop.clone(),
            speed,
            orders_created: self.orders_created.clone(),
            changes_made: self.changes_made.clone(),
        };
        tokio::spawn(run.play(Schedule::new(seed)));
        *self.running.lock().unwrap_or_else(|e| e.into_inner()) = Some(Running { stop });
        tracing::info!(seed, speed, "demo driver started");
        Ok(self.status())
    }

    /// Stops the run in progress, if any; its orders stay where they are.
    pub fn stop(&self) -> DemoStatus {
        if let Some(run) = self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            run.stop.cancel();
            tracing::info!("demo driver stopped");
        }
        self.status()
    }
}

struct Run {
    store: OrderStore,
    stop: CancellationToken,
    speed: f64,
    orders_created: Arc<AtomicU64>,
    changes_made: Arc<AtomicU64>,
}

impl Run {
    async fn play(self, mut schedule: Schedule) {
        let began = Instant::now();
        while let Some((at_ms, step)) = schedule.pop() {
            let wall = Duration::from_secs_f64(at_ms as f64 / 1000.0 / self.speed);
            tokio::select! {
                _ = self.stop.cancelled() => return,
                _ = tokio::time::sleep_until(began + wall) => {}
            }
            match step {
                Step::Arrive => {
                    let gap = schedule.next_arrival();
                    schedule.push(at_ms + gap, Step::Arrive);
                    let new = schedule.new_order();
                    if schedule.active >= MAX_ACTIVE_DEMO_ORDERS {
                        continue;
                    }
                    match self.store.create(new).await {
                        Ok(order) => {
                            self.orders_created.fetch_add(1, Ordering::Relaxed);
                            schedule.active += 1;
                            // A few orders are cancelled before the kitchen starts.
                            let cancel = schedule.rng.random_bool(0.04);
                            let to = if cancel {
                                Some(Stage::Cancelled)
                            } else {
                                order.machine().next()
                            };
                            let wait = schedule.dwell(order.stage);
                            match to {
                                Some(to) => schedule
                                    .push(at_ms + wait, Step::Move(order.id, order.version, to)),
                                None => schedule.active -= 1,
                            }
                        }
                        Err(e) => tracing::debug!(error = %e, "demo order not created"),
                    }
                }
                Step::Move(id, version, to) => {
                    let request = StageChangeRequest {
                        to,
                        expected_version: Some(version),
                    };
                    match self.store.change_stage(id, request).await {
                        Ok(order) if !order.stage.is_final() => {
                            self.changes_made.fetch_add(1, Ordering::Relaxed);
                            let wait = schedule.dwell(order.stage);
                            match order.machine().next() {
                                Some(next) => schedule
                                    .push(at_ms + wait, Step::Move(order.id, order.version, next)),
                                None => schedule.active -= 1,
                            }
                        }
                        Ok(_) => {
                            self.changes_made.fetch_add(1, Ordering::Relaxed);
                            schedule.active -= 1;
                        }
                        // Someone at the pass moved it first: the demo carries
                        // on from where they left it.
                        Err(StoreError::Refused { order, .. }) => {
                            let wait = schedule.dwell(order.stage);
                            match order.machine().next() {
                                Some(next) => schedule
                                    .push(at_ms + wait, Step::Move(order.id, order.version, next)),
                                None => schedule.active -= 1,
                            }
                        }
                        Err(e) => {
                            tracing::debug!(error = %e, "demo order left to staff");
                            schedule.active -= 1;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_orders() {
        let draw = |seed| {
            let mut s = Schedule::new(seed);
            (0..20)
                .map(|_| (s.next_arrival(), s.new_order(), s.dwell(Stage::Preparing)))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        for (gap, order, dwell) in draw(3) {
            assert!(order.clone().normalized().is_ok(), "{order:?}");
            assert!((120_000..480_000).contains(&dwell));
            assert!(gap < 45_000 * 20, "{gap}");
        }
    }

    #[test]
    fn speeds_outside_the_range_are_refused() {
        assert!(check_speed(10.0).is_ok());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1000.0] {
            assert!(check_speed(bad).is_err(), "{bad}");
        }
    }
}
