//! The kitchen's queue, kept once per server for every tracking stream.
//!
//! A customer's place in the queue changes when *other* orders move, so a
//! tracking stream would have to hear of every change to work it out. That
//! would wake every customer's phone for every change (what following one
//! order's own channel avoids, `crate::feed::in_process`). Instead one
//! keeper ([`QueueView::follow`]) follows the change feed and keeps:
//!
//! - [`lines`]: the waiting orders of each channel, by reception, which
//!   answer "how many wait ahead of this one" with one binary search;
//! - [`prep_median`]: the typical preparation time, the median of recent
//!   orders' received → ready.
//!
//! It computes nothing per stream. When a channel's line changes, or the
//! median moves, it bumps that channel's counter (a `tokio::sync::watch`,
//! one per channel). Tracking streams listen to the counter of their
//! orders' channel (`crate::stream::queue_follow`), ask [`QueueView::place`]
//! for their order's place when it moves, and send a `queue` event only if
//! their numbers changed. An order of the other channel, or one behind
//! theirs, moving still wakes them, but costs them one lookup and sends
//! nothing.
//!
//! Every node keeps its own queue from its own feed (on PostgreSQL with two
//! nodes, each from the changes it hears). The keeper lags the feed by a
//! moment; a stream that starts in that moment is sent the right numbers as
//! soon as the keeper catches up. A keeper that falls behind the feed reads
//! the queue again from the database.

pub mod lines;
pub mod prep_median;

use crate::feed::{ChangeFeed, Delivery};
use crate::reports::prep_times::received_at;
use crate::store::snapshots;
use crate::store::Database;
use futures_util::StreamExt;
use lines::{Lines, CHANNELS};
use orderboard_model::{Channel, Order, OrderEvent, QueuePlace, Stage};
use prep_median::{whole_minutes, PrepMedian};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration as StdDuration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How long the keeper waits before it reads the queue again after the
/// database failed it.
const RELOAD_AFTER: StdDuration = StdDuration::from_secs(1);

#[derive(Default)]
struct State {
    lines: Lines,
    prep: PrepMedian,
    /// The sequence number of the last change applied.
    through: u64,
}

/// A waiting order's place, and the token that names it to its customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub token: String,
    pub place: QueuePlace,
}

pub struct QueueView {
    state: Mutex<State>,
    /// Bumped when a channel's places may have changed.
    moved: [watch::Sender<u64>; 2],
}

impl Default for QueueView {
    fn default() -> Self {
        QueueView {
            state: Mutex::default(),
            moved: [watch::Sender::new(0), watch::Sender::new(0)],
        }
    }
}

impl QueueView {
    /// Starts keeping the queue from `feed`, read first from `db`; ends on
    /// `shutdown` or when the feed closes. Call from within a tokio runtime.
    pub fn follow(
        db: Database,
        feed: &Arc<dyn ChangeFeed>,
        shutdown: CancellationToken,
    ) -> Arc<Self> {
        let view = Arc::new(QueueView::default());
        // Listening before reading, so no change falls between the two.
        let mut changes = feed.subscribe();
        let keeper = view.clone();
        tokio::spawn(async move {
            let mut loaded = false;
            loop {
                if !loaded {
                    match snapshots::queue(&db).await {
                        Ok(queue) => {
                            keeper.load(queue);
                            loaded = true;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "reading the queue");
                            tokio::select! {
                                _ = shutdown.cancelled() => return,
                                _ = tokio::time::sleep(RELOAD_AFTER) => continue,
                            }
                        }
                    }
                }
                let delivery = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    d = changes.next() => d,
                };
                match delivery {
                    None => return,
                    Some(Delivery::Change(change)) => keeper.apply(change.event()),
                    Some(Delivery::Missed) => loaded = false,
                }
            }
        });
        view
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("queue lock")
    }

    /// Starts again from what the database holds.
    fn load(&self, queue: snapshots::Queue) {
        let mut fresh = State {
            through: queue.as_of,
            ..State::default()
        };
        for order in &queue.waiting {
            fresh.lines.place(order, received_at(order));
        }
        let mut readied: Vec<_> = queue.recent.iter().filter_map(readied).collect();
        readied.sort_by_key(|(at, _)| *at);
        for (at, took) in readied {
            fresh.prep.add(at, took);
        }
        *self.state() = fresh;
        self.bump(&CHANNELS);
    }

    /// Takes one committed change in.
    pub fn apply(&self, event: &OrderEvent) {
        let mut state = self.state();
        if event.seq <= state.through {
            return;
        }
        state.through = event.seq;
        let order = &event.order;
        let line_moved = state.lines.place(order, received_at(order));
        let median_moved = event.change.to == Stage::Ready
            && readied(order).is_some_and(|(at, took)| state.prep.add(at, took));
        drop(state);
        if median_moved {
            self.bump(&CHANNELS);
        } else if line_moved {
            self.bump(&[order.channel]);
        }
    }

    fn bump(&self, channels: &[Channel]) {
        for channel in channels {
            self.moved[lines::slot(*channel)].send_modify(|n| *n += 1);
        }
    }

    /// A waiting order's place, or `None` if it does not wait (as far as
    /// the keeper has heard).
    pub fn place(&self, id: Uuid) -> Option<Placed> {
        let state = self.state();
        let (waiting, ahead) = state.lines.ahead(id)?;
        let typical = state.prep.typical();
        Some(Placed {
            token: waiting.token.clone(),
            place: QueuePlace {
                ahead,
                estimate_ready_at: waiting.received_at + typical,
                typical_minutes: whole_minutes(typical),
            },
        })
    }

    /// The channel of a waiting order.
    pub fn channel_of(&self, id: Uuid) -> Option<Channel> {
        self.state().lines.channel_of(id)
    }

    /// The typical preparation time now, in whole minutes.
    pub fn typical_minutes(&self) -> u32 {
        whole_minutes(self.state().prep.typical())
    }

    /// Listens for the places of `channel`'s orders to change.
    pub fn watch(&self, channel: Channel) -> watch::Receiver<u64> {
        self.moved[lines::slot(channel)].subscribe()
    }
}

/// When the order was (last) readied, and how long after its reception.
fn readied(order: &Order) -> Option<(time::OffsetDateTime, time::Duration)> {
    let ready = order
        .history
        .iter()
        .rev()
        .find(|h| h.stage == Stage::Ready)?;
    Some((ready.at, ready.at - received_at(order)))
}
