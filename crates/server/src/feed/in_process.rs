//! The in-process change feed, on tokio broadcast channels.
//!
//! A broadcast channel keeps one ring of recent changes shared by all
//! subscribers: publishing costs the same for one subscriber as for ten
//! thousand, and each change's encoded bytes are shared, not copied.
//!
//! Streams that follow one order (a customer's phone) get a channel of that
//! order's own, made when the first of them subscribes and dropped with the
//! last. On the one shared channel every change woke every phone, only for
//! it to find that the change was someone else's: a thousand phones
//! attached cost a fifth of the server's durable writes per second
//! (docs/benchmarks.md).

use super::{ChangeFeed, Committed, Delivery, Subscription};
use futures_util::future::ready;
use futures_util::{Stream, StreamExt};
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::sync::broadcast;
use tokio_stream::wrappers::{errors::BroadcastStreamRecvError, BroadcastStream};
use uuid::Uuid;

/// How many changes a subscriber may fall behind before it must catch up from the log.
pub const DEFAULT_CAPACITY: usize = 1024;

/// The same for a stream that follows one order. An order has a handful of
/// changes in its life; one that falls this far behind on its own order
/// reads the rest from the log.
pub const ORDER_CAPACITY: usize = 16;

/// `None` is the last item: the feed is closing.
type Sender = broadcast::Sender<Option<Arc<Committed>>>;

pub struct InProcessFeed {
    sender: Sender,
    orders: Arc<OrderChannels>,
}

/// The channels of orders that someone follows, by order id.
#[derive(Default)]
struct OrderChannels(Mutex<HashMap<Uuid, Sender>>);

impl OrderChannels {
    fn subscribe(&self, order: Uuid) -> broadcast::Receiver<Option<Arc<Committed>>> {
        let mut channels = self.0.lock().expect("order channels lock");
        channels
            .entry(order)
            .or_insert_with(|| broadcast::channel(ORDER_CAPACITY).0)
            .subscribe()
    }

    fn publish(&self, change: &Arc<Committed>) {
        let channels = self.0.lock().expect("order channels lock");
        if let Some(sender) = channels.get(&change.order_id()) {
            let _ = sender.send(Some(change.clone()));
        }
    }

    /// Drops the order's channel once nobody follows it. Under the lock, so
    /// that no subscriber can join between the count and the removal.
    fn forget_if_unfollowed(&self, order: Uuid) {
        let mut channels = self.0.lock().expect("order channels lock");
        if channels
            .get(&order)
            .is_some_and(|s| s.receiver_count() == 0)
        {
            channels.remove(&order);
        }
    }

    /// Ends every subscription to an order (shutdown).
    fn close(&self) {
        for (_, sender) in self.0.lock().expect("order channels lock").drain() {
            let _ = sender.send(None);
        }
    }

    fn subscriber_count(&self) -> usize {
        let channels = self.0.lock().expect("order channels lock");
        channels.values().map(|s| s.receiver_count()).sum()
    }

    fn followed(&self) -> usize {
        self.0.lock().expect("order channels lock").len()
    }
}

/// A receiver's items as deliveries, ending at the closing `None`.
fn deliveries(receiver: broadcast::Receiver<Option<Arc<Committed>>>) -> Subscription {
    BroadcastStream::new(receiver)
        .map(|r| match r {
            Ok(Some(change)) => Some(Delivery::Change(change)),
            Ok(None) => None,
            Err(BroadcastStreamRecvError::Lagged(_)) => Some(Delivery::Missed),
        })
        .take_while(|d| ready(d.is_some()))
        .filter_map(ready)
        .boxed()
}

/// A subscription to one order's channel. When it goes, the channel goes
/// too if nobody else follows the order.
struct OrderSubscription {
    /// Taken when dropped: the receiver must be gone before the count.
    deliveries: Option<Subscription>,
    order: Uuid,
    channels: Arc<OrderChannels>,
}

