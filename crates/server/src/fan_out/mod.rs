//! Board streams at rest are written to from one loop, not woken one by one.
//!
//! A customer board's stream has nothing to decide per event: every board
//! gets the same frame. Waking ten thousand tasks for each change, each to
//! receive from the broadcast channel and write one frame, was about a third
//! of the server's time on top of the writes. So a board stream that has
//! caught up *parks*: its loop ([`crate::sse::live_stream`]) stops listening
//! to the feed, and its connection's writer
//! ([`crate::serving::stream_handoff`]) moves the socket's write half to this
//! one task, which keeps the latest frames once (`parking.rs`).
//!
//! The task *sweeps* (`sweep.rs`): it visits the parked sockets in turn, round
//! and round, and sends each whatever it lacks in one write (`socket.rs`),
//! until every one is up to date. Changes that arrive mid-sweep join it at
//! once, so a change reaches every socket within one pass of the sweep,
//! however busy it was when the change came. (Writing each batch of changes
//! to every socket in a round of its own made a change first wait for the
//! round before it: up to two passes.) The task runs on threads of its own
//! (`threads.rs`), one per core (up to eight) unless `--fan-out-threads` says
//! otherwise, each with its share of the sockets. They run at a lower
//! priority than the rest of the process: a pass over thousands of sockets is
//! bulk work, and it must not keep the next change's commit, or a member of
//! staff's request, waiting for a core. Sweeping at the same priority, two
//! threads starved the writer at 10,000 boards (the first screen's median
//! went from 2 to 13-20 ms); a little lower, two were faster than one at
//! 1,000, 5,000 and 10,000 (docs/benchmarks.md).
//!
//! A socket has one writer at a time, and the types say which: the write
//! half is *moved* here when a stream parks, and moved back in a
//! [`Handback`]. A socket that cannot take a whole write (its client reads
//! slowly) is handed back at once, with the bytes that did not fit and the
//! sequence number they reach: its writer writes them itself, waiting for
//! the client as long as the stall timeout allows, then the stream parks
//! again, and the sweep goes on from the recent frames (`recent.rs`). Only a
//! stream further behind than those goes to the event log, like any stream
//! that fell behind. So nothing waits here for a slow client, a burst that
//! fills many sockets does not send them all to the database at once, and
//! every board still gets every event once, in order.
//!
//! The task follows the feed with a subscription of its own. If it falls
//! behind the feed (the server was starved of CPU during a burst), it reads
//! what it missed from the event log itself, once (`catch_up.rs`), and the
//! parked streams stay parked: a thousand streams reading the same pages at
//! once, each encoding them again, was what kept a starved server starved.
//! It also sends the heartbeat to parked sockets when it is idle. It ends
//! when the feed closes (shutdown), and with it every parked stream.
//!
//! The fan-out imports neither [`crate::sse`] nor [`crate::serving`]: the
//! sockets come to it through [`Parking`], and the frames it writes are
//! encoded by [`crate::wire`], in the one encoding `recent.rs` names.

mod catch_up;
mod parking;
mod recent;
mod socket;
mod sweep;
mod threads;

#[cfg(test)]
mod tests;

pub use parking::{Away, Handback, ParkRequest, Parking, Resume};
pub use threads::default_threads;

use crate::store::OrderStore;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use sweep::FanOutTask;
use tokio::sync::mpsc;

/// How many recent board frames are kept, for streams that park behind the
/// task, and for full sockets that park again once their client has read:
/// about 3 MB at most, shared by every board. Under a burst of writes (the
/// write benchmark: 4,000 changes a second, a thousand boards) 512 were
/// about a tenth of a second, and every socket that filled went to the event
/// log at once; these are about two seconds of such a burst.
const RECENT: usize = 8192;

/// The fan-out's handle.
pub struct BoardFanOut {
    commands: Vec<mpsc::UnboundedSender<parking::Command>>,
    next_id: AtomicU64,
    parked: Vec<Arc<AtomicUsize>>,
    recoveries: Arc<AtomicU64>,
}

impl BoardFanOut {
    /// Starts the fan-out on `threads` threads of its own: while one sweeps
    /// it does not stop, and no tokio worker should be held up by that. Each
    /// thread has its share of the parked streams, its own subscription to
    /// the feed and its own recent frames.
    pub fn start(store: OrderStore, heartbeat: Duration, threads: usize) -> Arc<Self> {
        Self::start_keeping(store, heartbeat, threads, RECENT)
    }

    /// [`Self::start`], keeping `recent` frames.
    fn start_keeping(
        store: OrderStore,
        heartbeat: Duration,
        threads: usize,
        recent: usize,
    ) -> Arc<Self> {
        let recoveries = Arc::new(AtomicU64::new(0));
        let mut commands = Vec::new();
        let mut parked = Vec::new();
        for _ in 0..threads.max(1) {
            let (sender, inbox) = mpsc::unbounded_channel();
            let count = Arc::new(AtomicUsize::new(0));
            // Subscribed before the head is read: every change after it arrives.
            let feed = store.feed().subscribe();
            let task = FanOutTask::new(store.clone(), recent, count.clone(), recoveries.clone());
            threads::spawn(move || task.run(feed, inbox, heartbeat));
            commands.push(sender);
            parked.push(count);
        }
        Arc::new(BoardFanOut {
            commands,
            next_id: AtomicU64::new(1),
            parked,
            recoveries,
        })
    }

    /// How many streams are parked now.
    pub fn parked(&self) -> usize {
        self.parked.iter().map(|p| p.load(Ordering::Relaxed)).sum()
    }

    /// How many times the task fell behind the feed and read what it
    /// missed from the log.
    pub fn recoveries(&self) -> u64 {
        self.recoveries.load(Ordering::Relaxed)
    }
}
