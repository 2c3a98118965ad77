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
//! It computes nothing per stream. Tracking streams say which orders they
//! follow ([`Following`]) and listen to the counter of their orders'
//! channel (a `tokio::sync::watch`, one per channel;
//! `crate::stream::queue_follow`). The keeper bumps a channel's counter only
//! when a change there can move a followed order's numbers:
//!
//! - an order joins or leaves the line (received, readied, cancelled,
//!   recalled) and a followed order waits at or behind its place: those
//!   ahead of it are not moved, so an order created at the end of the line,
//!   or readied behind every followed one, wakes nobody;
//! - the typical time changes by a whole minute (what the customer reads):
//!   every channel, if anyone is followed.
//!
//! A woken stream asks [`QueueView::place`] for its orders' places (one
//! binary search each) and sends a `queue` event only if its numbers
//! changed.
//!
//! Every node keeps its own queue from its own feed (on PostgreSQL with two
//! nodes, each from the changes it hears). The keeper lags the feed by a
//! moment; a stream that starts in that moment is sent the right numbers as
//! soon as the keeper catches up. A keeper that falls behind the feed reads
//! the queue again from the database.

pub mod lines;
pub mod prep_median;

use crate::feed::{ChangeFeed, Delivery, LogEvent};
use crate::reports::prep_times::received_at;
use crate::store::snapshots;
use crate::store::Database;
use futures_util::StreamExt;
use lines::{Lines, CHANNELS};
use orderboard_model::{Channel, Order, OrderEvent, QueuePlace, Stage};
use prep_median::{whole_minutes, PrepMedian};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
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
    /// Read by every woken tracking stream at once, written by the keeper.
    state: RwLock<State>,
    /// Bumped when a followed order's place in that channel may have changed.
    moved: [watch::Sender<u64>; CHANNELS.len()],
    /// How many tracking streams follow each order.
    followed: Mutex<HashMap<Uuid, usize>>,
}

