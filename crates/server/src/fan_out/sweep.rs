//! The sweep: one thread's parked sockets, visited round and round.

use super::parking::{Arrival, Command, HeldSocket};
use super::recent::Recent;
use super::socket::{offer, Took, FRAMES_PER_WRITE};
use crate::feed::{Delivery, Subscription};
use crate::store::OrderStore;
use crate::wire;
use futures_util::{FutureExt, StreamExt};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};

/// While sweeping, the feed and the inbox are looked at again after this
/// many sockets.
const LOOK_EVERY: usize = 64;

/// A parked stream.
struct Entry {
    id: u64,
    socket: HeldSocket,
    /// The sequence number its socket has been sent up to.
    sent: u64,
}

/// One thread's fan-out: its parked streams, its recent frames, and where
/// it stands in the feed.
pub(super) struct FanOutTask {
    pub(super) store: OrderStore,
    /// The newest board frame's sequence number; `None` until known, and
    /// after the task itself fell behind the feed.
    pub(super) head: Option<u64>,
    pub(super) recent: Recent,
    entries: Vec<Entry>,
    /// Where each parked stream is in `entries`, by id.
    index: HashMap<u64, usize>,
    /// How many entries have not been sent up to `head`.
    behind: usize,
    /// The next entry the sweep visits.
    cursor: usize,
    /// Streams that parked ahead of the task: they wait for it to catch up.
    waiting: Vec<Arrival>,
    parked: Arc<AtomicUsize>,
    /// The task fell behind the feed: what it missed is only in the log.
    pub(super) lagged: bool,
    /// How many times it read what it missed from the log.
    pub(super) recoveries: Arc<AtomicU64>,
}

impl FanOutTask {
    pub(super) fn new(
        store: OrderStore,
        keep: usize,
        parked: Arc<AtomicUsize>,
        recoveries: Arc<AtomicU64>,
    ) -> FanOutTask {
        FanOutTask {
            store,
            head: None,
            recent: Recent::new(keep),
            entries: Vec::new(),
            index: HashMap::new(),
            behind: 0,
            cursor: 0,
            waiting: Vec::new(),
            parked,
            lagged: false,
            recoveries,
        }
    }

    pub(super) async fn run(
        mut self,
        mut feed: Subscription,
        mut inbox: mpsc::UnboundedReceiver<Command>,
        heartbeat: Duration,
    ) {
        let mut next_beat = Instant::now() + heartbeat;
        loop {
            if self.lagged {
                self.recover().await;
                self.count();
            }
            if self.behind > 0 {
                if !self.sweep(&mut feed, &mut inbox) {
                    break;
                }
                // Streams handed back in the sweep's last stretch.
                self.count();
                continue;
            }
            tokio::select! {
                biased;
                command = inbox.recv() => match command {
                    Some(command) => self.obey(command),
                    None => break,
                },
                delivery = feed.next() => match delivery {
                    Some(delivery) => self.take(delivery),
                    None => break,
                },
                _ = sleep_until(next_beat) => {
                    self.heartbeat();
                    next_beat = Instant::now() + heartbeat;
                }
            }
            self.count();
        }
        // Every write half is dropped: its writer hears nothing back, and
        // its stream ends.
        self.entries.clear();
        self.count();
    }

    /// Visits parked sockets in turn, round and round from where it left
    /// off, until every one has been sent up to the head. So a change reaches
    /// every socket within one pass, whenever it arrived; and a socket gets
    /// everything that arrived since its last visit in one write. Returns
    /// false when the feed or the inbox has closed.
    fn sweep(
        &mut self,
        feed: &mut Subscription,
        inbox: &mut mpsc::UnboundedReceiver<Command>,
    ) -> bool {
        let mut visits = 0usize;
        while self.behind > 0 {
            if visits.is_multiple_of(LOOK_EVERY) {
                if !self.look(feed, inbox) {
                    return false;
                }
                self.count();
                if self.behind == 0 || self.lagged {
                    break;
                }
            }
            if self.cursor >= self.entries.len() {
                self.cursor = 0;
            }
            visits += 1;
            self.visit(self.cursor);
        }
        debug_assert_eq!(
            self.entries
                .iter()
                .filter(|e| Some(e.sent) < self.head)
                .count(),
            self.behind
        );
        true
    }

    /// Takes whatever the inbox and the feed have ready, without waiting.
    fn look(
        &mut self,
        feed: &mut Subscription,
        inbox: &mut mpsc::UnboundedReceiver<Command>,
    ) -> bool {
        loop {
            match inbox.try_recv() {
                Ok(command) => self.obey(command),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => return false,
            }
        }
        // After a gap, nothing more is taken until the log has filled it.
        while !self.lagged {
            match feed.next().now_or_never() {
                Some(Some(delivery)) => self.take(delivery),
                Some(None) => return false,
                None => return true,
            }
        }
        true
    }

    fn obey(&mut self, command: Command) {
        match command {
            Command::Park(arrival) => self.park(arrival),
            Command::Gone(id) => {
                // Dropping the entry drops the write half.
                if let Some(&i) = self.index.get(&id) {
                    self.remove(i);
                }
                self.waiting.retain(|w| w.id != id);
            }
        }
    }

