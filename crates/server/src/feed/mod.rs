//! Publish/subscribe of committed changes, behind a small interface.
//!
//! The order store publishes each change exactly once, after its commit and in
//! sequence order, as a domain change ([`Committed`]: the order's new state,
//! the change's sequence number, kind, from and to), never as wire bytes;
//! every open stream subscribes, to every change or to one order's. Nothing here touches the database: a subscriber that falls behind
//! is told so ([`Delivery::Missed`]) and catches up from the event log itself.
//! The in-process implementation is [`in_process::InProcessFeed`]; a
//! broker-backed one for several server instances can implement
//! [`ChangeFeed`] too.

pub mod committed;
pub mod in_process;
pub mod log_event;

use futures_util::future::ready;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use std::sync::Arc;
use uuid::Uuid;

pub use committed::Committed;
pub use log_event::LogEvent;

/// What a subscription yields.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// The next committed change.
    Change(Arc<Committed>),
    /// The subscriber fell behind and some changes were dropped for it: it
    /// must catch up from the event log before it trusts what follows.
    Missed,
}

/// A subscriber's view of the feed. It ends when the feed is closed
/// ([`ChangeFeed::close`]).
pub type Subscription = BoxStream<'static, Delivery>;

pub trait ChangeFeed: Send + Sync + 'static {
    /// Hands a committed change to every current subscriber.
    fn publish(&self, change: Arc<Committed>);
    /// Starts receiving every change published from now on.
    fn subscribe(&self) -> Subscription;
    /// Starts receiving the changes to one order published from now on, and
    /// `Missed` when the subscriber fell behind on them. This default
    /// filters [`Self::subscribe`]; the in-process feed gives each followed
    /// order a channel of its own, so that a change wakes only the streams
    /// that follow its order.
    fn subscribe_order(&self, order: Uuid) -> Subscription {
        self.subscribe()
            .filter(move |d| {
                ready(match d {
                    Delivery::Change(change) => change.order_id() == Some(order),
                    Delivery::Missed => true,
                })
            })
            .boxed()
    }
    /// Starts receiving the changes to any of `orders` published from now
    /// on, in sequence order, and `Missed` when the subscriber fell behind:
    /// every change filtered down to the set. One subscription, not one per
    /// order merged, so the changes keep their global order (a cursor skips
    /// what is not above the last it sent).
    fn subscribe_orders(&self, orders: Arc<[Uuid]>) -> Subscription {
        self.subscribe()
            .filter(move |d| {
                ready(match d {
                    Delivery::Change(change) => {
                        change.order_id().is_some_and(|id| orders.contains(&id))
                    }
                    Delivery::Missed => true,
                })
            })
            .boxed()
    }
    /// Ends every subscription (each stream yields its last item, then ends).
    /// Called once, when the application shuts down (not when one listener
    /// stops): so a stream needs no shutdown waiter of its own, which would
    /// take a lock shared by every stream each time any of them wakes.
    fn close(&self);
    /// How many subscriptions are open.
    fn subscriber_count(&self) -> usize;
}