impl Stream for OrderSubscription {
    type Item = Delivery;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Delivery>> {
        match self.deliveries.as_mut() {
            Some(deliveries) => deliveries.poll_next_unpin(cx),
            None => Poll::Ready(None),
        }
    }
}

impl Drop for OrderSubscription {
    fn drop(&mut self) {
        self.deliveries.take();
        self.channels.forget_if_unfollowed(self.order);
    }
}

impl InProcessFeed {
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        InProcessFeed {
            sender,
            orders: Arc::default(),
        }
    }

    /// How many orders have a channel of their own now.
    pub fn followed_orders(&self) -> usize {
        self.orders.followed()
    }
}

impl Default for InProcessFeed {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

impl ChangeFeed for InProcessFeed {
    fn publish(&self, change: Arc<Committed>) {
        self.orders.publish(&change);
        // An error only means nobody is listening right now.
        let _ = self.sender.send(Some(change));
    }

    fn subscribe(&self) -> Subscription {
        deliveries(self.sender.subscribe())
    }

    fn subscribe_order(&self, order: Uuid) -> Subscription {
        Box::pin(OrderSubscription {
            deliveries: Some(deliveries(self.orders.subscribe(order))),
            order,
            channels: self.orders.clone(),
        })
    }

    fn close(&self) {
        let _ = self.sender.send(None);
        self.orders.close();
    }

