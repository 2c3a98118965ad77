//! The in-process change feed, on a tokio broadcast channel.
//!
//! A broadcast channel keeps one ring of recent changes shared by all
//! subscribers: publishing costs the same for one subscriber as for ten
//! thousand, and each change's encoded bytes are shared, not copied.

use super::{ChangeFeed, Delivery, PublishedChange, Subscription};
use futures_util::future::ready;
use futures_util::StreamExt;
use std::sync::Arc;
use tokio::sync::broadcast;
use tokio_stream::wrappers::{errors::BroadcastStreamRecvError, BroadcastStream};

/// How many changes a subscriber may fall behind before it must catch up from the log.
pub const DEFAULT_CAPACITY: usize = 1024;

pub struct InProcessFeed {
    /// `None` is the last item: the feed is closing.
    sender: broadcast::Sender<Option<Arc<PublishedChange>>>,
}

impl InProcessFeed {
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        InProcessFeed { sender }
    }
}

impl Default for InProcessFeed {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

impl ChangeFeed for InProcessFeed {
    fn publish(&self, change: Arc<PublishedChange>) {
        // An error only means nobody is listening right now.
        let _ = self.sender.send(Some(change));
    }

    fn subscribe(&self) -> Subscription {
        BroadcastStream::new(self.sender.subscribe())
            .map(|r| match r {
                Ok(Some(change)) => Some(Delivery::Change(change)),
                Ok(None) => None,
                Err(BroadcastStreamRecvError::Lagged(_)) => Some(Delivery::Missed),
            })
            .take_while(|d| ready(d.is_some()))
            .filter_map(ready)
            .boxed()
    }

    fn close(&self) {
        let _ = self.sender.send(None);
    }

    fn subscriber_count(&self) -> usize {
        self.sender.receiver_count()
    }
}
