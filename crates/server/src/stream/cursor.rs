//! The one resume path, for every transport.
//!
//! A [`Cursor`] decides, for the last id a client saw, where its stream
//! starts, and yields what follows in order, already encoded for its wire
//! format. SSE streams, tracking WebSockets and board streams all read
//! through it; they differ only in their [`Encoding`] and in how they write.
//!
//! The rules, written here once:
//! - the cursor subscribes to the feed before it reads anything, so nothing
//!   published from then on can slip past it;
//! - a first connection starts with a `snapshot`; an id that is malformed,
//!   ahead of the log, or pruned from it gets a `reset` (a fresh snapshot);
//!   any other id is replayed from the event log, exactly the changes after it;
//! - then it follows the feed, skipping what it already sent (so replay and
//!   live never overlap), and catches up from the log when it fell behind;
//! - a tracking stream ends after its orders' final stages (a stream of
//!   several orders once every one of them is final), and a client that
//!   already saw those stages is told so at once ([`Opened::Finished`],
//!   which the transports answer with `204`).
//! - a tracking stream also sends its orders' places in the queue
//!   ([`super::queue_follow`]): in its snapshot, and as `queue` steps when
//!   they move (and once after a replay), never numbered.

use super::audience::Audience;
use super::open_streams::OpenStreamCounts;
use super::queue_follow::QueueFollow;
use super::resume::ResumeFrom;
use super::snapshot_cache::SnapshotCache;
use crate::feed::LogEvent;
use crate::feed::{Delivery, Subscription};
use crate::queue::QueueView;
use crate::store::{event_log, OrderStore, StoreError};
use crate::wire::Encoding;
use bytes::Bytes;
use futures_util::{FutureExt, StreamExt};
use orderboard_model::StreamEventName;
use std::collections::VecDeque;
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

/// What a cursor reads from: the store, and what streams share.
#[derive(Clone)]
pub struct Source {
    pub store: OrderStore,
    pub snapshots: Arc<SnapshotCache>,
    pub open_streams: Arc<OpenStreamCounts>,
    /// The kitchen's queue, for tracking streams.
    pub queue: Arc<QueueView>,
}

/// What opening a cursor came to.
pub enum Opened {
    Cursor(Cursor),
    /// The client already saw its tracked order's final stage: stop.
    Finished,
}

/// The next thing a stream sends.
#[derive(Debug)]
pub enum Step {
    /// A `snapshot` or `reset`: the whole state, encoded.
    State(Bytes),
    /// A change, encoded, and when it was committed.
    Change { frame: Bytes, at: OffsetDateTime },
    /// Tracked orders' new places in the queue, encoded (no sequence number).
    Queue(Bytes),
    /// Nothing more will come: a tracked order finished (or is gone).
    End,
    /// The feed closed: the server is shutting down.
    Closed,
}

/// What a live cursor has without waiting ([`Cursor::ready_now`]).
#[derive(Debug)]
pub enum Ready {
    Step(Step),
    /// Nothing yet.
    Wait,
    /// It fell behind the feed: what it missed is in the log.
    Behind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    State(StreamEventName),
    /// Replay from the log after `last`; `more` while the last page was full.
    CatchUp {
        more: bool,
    },
    Live,
    Ended,
}

pub struct Cursor {
    source: Source,
    audience: Audience,
    encoding: Encoding,
    subscription: Option<Subscription>,
    /// The sequence number of the last change sent (or the state's).
    last: u64,
    next: Next,
    /// Replayed events not yet yielded.
    page: VecDeque<LogEvent>,
    /// For a tracking stream, its orders not yet final (as far as it has
    /// been sent): it ends when none is left.
    unfinished: Option<Vec<Uuid>>,
    /// For a tracking stream, its orders' places in the queue.
    queue: Option<Box<QueueFollow>>,
}