    fn count(&self) {
        self.parked.store(self.entries.len(), Ordering::Relaxed);
    }

    fn known_head(&mut self) -> Option<u64> {
        if self.head.is_none() {
            self.head = self.store.last_published();
        }
        self.head
    }

    /// A stream asks to park, having been sent everything up to `last`.
    fn park(&mut self, arrival: Arrival) {
        let Some(head) = self.known_head() else {
            return arrival.socket.give_back(arrival.last);
        };
        if arrival.last > head {
            self.waiting.push(arrival);
            return;
        }
        self.settle(arrival, head);
    }

    /// Parks a stream at or behind `head`; the sweep sends it what it lacks.
    /// It goes back at once if the recent frames do not reach back that far.
    fn settle(&mut self, arrival: Arrival, head: u64) {
        let Arrival { id, last, socket } = arrival;
        if last < head && !self.recent.reaches(last) {
            return socket.give_back(last);
        }
        if last < head {
            self.behind += 1;
        }
        self.index.insert(id, self.entries.len());
        self.entries.push(Entry {
            id,
            socket,
            sent: last,
        });
    }

    /// One delivery from the feed.
    fn take(&mut self, delivery: Delivery) {
        match delivery {
            Delivery::Change(change) => {
                let Some(head) = self.known_head() else {
                    return;
                };
                if change.seq() <= head {
                    return;
                }
                self.recent.remember_change(&change);
                self.advance(change.seq());
            }
            // Read from the log before the next sweep ([`Self::recover`]).
            Delivery::Missed => self.lagged = true,
        }
    }

    /// Every parked stream goes back, to catch up from the log itself.
    pub(super) fn let_go_of_all(&mut self) {
        for entry in self.entries.drain(..) {
            entry.socket.give_back(entry.sent);
        }
        for arrival in self.waiting.drain(..) {
            arrival.socket.give_back(arrival.last);
        }
        self.index.clear();
        self.recent.clear();
        self.head = None;
        self.behind = 0;
        self.cursor = 0;
    }

    /// The newest frame is now `head`'s: every entry is behind it, and
    /// streams that parked ahead of the task may settle.
    pub(super) fn advance(&mut self, head: u64) {
        if Some(head) <= self.head {
            return;
        }
        self.head = Some(head);
        self.behind = self.entries.len();
        let (ready, later): (Vec<_>, Vec<_>) = self.waiting.drain(..).partition(|w| w.last <= head);
        self.waiting = later;
        for arrival in ready {
            self.settle(arrival, head);
        }
    }

    /// Drops entry `i`; the last entry takes its place.
    fn remove(&mut self, i: usize) -> Entry {
        let entry = self.entries.swap_remove(i);
        self.index.remove(&entry.id);
        if let Some(moved) = self.entries.get(i) {
            self.index.insert(moved.id, i);
        }
        if Some(entry.sent) < self.head {
            self.behind -= 1;
        }
        entry
    }

    /// Sends entry `i` the frames it lacks, up to [`FRAMES_PER_WRITE`] of
    /// them, in one write. A socket that cannot take them all goes back to
    /// its writer with the bytes it did not take.
    fn visit(&mut self, i: usize) {
        let Some(head) = self.head else { return };
        let entry = &self.entries[i];
        if entry.sent >= head {
            self.cursor += 1;
            return;
        }
        if !self.recent.reaches(entry.sent) {
            // Fell further behind than the recent frames reach.
            let entry = self.remove(i);
            return entry.socket.give_back(entry.sent);
        }
        let (frames, up_to) = self.recent.after(entry.sent, FRAMES_PER_WRITE);
        match offer(&entry.socket.write, frames) {
            Took::All => {
                self.entries[i].sent = up_to;
                if up_to == head {
                    self.behind -= 1;
                }
                self.cursor += 1;
            }
            // The socket is full: its writer writes the rest itself.
            Took::Part(unsent) => {
                let entry = self.remove(i);
                entry.socket.give_back_full(up_to, unsent);
            }
            Took::Broken => {
                self.remove(i);
            }
        }
    }

    /// Every parked socket gets a heartbeat, so idle connections stay
    /// open through proxies. Called only when every socket is at the head.
    fn heartbeat(&mut self) {
        let beat = wire::sse::heartbeat_frame();
        let mut i = 0;
        while i < self.entries.len() {
            // A stream that ended lets go with `Gone`; this only tidies up
            // (looked at here, not per visit: one less cache miss a socket).
            if self.entries[i].socket.writer_gone() {
                self.remove(i);
                continue;
            }
            match offer(&self.entries[i].socket.write, std::iter::once(&beat)) {
                Took::All => i += 1,
                Took::Part(unsent) => {
                    let entry = self.remove(i);
                    entry.socket.give_back_full(entry.sent, unsent);
                }
                Took::Broken => {
                    self.remove(i);
                }
            }
        }
    }
}
