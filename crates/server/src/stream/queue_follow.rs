//! A tracking stream's side of the queue ([`crate::queue`]): it listens to
//! its orders' channels, and when places there may have moved, asks the
//! queue for its own and sends a `queue` event only for numbers that
//! changed.
//!
//! - A fresh stream's snapshot carries its orders' places
//!   ([`QueueFollow::fill`]); a resumed one is sent them once it has caught
//!   up, as `queue` events.
//! - `queue` events have no sequence number: they are not in the event log
//!   and never move the client's `Last-Event-ID`.
//! - An order that stops waiting (ready, cancelled) gets no `queue` event:
//!   its own `order` event says so, and the client drops its place then.
//!   Recalled, it waits again and is sent its place.

use crate::queue::lines::CHANNELS;
use crate::queue::{Following, QueueView};
use crate::store::snapshots::Snapshot;
use crate::wire::Encoding;
use bytes::{Bytes, BytesMut};
use orderboard_model::{Channel, QueuePlace, Stage};
use std::sync::Arc;
use tokio::sync::watch;
use uuid::Uuid;

pub struct QueueFollow {
    view: Arc<QueueView>,
    /// Tells the queue these orders are followed (so their moves wake).
    _following: Following,
    /// The followed orders, and the place each was last sent (or filled in).
    orders: Vec<(Uuid, Option<QueuePlace>)>,
    /// The counters of the followed orders' channels, by channel slot.
    channels: [Option<watch::Receiver<u64>>; CHANNELS.len()],
    /// Places may have moved without a counter saying so (an order's own
    /// change, or a stream that just caught up).
    due: bool,
}

impl QueueFollow {
    /// Follows the places of `orders`, listening to the channels of those
    /// that wait now; the others' channels are learnt from their changes.
    pub fn new(view: Arc<QueueView>, orders: &[Uuid]) -> Self {
        // Noted as followed before anything is read, so a move from now on
        // wakes this stream or is in what it reads.
        let mut follow = QueueFollow {
            _following: view.following(orders),
            view,
            orders: orders.iter().map(|id| (*id, None)).collect(),
            channels: [None, None, None],
            due: true,
        };
        for id in orders {
            if let Some(channel) = follow.view.channel_of(*id) {
                follow.listen(channel);
            }
        }
        follow
    }

    fn listen(&mut self, channel: Channel) {
        let slot = crate::queue::lines::slot(channel);
        if self.channels[slot].is_none() {
            self.channels[slot] = Some(self.view.watch(channel));
        }
    }

    /// One of the followed orders changed (sent or replayed): its channel is
    /// listened to, and places are looked at again.
    pub fn changed(&mut self, channel: Channel) {
        self.listen(channel);
        self.due = true;
    }

    /// Puts each waiting order's place into the snapshot about to be sent.
    pub fn fill(&mut self, snapshot: &mut Snapshot) {
        // Taking the counters' news first, so a move while the places are
        // read is not missed.
        for rx in self.channels.iter_mut().flatten() {
            rx.mark_unchanged();
        }
        self.due = false;
        let mut places = Vec::new();
        match snapshot {
            Snapshot::Track(s) => {
                self.listen(s.order.channel);
                let id = self.orders.first().map(|(id, _)| *id);
                s.queue = id.and_then(|id| self.place_if(id, s.order.stage));
                places.extend(id.map(|id| (id, s.queue)));
            }
            Snapshot::Tracks { snapshot, ids, .. } => {
                for (entry, id) in snapshot.orders.iter_mut().zip(ids.iter()) {
                    self.listen(entry.order.channel);
                    entry.queue = self.place_if(*id, entry.order.stage);
                    places.push((*id, entry.queue));
                }
            }
            Snapshot::Staff(_) | Snapshot::Board(_) => {}
        }
        for (id, place) in places {
            if let Some(sent) = self.orders.iter_mut().find(|(o, _)| *o == id) {
                sent.1 = place;
            }
        }
    }

    /// The order's place, if the snapshot says it waits.
    fn place_if(&self, id: Uuid, stage: Stage) -> Option<QueuePlace> {
        crate::queue::lines::waits(stage)
            .then(|| self.view.place(id).map(|p| p.place))
            .flatten()
    }

    /// The `queue` events due now, in `encoding`, as one chunk: for each
    /// waiting order whose place differs from the one it was last sent.
    /// `None` when nothing moved.
    pub fn due_now(&mut self, encoding: Encoding, last: u64) -> Option<Bytes> {
        let mut moved = std::mem::take(&mut self.due);
        for slot in &mut self.channels {
            let Some(rx) = slot else { continue };
            match rx.has_changed() {
                Ok(true) => {
                    moved = true;
                    rx.mark_unchanged();
                }
                Ok(false) => {}
                // The queue's keeper is gone (shutdown): nothing more comes.
                Err(_) => *slot = None,
            }
        }
        if !moved {
            return None;
        }
        let mut frames = BytesMut::new();
        for (id, sent) in &mut self.orders {
            let placed = self.view.place(*id);
            let now = placed.as_ref().map(|p| p.place);
            if now == *sent {
                continue;
            }
            *sent = now;
            if let Some(placed) = placed {
                frames.extend_from_slice(&encoding.queue(&placed.token, &placed.place, last));
            }
        }
        (!frames.is_empty()).then(|| frames.freeze())
    }

    /// Waits until a followed channel's places may have moved. Cancel-safe;
    /// pends forever when no channel is followed.
    pub async fn moved(&mut self) {
        let [a, b, c] = &mut self.channels;
        tokio::select! {
            _ = counter_moved(a) => {}
            _ = counter_moved(b) => {}
            _ = counter_moved(c) => {}
        }
        // `changed` took the counter's news: look at the places.
        self.due = true;
    }
}

/// Waits for a counter to move (or its keeper to go; `due_now` then drops
/// it); pends forever without one.
async fn counter_moved(rx: &mut Option<watch::Receiver<u64>>) {
    match rx {
        Some(rx) => {
            let _ = rx.changed().await;
        }
        None => std::future::pending::<()>().await,
    }
}