impl Cursor {
    /// Subscribes for `audience`, then decides where to start from what the
    /// client sent.
    pub async fn open(
        source: &Source,
        audience: Audience,
        encoding: Encoding,
        from: ResumeFrom,
    ) -> Result<Opened, StoreError> {
        let subscription = audience.subscribe(source.store.feed());
        // Listening to the queue before reading anything, as to the feed.
        let queue = audience
            .orders()
            .map(|orders| Box::new(QueueFollow::new(source.queue.clone(), orders)));
        let mut unfinished = audience.orders().map(<[Uuid]>::to_vec);
        let next = match from {
            ResumeFrom::Start => Next::State(StreamEventName::Snapshot),
            ResumeFrom::Malformed => Next::State(StreamEventName::Reset),
            ResumeFrom::After(seen) => {
                let mut conn = source.store.database().acquire().await?;
                if !event_log::can_resume_after(conn.conn(), seen).await? {
                    Next::State(StreamEventName::Reset)
                } else {
                    if let Some(orders) = &mut unfinished {
                        let mut left = Vec::with_capacity(orders.len());
                        for &order in orders.iter() {
                            let last = event_log::last_change_of_order(conn.conn(), order).await?;
                            if !last.is_some_and(|(seq, to)| to.is_final() && seen >= seq) {
                                left.push(order);
                            }
                        }
                        if left.is_empty() {
                            return Ok(Opened::Finished);
                        }
                        *orders = left;
                    }
                    Next::CatchUp { more: true }
                }
            }
        };
        let last = match from {
            ResumeFrom::After(seen) => seen,
            _ => 0,
        };
        Ok(Opened::Cursor(Cursor {
            source: source.clone(),
            audience,
            encoding,
            subscription: Some(subscription),
            last,
            next,
            page: VecDeque::new(),
            unfinished,
            queue,
        }))
    }

    pub fn audience(&self) -> &Audience {
        &self.audience
    }

    /// Whether the stream is over once it has sent this change: the last
    /// of its tracked orders still to finish reached a final stage.
    fn ends_with(&mut self, event: &LogEvent) -> bool {
        if let (Some(queue), LogEvent::Order { event, .. }) = (&mut self.queue, event) {
            queue.changed(event.order.channel);
        }
        let Some(unfinished) = &mut self.unfinished else {
            return false;
        };
        if let (true, Some(id)) = (event.is_final(), event.order_id()) {
            unfinished.retain(|u| *u != id);
        }
        unfinished.is_empty()
    }

    /// The next step, waiting for the feed when there is nothing else.
    /// Cancel-safe: a step that was not returned is not lost.
    pub async fn next(&mut self) -> Result<Step, StoreError> {
        loop {
            match self.next {
                Next::Ended => return Ok(Step::End),
                Next::State(name) => return self.state(name).await,
                Next::CatchUp { more } => {
                    if let Some(event) = self.page.pop_front() {
                        if let Some(step) = self.replayed(event) {
                            return Ok(step);
                        }
                        continue;
                    }
                    if !more {
                        self.next = Next::Live;
                        continue;
                    }
                    // Boxed: a stream's own state stays small for its whole life.
                    Box::pin(self.read_page()).await?;
                }
                Next::Live => {
                    if let Some(frames) = self.queue_due() {
                        return Ok(Step::Queue(frames));
                    }
                    let Some(subscription) = self.subscription.as_mut() else {
                        return Ok(self.closed());
                    };
                    let delivery = match self.queue.as_mut() {
                        // The order's own change first, then its new place.
                        Some(queue) => tokio::select! {
                            biased;
                            delivery = subscription.next() => delivery,
                            _ = queue.moved() => continue,
                        },
                        None => subscription.next().await,
                    };
                    if let Some(step) = self.delivered(delivery) {
                        return Ok(step);
                    }
                }
            }
        }
    }

    /// The `queue` events a live tracking stream owes now, if any.
    fn queue_due(&mut self) -> Option<Bytes> {
        let encoding = self.encoding;
        let last = self.last;
        self.queue.as_mut()?.due_now(encoding, last)
    }

    /// Whether it has caught up and follows the feed.
    pub fn is_live(&self) -> bool {
        self.next == Next::Live && self.subscription.is_some()
    }

    /// For a live cursor: the next step if the feed has it now.
    pub fn ready_now(&mut self) -> Ready {
        loop {
            let Some(subscription) = self.subscription.as_mut() else {
                return Ready::Wait;
            };
            match subscription.next().now_or_never() {
                None => return Ready::Wait,
                Some(Some(Delivery::Missed)) => return Ready::Behind,
                Some(delivery) => {
                    if let Some(step) = self.delivered(delivery) {
                        return Ready::Step(step);
                    }
                }
            }
        }
    }