impl Default for QueueView {
    fn default() -> Self {
        QueueView {
            state: RwLock::default(),
            moved: std::array::from_fn(|_| watch::Sender::new(0)),
            followed: Mutex::default(),
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
                    Some(Delivery::Change(change)) => {
                        if let LogEvent::Order { event, .. } = change.event() {
                            keeper.apply(event);
                        }
                    }
                    Some(Delivery::Missed) => loaded = false,
                }
            }
        });
        view
    }

    fn state(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().expect("queue lock")
    }

    fn state_mut(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().expect("queue lock")
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
        *self.state_mut() = fresh;
        self.bump(&CHANNELS);
    }

    /// Takes one committed change in.
    pub fn apply(&self, event: &OrderEvent) {
        let mut state = self.state_mut();
        if event.seq <= state.through {
            return;
        }
        state.through = event.seq;
        let order = &event.order;
        let received = received_at(order);
        let line_moved = state.lines.place(order, received);
        let minutes = whole_minutes(state.prep.typical());
        if event.change.to == Stage::Ready {
            if let Some((at, took)) = readied(order) {
                state.prep.add(at, took);
            }
        }
        let typical_moved = whole_minutes(state.prep.typical()) != minutes;
        let followed = self.followed.lock().expect("followed lock");
        if typical_moved && !followed.is_empty() {
            drop(followed);
            drop(state);
            self.bump(&CHANNELS);
        } else if line_moved
            && state
                .lines
                .any_from(order.channel, received, order.id, |id| {
                    followed.contains_key(id)
                })
        {
            drop(followed);
            drop(state);
            self.bump(&[order.channel]);
        }
    }

    /// Notes that a tracking stream follows `orders`, until the returned
    /// [`Following`] is dropped.
    pub fn following(self: &Arc<Self>, orders: &[Uuid]) -> Following {
        let mut followed = self.followed.lock().expect("followed lock");
        for id in orders {
            *followed.entry(*id).or_default() += 1;
        }
        Following {
            view: self.clone(),
            orders: orders.to_vec(),
        }
    }

    fn bump(&self, channels: &[Channel]) {
        for channel in channels {
            self.moved[lines::slot(*channel)].send_modify(|n| *n += 1);
        }
    }

    /// A waiting order's place, or `None` if it does not wait (as far as
    /// the keeper has heard). The estimate is its reception plus the
    /// typical time in the whole minutes the customer reads, so that it
    /// moves when the kitchen is a minute slower or faster, not with every
    /// order readied. (With stations, the typical time of the order's
    /// slowest station would stand here.)
    pub fn place(&self, id: Uuid) -> Option<Placed> {
        let state = self.state();
        let (waiting, ahead) = state.lines.ahead(id)?;
        let typical_minutes = whole_minutes(state.prep.typical());
        Some(Placed {
            token: waiting.token.clone(),
            place: QueuePlace {
                ahead,
                estimate_ready_at: waiting.received_at
                    + time::Duration::minutes(typical_minutes.into()),
                typical_minutes,
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

/// The orders one tracking stream follows, noted with the queue while it
/// lives.
pub struct Following {
    view: Arc<QueueView>,
    orders: Vec<Uuid>,
}

impl Drop for Following {
    fn drop(&mut self) {
        let mut followed = self.view.followed.lock().expect("followed lock");
        for id in &self.orders {
            if let Some(n) = followed.get_mut(id) {
                *n -= 1;
                if *n == 0 {
                    followed.remove(id);
                }
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use orderboard_model::{Change, ChangeKind, StageEntry};
    use time::{Duration, OffsetDateTime};

    fn minute(m: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::days(20_000) + Duration::minutes(m)
    }

    /// An order of `channel` received at `received` minutes.
    fn order(channel: Channel, received: i64) -> Order {
        Order {
            id: Uuid::new_v4(),
            number: 1,
            customer: None,
            channel,
            items: vec![],
            note: None,
            stage: Stage::Received,
            version: 1,
            created_at: minute(received),
            updated_at: minute(received),
            history: vec![StageEntry {
                stage: Stage::Received,
                at: minute(received),
            }],
            tracking_token: format!("t{received}"),
            external_ref: None,
            table: None,
            due_at: None,
        }
    }

    /// Feeds the view the order's move to `to` at minute `at`.
    fn moved(view: &QueueView, seq: &mut u64, order: &mut Order, to: Stage, at: i64) {
        *seq += 1;
        let from = (order.history.len() > 1 || to != Stage::Received).then_some(order.stage);
        if to != Stage::Received {
            order.stage = to;
            order.history.push(StageEntry {
                stage: to,
                at: minute(at),
            });
        }
        view.apply(&OrderEvent {
            seq: *seq,
            at: minute(at),
            change: Change {
                from,
                to,
                kind: ChangeKind::Advance,
                item: None,
            },
            order: order.clone(),
        });
    }

    fn woken(rx: &mut watch::Receiver<u64>) -> bool {
        let moved = rx.has_changed().unwrap();
        rx.mark_unchanged();
        moved
    }

    #[test]
    fn only_changes_that_can_move_a_followed_order_wake_its_channel() {
        let view = Arc::new(QueueView::default());
        let mut seq = 0;
        let (mut pickup, mut delivery) =
            (view.watch(Channel::Pickup), view.watch(Channel::Delivery));
        let mut a = order(Channel::Pickup, 0);
        let mut b = order(Channel::Pickup, 1);
        let mut d = order(Channel::Delivery, 2);
        for o in [&mut a, &mut b, &mut d] {
            let at = o.created_at;
            moved(
                &view,
                &mut seq,
                o,
                Stage::Received,
                (at - minute(0)).whole_minutes(),
            );
        }
        assert!(!woken(&mut pickup), "nobody follows anything yet");
        let _following = view.following(&[b.id]);

        // Behind b, or in the other channel: b's place cannot move.
        let mut c = order(Channel::Pickup, 3);
        moved(&view, &mut seq, &mut c, Stage::Received, 3);
        moved(&view, &mut seq, &mut c, Stage::Preparing, 4);
        moved(&view, &mut seq, &mut c, Stage::Cancelled, 5);
        moved(&view, &mut seq, &mut d, Stage::Cancelled, 5);
        assert!(!woken(&mut pickup) && !woken(&mut delivery));
        assert_eq!(view.place(b.id).map(|p| p.place.ahead), Some(1));

        // Ahead of b: its channel wakes, and b is next.
        moved(&view, &mut seq, &mut a, Stage::Preparing, 6);
        assert!(!woken(&mut pickup), "still waiting, still ahead");
        moved(&view, &mut seq, &mut a, Stage::Ready, 8);
        assert!(woken(&mut pickup) && !woken(&mut delivery));
        let place = view.place(b.id).unwrap().place;
        assert_eq!((place.ahead, place.typical_minutes), (0, 10));
        assert_eq!(place.estimate_ready_at, minute(1) + Duration::minutes(10));

        // A third readied order makes the typical time measured (8, 5 and
        // 6 minutes: 6), which moves every channel's estimates.
        for (received, ready) in [(10, 15), (11, 17)] {
            let mut o = order(Channel::Delivery, received);
            moved(&view, &mut seq, &mut o, Stage::Received, received);
            moved(&view, &mut seq, &mut o, Stage::Preparing, received);
            moved(&view, &mut seq, &mut o, Stage::Ready, ready);
        }
        assert!(woken(&mut pickup) && woken(&mut delivery));
        let place = view.place(b.id).unwrap().place;
        assert_eq!((place.ahead, place.typical_minutes), (0, 6));
        assert_eq!(place.estimate_ready_at, minute(1) + Duration::minutes(6));

        // An old change read again is not applied twice.
        let before = view.place(b.id);
        view.apply(&OrderEvent {
            seq: 1,
            at: minute(0),
            change: Change {
                from: None,
                to: Stage::Received,
                kind: ChangeKind::Created,
                item: None,
            },
            order: order(Channel::Pickup, 0),
        });
        assert_eq!(view.place(b.id), before);

        // Once nobody follows b, its readiness wakes nobody.
        drop(_following);
        moved(&view, &mut seq, &mut b, Stage::Preparing, 20);
        moved(&view, &mut seq, &mut b, Stage::Ready, 21);
        assert!(!woken(&mut pickup));
        assert_eq!(view.place(b.id), None);
    }
}