    fn subscriber_count(&self) -> usize {
        self.sender.receiver_count() + self.orders.subscriber_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::OrderStore;
    use futures_util::FutureExt;
    use orderboard_model::{Channel, NewItem, NewOrder, Order, Stage, StageChangeRequest};

    /// A store on a fresh database file, publishing to the feed returned.
    async fn store() -> (tempfile::TempDir, OrderStore, Arc<InProcessFeed>) {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(&dir.path().join("feed.db")).await.unwrap();
        let feed = Arc::new(InProcessFeed::default());
        let store = OrderStore::new(pool, feed.clone());
        (dir, store, feed)
    }

    async fn order(store: &OrderStore) -> Order {
        let new = NewOrder {
            customer: Some("Grace".into()),
            channel: Channel::Pickup,
            items: vec![NewItem::plain("Soup", 1)],
            note: None,
            external_ref: None,
            table: None,
            due_at: None,
        };
        store.create(new).await.unwrap()
    }

    async fn advance(store: &OrderStore, order: &Order, to: Stage) -> u64 {
        let request = StageChangeRequest {
            to,
            expected_version: None,
        };
        store.change_stage(order.id, request).await.unwrap();
        store.last_published().unwrap()
    }

    /// The next delivery if one is ready, without waiting.
    fn ready_now(subscription: &mut Subscription) -> Option<Delivery> {
        subscription.next().now_or_never().flatten()
    }

    fn seq_of(delivery: Option<Delivery>) -> Option<u64> {
        match delivery {
            Some(Delivery::Change(change)) => Some(change.seq),
            _ => None,
        }
    }

    /// Counts the wakes of the task it stands for.
    #[derive(Default)]
    struct Wakes(std::sync::atomic::AtomicUsize);

    impl futures_util::task::ArcWake for Wakes {
        fn wake_by_ref(wakes: &Arc<Self>) {
            wakes.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    impl Wakes {
        /// Polls `subscription` as a task that counts its wakes: it must
        /// have nothing ready yet.
        fn wait_on(subscription: &mut Subscription) -> Arc<Wakes> {
            let wakes = Arc::new(Wakes::default());
            let waker = futures_util::task::waker(wakes.clone());
            let pending = subscription.poll_next_unpin(&mut Context::from_waker(&waker));
            assert!(pending.is_pending());
            wakes
        }

        fn count(&self) -> usize {
            self.0.load(std::sync::atomic::Ordering::SeqCst)
        }
    }

    #[tokio::test]
    async fn a_change_wakes_only_the_streams_that_follow_its_order() {
        let (_dir, store, feed) = store().await;
        let (a, b) = (order(&store).await, order(&store).await);
        let mut follows_a = feed.subscribe_order(a.id);
        let mut follows_b = feed.subscribe_order(b.id);
        let mut everything = feed.subscribe();

        let (a_woken, b_woken) = (
            Wakes::wait_on(&mut follows_a),
            Wakes::wait_on(&mut follows_b),
        );
        let seq = advance(&store, &a, Stage::Preparing).await;
        assert_eq!(
            (a_woken.count(), b_woken.count()),
            (1, 0),
            "woken for a change to a"
        );
        assert_eq!(seq_of(follows_a.next().await), Some(seq));
        assert_eq!(seq_of(everything.next().await), Some(seq));
        assert!(ready_now(&mut follows_b).is_none());

        let a_woken = Wakes::wait_on(&mut follows_a);
        let seq = advance(&store, &b, Stage::Preparing).await;
        assert_eq!(a_woken.count(), 0, "a's stream was woken for a change to b");
        assert_eq!(seq_of(follows_b.next().await), Some(seq));
        assert_eq!(seq_of(everything.next().await), Some(seq));
    }

    #[tokio::test]
    async fn an_order_channel_goes_with_the_last_stream_that_follows_it() {
        let (_dir, store, feed) = store().await;
        let a = order(&store).await;
        let base = feed.subscriber_count();
        let first = feed.subscribe_order(a.id);
        let mut second = feed.subscribe_order(a.id);
        assert_eq!(
            (feed.followed_orders(), feed.subscriber_count()),
            (1, base + 2)
        );

        drop(first);
        assert_eq!(
            (feed.followed_orders(), feed.subscriber_count()),
            (1, base + 1)
        );
        let seq = advance(&store, &a, Stage::Preparing).await;
        assert_eq!(
            seq_of(second.next().await),
            Some(seq),
            "the other stream still follows"
        );

        drop(second);
        assert_eq!((feed.followed_orders(), feed.subscriber_count()), (0, base));
        // A change to an order nobody follows any more makes no channel.
        advance(&store, &a, Stage::Ready).await;
        assert_eq!(feed.followed_orders(), 0);
        // And following it again starts afresh.
        let mut again = feed.subscribe_order(a.id);
        let seq = advance(&store, &a, Stage::Collected).await;
        assert_eq!(seq_of(again.next().await), Some(seq));
    }

    #[tokio::test]
    async fn a_stream_that_falls_behind_on_its_order_is_told_so() {
        let (_dir, store, feed) = store().await;
        let a = order(&store).await;
        let mut everything = feed.subscribe();
        let mut follows_a = feed.subscribe_order(a.id);
        advance(&store, &a, Stage::Preparing).await;
        let Some(Delivery::Change(change)) = everything.next().await else {
            panic!("no change")
        };
        // More changes to the order than its channel keeps, unread.
        for i in 1..=ORDER_CAPACITY as u64 + 1 {
            let mut event = change.event().clone();
            event.seq += i;
            feed.publish(Arc::new(Committed::new(event)));
        }
        assert!(matches!(follows_a.next().await, Some(Delivery::Missed)));
        // What follows the gap is the newest the channel still holds.
        let mut last = 0;
        while let Some(delivery) = ready_now(&mut follows_a) {
            last = seq_of(Some(delivery)).expect("a change");
        }
        assert_eq!(last, change.seq + ORDER_CAPACITY as u64 + 1);
    }

    #[tokio::test]
    async fn closing_the_feed_ends_the_streams_that_follow_an_order() {
        let (_dir, store, feed) = store().await;
        let a = order(&store).await;
        let mut follows_a = feed.subscribe_order(a.id);
        feed.close();
        assert!(follows_a.next().await.is_none());
        assert_eq!(feed.followed_orders(), 0);
    }
}