    /// Stops listening while someone else (the board fan-out) sends the
    /// stream its changes; returns how far it has been sent.
    pub fn park(&mut self) -> u64 {
        self.subscription = None;
        self.last
    }

    /// Listens again after being parked, the stream having been sent up to
    /// `sent`: what came after that is read from the log first.
    pub fn unpark(&mut self, sent: u64) {
        self.subscription = Some(self.audience.subscribe(self.source.store.feed()));
        self.last = self.last.max(sent);
        self.page.clear();
        self.next = Next::CatchUp { more: true };
    }

    fn end(&mut self) -> Step {
        self.next = Next::Ended;
        self.subscription = None;
        Step::End
    }

    fn closed(&mut self) -> Step {
        self.end();
        Step::Closed
    }

    /// A delivery from the feed: a step, or `None` for one to skip.
    fn delivered(&mut self, delivery: Option<Delivery>) -> Option<Step> {
        match delivery {
            None => Some(self.closed()),
            Some(Delivery::Missed) => {
                self.next = Next::CatchUp { more: true };
                None
            }
            Some(Delivery::Change(change)) => {
                if change.seq() <= self.last {
                    return None;
                }
                self.last = change.seq();
                if self.ends_with(change.event()) {
                    self.next = Next::Ended;
                    self.subscription = None;
                }
                let frame = self.encoding.change(&change);
                // An event this audience is not sent (see `Encoding::event`).
                if frame.is_empty() && self.next != Next::Ended {
                    return None;
                }
                Some(Step::Change {
                    frame,
                    at: change.at(),
                })
            }
        }
    }

    /// A replayed event's step; `None` for one this audience is not sent.
    fn replayed(&mut self, event: LogEvent) -> Option<Step> {
        self.last = event.seq();
        if self.ends_with(&event) {
            self.next = Next::Ended;
            self.subscription = None;
            self.page.clear();
        }
        let frame = self.encoding.event(&event);
        if frame.is_empty() && self.next != Next::Ended {
            return None;
        }
        Some(Step::Change {
            frame,
            at: event.at(),
        })
    }

    /// Reads the next page of the log; a log that no longer reaches back
    /// far enough turns the catch-up into a `reset`.
    async fn read_page(&mut self) -> Result<(), StoreError> {
        self.source.open_streams.caught_up_from_log();
        let mut conn = self.source.store.database().acquire().await?;
        let orders = self.audience.orders();
        let page = event_log::page_after(conn.conn(), self.last, orders).await?;
        match page {
            None => self.next = Next::State(StreamEventName::Reset),
            Some(events) => {
                let more = events.len() as i64 == crate::store::rows::PAGE;
                self.page = events.into();
                self.next = Next::CatchUp { more };
            }
        }
        Ok(())
    }

    /// The state as of now, as a `snapshot` or `reset`. Boards and
    /// dispatchers that start together share one encoded snapshot.
    async fn state(&mut self, name: StreamEventName) -> Result<Step, StoreError> {
        let shared = self.audience.shares_snapshots();
        let snapshots = &self.source.snapshots;
        if let (true, Some(head)) = (shared, self.source.store.last_published()) {
            if let Some(frame) = snapshots.get(self.encoding, name, head) {
                self.last = head;
                self.next = Next::Live;
                return Ok(Step::State(frame));
            }
        }
        let snapshot = Box::pin(self.audience.snapshot(self.source.store.database())).await?;
        let Some(mut snapshot) = snapshot else {
            return Ok(self.end());
        };
        if let Some(queue) = &mut self.queue {
            queue.fill(&mut snapshot);
        }
        let frame = self.encoding.state(name, &snapshot);
        if shared {
            snapshots.put(self.encoding, name, snapshot.as_of(), frame.clone());
        }
        self.last = snapshot.as_of();
        self.page.clear();
        if self.audience.orders().is_some() {
            self.unfinished = Some(self.audience.unfinished_in(&snapshot));
        }
        if self.unfinished.as_ref().is_some_and(Vec::is_empty) {
            self.next = Next::Ended;
            self.subscription = None;
        } else {
            self.next = Next::Live;
        }
        Ok(Step::State(frame))
    }
}
