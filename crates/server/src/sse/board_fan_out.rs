//! Board streams at rest are written to from one loop, not woken one by one.
//!
//! A customer board's stream has nothing to decide per event: every board
//! gets the same frame. Waking ten thousand tasks for each change, each to
//! receive from the broadcast channel and write one frame, was about a third
//! of the server's time on top of the writes. So a board stream that has
//! caught up *parks*: its loop ([`super::live_stream`]) stops listening to the
//! feed, and its connection's writer ([`crate::serving::stream_handoff`])
//! hands the socket to this one task, which keeps the latest frames once.
//!
//! The task *sweeps*: it visits the parked sockets in turn, round and round,
//! and sends each whatever it lacks in one write, until every one is up to
//! date. Changes that arrive mid-sweep join it at once, so a change reaches
//! every socket within one pass of the sweep, however busy it was when the
//! change came. (Writing each batch of changes to every socket in a round
//! of its own made a change first wait for the round before it: up to two
//! passes.) The task runs on threads of its own, one per core (up to eight)
//! unless `--fan-out-threads` says otherwise, each with its share of the
//! sockets. They run at a lower priority than the rest of the process: a
//! pass over thousands of sockets is bulk work, and it must not keep the
//! next change's commit, or a member of staff's request, waiting for a
//! core. Sweeping at the same priority, two threads starved the writer at
//! 10,000 boards (the first screen's median went from 2 to 13-20 ms); a
//! little lower, two were faster than one at 1,000, 5,000 and 10,000
//! (docs/benchmarks.md).
//!
//! A socket that cannot take a whole write (its client reads slowly) is
//! handed back at once: its loop gets a [`Resume`] with the bytes that did not
//! fit and the sequence number they reach, and writes them itself, waiting
//! for the client as long as the stall timeout allows. Then it parks again,
//! and the sweep goes on from the recent frames. Only a stream further behind
//! than those goes to the event log, like any stream that fell behind. So
//! nothing waits here for a slow client, a burst that fills many sockets does
//! not send them all to the database at once, and every board still gets
//! every event once, in order.
//!
//! The task follows the feed with a subscription of its own. If it falls
//! behind the feed (the server was starved of CPU during a burst), it reads
//! what it missed from the event log itself, once, and the parked streams
//! stay parked: a thousand streams reading the same pages at once, each
//! encoding them again, was what kept a starved server starved. It also
//! sends the heartbeat to parked sockets when it is idle. It ends when the
//! feed closes (shutdown), and with it every parked stream.

use crate::feed::{Delivery, Subscription};
use crate::store::{event_log, OrderStore};
use crate::wire::sse as encoder;
use crate::wire::Encoding;
use bytes::{Bytes, BytesMut};
use futures_util::{FutureExt, StreamExt};
use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{sleep_until, Instant};

/// How many recent board frames are kept, for streams that park behind the
/// task, and for full sockets that park again once their client has read:
/// about 3 MB at most, shared by every board. Under a burst of writes (the
/// write benchmark: 4,000 changes a second, a thousand boards) 512 were
/// about a tenth of a second, and every socket that filled went to the event
/// log at once; these are about two seconds of such a burst.
const RECENT: usize = 8192;

/// How much lower than the rest of the server a sweeping thread runs: this
/// is added to its nice value. Three lets the writer and the request
/// handlers go first when they want a core; with ten, passes over 5,000 and
/// 10,000 boards were slower than one thread's at normal priority
/// (docs/benchmarks.md).
const SWEEP_NICENESS: i32 = 3;

/// The most sweeping threads the server starts unless told otherwise: each
/// one is woken by every change, whether or not it has boards to write to.
const MAX_DEFAULT_THREADS: usize = 8;

/// The number of sweeping threads unless told otherwise: one per core, up
/// to [`MAX_DEFAULT_THREADS`].
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_DEFAULT_THREADS)
}

/// Lowers the calling thread's priority by [`SWEEP_NICENESS`]. On Linux
/// the nice value belongs to each thread, and raising one's own needs no
/// privilege. Elsewhere, and if it fails, the thread keeps its priority.
fn sweep_at_lower_priority() {
    #[cfg(target_os = "linux")]
    {
        use rustix::{process, thread};
        let me = Some(thread::gettid());
        let lowered = process::getpriority_process(me)
            .and_then(|nice| process::setpriority_process(me, (nice + SWEEP_NICENESS).min(19)));
        if let Err(e) = lowered {
            tracing::warn!(error = %e, "the board fan-out could not lower its thread's priority");
        }
    }
}

/// What a parked stream's loop gets back when its socket is handed back.
#[derive(Debug)]
pub struct Resume {
    /// The sequence number the stream has now been sent up to, counting
    /// `unsent`.
    pub from: u64,
    /// Bytes of frames the socket did not take: written first, by the loop.
    pub unsent: Bytes,
    /// The socket was only full. Once the loop has written `unsent` it parks
    /// again, and the sweep sends the rest from the recent frames: a burst
    /// that fills many sockets at once must not send them all to the event
    /// log together. False when the stream must catch up from the log.
    pub park_again: bool,
}

/// The fan-out's handle.
pub struct BoardFanOut {
    commands: Vec<mpsc::UnboundedSender<Command>>,
    next_id: AtomicU64,
    parked: Vec<Arc<AtomicUsize>>,
    recoveries: Arc<AtomicU64>,
}

enum Command {
    Park(Parked),
    Gone(u64),
}

struct Parked {
    id: u64,
    tcp: Arc<TcpStream>,
    last: u64,
    resume: oneshot::Sender<Resume>,
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
            let task = FanOutTask {
                store: store.clone(),
                head: None,
                recent: VecDeque::with_capacity(recent),
                keep: recent,
                entries: Vec::new(),
                index: HashMap::new(),
                behind: 0,
                cursor: 0,
                waiting: Vec::new(),
                parked: count.clone(),
                lagged: false,
                recoveries: recoveries.clone(),
            };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .expect("fan-out runtime");
            std::thread::Builder::new()
                .name("board-fan-out".into())
                .spawn(move || {
                    sweep_at_lower_priority();
                    runtime.block_on(task.run(feed, inbox, heartbeat))
                })
                .expect("fan-out thread");
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

/// Links one board stream's loop with its connection's writer.
#[derive(Clone)]
pub struct Parking(Arc<ParkingState>);

struct ParkingState {
    id: u64,
    commands: mpsc::UnboundedSender<Command>,
    /// Set by the writer: without one (a router served some other way),
    /// the loop never parks.
    attached: AtomicBool,
    request: Mutex<Option<(u64, oneshot::Sender<Resume>)>>,
}

impl Parking {
    pub fn new(fan_out: &BoardFanOut) -> Parking {
        let id = fan_out.next_id.fetch_add(1, Ordering::Relaxed);
        Parking(Arc::new(ParkingState {
            id,
            commands: fan_out.commands[id as usize % fan_out.commands.len()].clone(),
            attached: AtomicBool::new(false),
            request: Mutex::new(None),
        }))
    }

    /// The writer: it will hand the socket over when asked.
    pub fn attach(&self) {
        self.0.attached.store(true, Ordering::Release);
    }

    pub fn is_attached(&self) -> bool {
        self.0.attached.load(Ordering::Acquire)
    }

    /// The loop, caught up at `last` with nothing left to yield: asks to
    /// park. The answer comes when the socket is handed back; an error means
    /// the stream is over.
    pub fn request(&self, last: u64) -> oneshot::Receiver<Resume> {
        let (resume, resumed) = oneshot::channel();
        *self.0.request.lock().expect("parking lock") = Some((last, resume));
        resumed
    }

    /// The writer, with every frame written: hands the socket over if the
    /// loop asked to park.
    pub fn hand_over(&self, tcp: &Arc<TcpStream>) {
        let Some((last, resume)) = self.0.request.lock().expect("parking lock").take() else {
            return;
        };
        let parked = Parked {
            id: self.0.id,
            tcp: tcp.clone(),
            last,
            resume,
        };
        // If the task is gone (shutdown), dropping `resume` ends the stream.
        let _ = self.0.commands.send(Command::Park(parked));
    }

    /// The writer is done: the task lets go of the socket.
    pub fn gone(&self) {
        let _ = self.0.commands.send(Command::Gone(self.0.id));
    }
}

/// A stream dropped without saying it was gone (its listener stopped, and
/// took its writer and its loop with it): the task lets go of its socket.
impl Drop for ParkingState {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Gone(self.id));
    }
}

/// A parked stream.
struct Entry {
    id: u64,
    tcp: Arc<TcpStream>,
    /// The sequence number its socket has been sent up to.
    sent: u64,
    resume: oneshot::Sender<Resume>,
}

/// At most this many frames go to one socket in one write.
const FRAMES_PER_WRITE: usize = 64;

/// While sweeping, the feed and the inbox are looked at again after this
/// many sockets.
const LOOK_EVERY: usize = 64;

struct FanOutTask {
    store: OrderStore,
    /// The newest board frame's sequence number; `None` until known, and
    /// after the task itself fell behind the feed.
    head: Option<u64>,
    /// The latest board frames, oldest first.
    recent: VecDeque<(u64, Bytes)>,
    /// How many of them are kept.
    keep: usize,
    entries: Vec<Entry>,
    /// Where each parked stream is in `entries`, by id.
    index: HashMap<u64, usize>,
    /// How many entries have not been sent up to `head`.
    behind: usize,
    /// The next entry the sweep visits.
    cursor: usize,
    /// Streams that parked ahead of the task: they wait for it to catch up.
    waiting: Vec<Parked>,
    parked: Arc<AtomicUsize>,
    /// The task fell behind the feed: what it missed is only in the log.
    lagged: bool,
    /// How many times it read what it missed from the log.
    recoveries: Arc<AtomicU64>,
}

impl FanOutTask {
    async fn run(
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
            Command::Park(parked) => self.park(parked),
            Command::Gone(id) => {
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
    fn park(&mut self, parked: Parked) {
        let Some(head) = self.known_head() else {
            return resume(parked.resume, parked.last, Bytes::new());
        };
        if parked.last > head {
            self.waiting.push(parked);
            return;
        }
        self.settle(parked, head);
    }

    /// Parks a stream at or behind `head`; the sweep sends it what it lacks.
    /// It goes back at once if the recent frames do not reach back that far.
    fn settle(&mut self, parked: Parked, head: u64) {
        let Parked {
            id,
            tcp,
            last,
            resume: back,
        } = parked;
        if last < head && !self.reaches(last) {
            return resume(back, last, Bytes::new());
        }
        if last < head {
            self.behind += 1;
        }
        self.index.insert(id, self.entries.len());
        self.entries.push(Entry {
            id,
            tcp,
            sent: last,
            resume: back,
        });
    }

    /// One delivery from the feed.
    fn take(&mut self, delivery: Delivery) {
        match delivery {
            Delivery::Change(change) => {
                let Some(head) = self.known_head() else {
                    return;
                };
                if change.seq <= head {
                    return;
                }
                self.remember(change.seq, Encoding::BoardSse.change(&change));
                self.advance(change.seq);
            }
            // Read from the log before the next sweep ([`Self::recover`]).
            Delivery::Missed => self.lagged = true,
        }
    }

    /// The task fell behind the feed: it reads what it missed from the
    /// event log, up to the newest change published, and encodes each once.
    /// What the feed holds after that it takes as usual (anything it already
    /// has is skipped); falling behind again brings it back here.
    async fn recover(&mut self) {
        self.lagged = false;
        self.recoveries.fetch_add(1, Ordering::Relaxed);
        let Some(head) = self.head else { return };
        let newest = self.store.last_published().unwrap_or(head);
        if head >= newest {
            return;
        }
        match self.read_from_log(head, newest).await {
            Ok(Some(head)) => self.advance(head),
            // The log no longer holds all it missed (pruned): each stream
            // goes back, to resume from the log or start over with a reset.
            Ok(None) => self.let_go_of_all(),
            Err(e) => {
                tracing::warn!(error = %e, "the board fan-out reading what it missed");
                self.let_go_of_all();
            }
        }
    }

    /// Adds the log's board frames after `head`, up to `newest`, to the
    /// recent ones, on one connection. Returns the new head, or `None` if
    /// the log no longer starts right after `head`.
    async fn read_from_log(
        &mut self,
        mut head: u64,
        newest: u64,
    ) -> Result<Option<u64>, sqlx::Error> {
        let mut conn = self.store.pool().acquire().await?;
        while head < newest {
            let events = event_log::read_after(&mut conn, head, None).await?;
            if events.first().is_some_and(|event| event.seq != head + 1) {
                return Ok(None);
            }
            for event in &events {
                self.remember(event.seq, Encoding::BoardSse.event(event));
                head = event.seq;
            }
            if events.len() < event_log::PAGE as usize {
                break;
            }
        }
        Ok(Some(head))
    }

    /// Every parked stream goes back, to catch up from the log itself.
    fn let_go_of_all(&mut self) {
        for entry in self.entries.drain(..) {
            resume(entry.resume, entry.sent, Bytes::new());
        }
        for parked in self.waiting.drain(..) {
            resume(parked.resume, parked.last, Bytes::new());
        }
        self.index.clear();
        self.recent.clear();
        self.head = None;
        self.behind = 0;
        self.cursor = 0;
    }

    /// Whether the recent frames hold everything after `sent`.
    fn reaches(&self, sent: u64) -> bool {
        self.recent.front().is_some_and(|(seq, _)| *seq <= sent + 1)
    }

    fn remember(&mut self, seq: u64, frame: Bytes) {
        if self.recent.len() == self.keep {
            self.recent.pop_front();
        }
        self.recent.push_back((seq, frame));
    }

    /// The newest frame is now `head`'s: every entry is behind it, and
    /// streams that parked ahead of the task may settle.
    fn advance(&mut self, head: u64) {
        if Some(head) <= self.head {
            return;
        }
        self.head = Some(head);
        self.behind = self.entries.len();
        let (ready, later): (Vec<_>, Vec<_>) = self.waiting.drain(..).partition(|w| w.last <= head);
        self.waiting = later;
        for parked in ready {
            self.settle(parked, head);
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
    /// its stream with the bytes it did not take.
    fn visit(&mut self, i: usize) {
        let Some(head) = self.head else { return };
        let entry = &self.entries[i];
        if entry.sent >= head {
            self.cursor += 1;
            return;
        }
        if !self.reaches(entry.sent) {
            // Fell further behind than the recent frames reach.
            let entry = self.remove(i);
            return resume(entry.resume, entry.sent, Bytes::new());
        }
        let from = self.recent.partition_point(|(seq, _)| *seq <= entry.sent);
        let to = self.recent.len().min(from + FRAMES_PER_WRITE);
        let up_to = self.recent[to - 1].0;
        match offer(
            &entry.tcp,
            self.recent.range(from..to).map(|(_, frame)| frame),
        ) {
            Took::All => {
                self.entries[i].sent = up_to;
                if up_to == head {
                    self.behind -= 1;
                }
                self.cursor += 1;
            }
            // The socket is full: the stream writes the rest itself.
            Took::Part(unsent) => {
                let entry = self.remove(i);
                full(entry.resume, up_to, unsent);
            }
            Took::Broken => {
                self.remove(i);
            }
        }
    }

    /// Every parked socket gets a comment line, so idle connections stay
    /// open through proxies. Called only when every socket is at the head.
    fn heartbeat(&mut self) {
        let beat = encoder::heartbeat_frame();
        let mut i = 0;
        while i < self.entries.len() {
            // A stream that ended lets go with `Gone`; this only tidies up
            // (looked at here, not per visit: one less cache miss a socket).
            if self.entries[i].resume.is_closed() {
                self.remove(i);
                continue;
            }
            match offer(&self.entries[i].tcp, std::iter::once(&beat)) {
                Took::All => i += 1,
                Took::Part(unsent) => {
                    let entry = self.remove(i);
                    full(entry.resume, entry.sent, unsent);
                }
                Took::Broken => {
                    self.remove(i);
                }
            }
        }
    }
}

/// What one write of frames to a socket came to.
enum Took {
    All,
    /// The socket is full: the bytes it did not take (maybe all of them).
    Part(Bytes),
    /// The socket failed (the client is gone).
    Broken,
}

/// Writes `frames` to `tcp` in one write, without waiting.
fn offer<'a>(tcp: &TcpStream, frames: impl Iterator<Item = &'a Bytes> + Clone) -> Took {
    let mut slices = [io::IoSlice::new(&[]); FRAMES_PER_WRITE];
    let mut count = 0;
    let mut total = 0;
    for (slice, frame) in slices.iter_mut().zip(frames.clone()) {
        *slice = io::IoSlice::new(frame);
        count += 1;
        total += frame.len();
    }
    // `sendmsg` on the socket itself: a socket's `writev` also passes
    // through the file layer (`vfs_writev`, `fdget_pos`), and tokio's own
    // write first reads the socket's readiness, a cache miss per socket.
    // Together they were about a seventh of a sweep's time. tokio's
    // readiness may then still say "writable" after a full socket: its
    // stream's own first write finds out, and waits as usual.
    let written = match socket2::SockRef::from(tcp).send_vectored(&slices[..count]) {
        Ok(n) => n,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
        Err(_) => return Took::Broken,
    };
    if written == total {
        return Took::All;
    }
    let mut unsent = BytesMut::with_capacity(total - written);
    let mut skip = written;
    for frame in frames.take(count) {
        unsent.extend_from_slice(&frame[skip.min(frame.len())..]);
        skip -= skip.min(frame.len());
    }
    Took::Part(unsent.freeze())
}

/// Hands a socket back to its stream's loop, which catches up from the log.
fn resume(back: oneshot::Sender<Resume>, from: u64, unsent: Bytes) {
    let _ = back.send(Resume {
        from,
        unsent,
        park_again: false,
    });
}

/// Hands a full socket back to its stream's loop, which writes `unsent` and
/// parks again.
fn full(back: oneshot::Sender<Resume>, from: u64, unsent: Bytes) {
    let _ = back.send(Resume {
        from,
        unsent,
        park_again: true,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::in_process::InProcessFeed;
    use orderboard_model::{Channel, Item, NewOrder, Stage, StageChangeRequest};
    use tokio::io::AsyncReadExt;

    fn new_order() -> NewOrder {
        NewOrder {
            customer: Some("Ada".into()),
            channel: Channel::Pickup,
            items: vec![Item {
                name: "Tea".into(),
                qty: 1,
            }],
            note: None,
        }
    }

    /// The ids of the complete frames in `bytes`.
    fn ids(bytes: &[u8]) -> Vec<u64> {
        String::from_utf8_lossy(bytes)
            .split("\n\n")
            .filter_map(|frame| frame.strip_prefix("id: ")?.split('\n').next()?.parse().ok())
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_socket_is_handed_back_with_every_frame_it_did_not_take() {
        let (_dir, store, fan_out) = started().await;
        let (server, mut client) = small_buffers().await;
        let start = store.last_published().unwrap();
        let back = filled(&store, &fan_out, &server, start).await;
        assert!(back.from > start && !back.unsent.is_empty(), "{back:?}");
        assert!(back.park_again, "a full socket parks again: {back:?}");

        // What the socket took, then what it did not: every change once, in order.
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(300), client.read(&mut buf)).await
        {
            assert!(n > 0);
            seen.extend_from_slice(&buf[..n]);
        }
        seen.extend_from_slice(&back.unsent);
        let expected: Vec<u64> = (start + 1..=back.from).collect();
        assert_eq!(ids(&seen), expected);
        assert!(seen.ends_with(b"\n\n"));
    }

    /// A connected pair with small buffers at both ends, so that a client
    /// that stops reading soon fills them: the server's end and the client's.
    async fn small_buffers() -> (Arc<TcpStream>, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        socket
            .connect(&listener.local_addr().unwrap().into())
            .unwrap();
        socket.set_nonblocking(true).unwrap();
        let client = TcpStream::from_std(socket.into()).unwrap();
        let (server, _) = listener.accept().await.unwrap();
        socket2::SockRef::from(&server)
            .set_send_buffer_size(4096)
            .unwrap();
        (Arc::new(server), client)
    }

    /// Parks the stream on `server` at `last`, then makes changes until the
    /// fan-out hands the socket back (its client is not reading).
    async fn filled(
        store: &OrderStore,
        fan_out: &BoardFanOut,
        server: &Arc<TcpStream>,
        last: u64,
    ) -> Resume {
        let (_parking, mut resumed) = park(fan_out, server, last);
        until(|| fan_out.parked() != 0).await;
        let mut made = 0;
        let back = loop {
            if let Ok(back) = resumed.try_recv() {
                break back;
            }
            assert!(made < 8000, "the socket never filled");
            changes(store, 4).await;
            made += 4;
        };
        until(|| fan_out.parked() == 0).await;
        back
    }

    /// Waits for `done` (the fan-out runs on a thread of its own); a wait
    /// of more than 10 s fails the test instead of hanging it.
    async fn until(done: impl Fn() -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !done() {
            assert!(tokio::time::Instant::now() < deadline, "waited 10 s");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// How many recent frames the tests' fan-outs keep.
    const KEEP: usize = 64;

    /// A store on a fresh database file with one order in it, and a fan-out
    /// following it.
    async fn started() -> (tempfile::TempDir, OrderStore, Arc<BoardFanOut>) {
        started_on(InProcessFeed::default()).await
    }

    /// [`started`], on this feed.
    async fn started_on(feed: InProcessFeed) -> (tempfile::TempDir, OrderStore, Arc<BoardFanOut>) {
        started_with(feed, 1).await
    }

    /// [`started`], on this feed, with this many sweeping threads.
    async fn started_with(
        feed: InProcessFeed,
        threads: usize,
    ) -> (tempfile::TempDir, OrderStore, Arc<BoardFanOut>) {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(&dir.path().join("fan-out.db"))
            .await
            .unwrap();
        let store = OrderStore::new(pool, Arc::new(feed));
        changes(&store, 1).await;
        let fan_out =
            BoardFanOut::start_keeping(store.clone(), Duration::from_secs(3600), threads, KEEP);
        (dir, store, fan_out)
    }

    /// Makes `n` board changes (an order and its stages, repeated).
    async fn changes(store: &OrderStore, n: usize) {
        let mut made = 0;
        while made < n {
            let order = store.create(new_order()).await.unwrap();
            made += 1;
            for to in [Stage::Preparing, Stage::Ready, Stage::Collected] {
                if made == n {
                    break;
                }
                store
                    .change_stage(
                        order.id,
                        StageChangeRequest {
                            to,
                            expected_version: None,
                        },
                    )
                    .await
                    .unwrap();
                made += 1;
            }
        }
    }

    /// Parks the stream on `server` as sent up to `last`, as its writer would.
    fn park(
        fan_out: &BoardFanOut,
        server: &Arc<TcpStream>,
        last: u64,
    ) -> (Parking, oneshot::Receiver<Resume>) {
        let parking = Parking::new(fan_out);
        parking.attach();
        let resumed = parking.request(last);
        parking.hand_over(server);
        (parking, resumed)
    }

    /// A connected pair: the server's end and the client's.
    async fn connection() -> (Arc<TcpStream>, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (Arc::new(server), client)
    }

    /// Reads frames until the one with id `last` has arrived.
    async fn read_until(client: &mut TcpStream, last: u64) -> Vec<u64> {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while ids(&seen).last() != Some(&last) {
            let n = tokio::time::timeout(Duration::from_secs(10), client.read(&mut buf))
                .await
                .expect("frames stopped")
                .unwrap();
            assert!(n > 0, "the socket closed");
            seen.extend_from_slice(&buf[..n]);
        }
        ids(&seen)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn streams_parked_at_different_points_each_get_every_later_change_once_in_order() {
        let (_dir, store, fan_out) = started().await;
        let start = store.last_published().unwrap();

        // One parks up to date; then, with changes made in between, a second
        // parks behind the head: the sweep sends it what it lacks.
        let (server_a, mut client_a) = connection().await;
        let (parking_a, _resumed_a) = park(&fan_out, &server_a, start);
        changes(&store, 10).await;
        let (server_b, mut client_b) = connection().await;
        let (_parking_b, _resumed_b) = park(&fan_out, &server_b, start);
        // More changes, some while the second catches up.
        changes(&store, 25).await;
        let head = store.last_published().unwrap();
        assert_eq!(head, start + 35);

        let expected: Vec<u64> = (start + 1..=head).collect();
        assert_eq!(read_until(&mut client_a, head).await, expected);
        assert_eq!(read_until(&mut client_b, head).await, expected);
        assert_eq!(fan_out.parked(), 2);

        // A stream gone is let go of.
        parking_a.gone();
        drop(client_a);
        until(|| fan_out.parked() == 1).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stream_further_behind_than_the_recent_frames_goes_back_to_the_log() {
        let (_dir, store, fan_out) = started().await;
        let start = store.last_published().unwrap();
        changes(&store, KEEP + 1).await;
        // The fan-out has seen them all once a stream parked up to date is sent the last.
        let (server, mut client) = connection().await;
        let (_parking, _resumed) = park(&fan_out, &server, store.last_published().unwrap());
        until(|| fan_out.parked() != 0).await;
        changes(&store, 1).await;
        read_until(&mut client, start + KEEP as u64 + 2).await;

        let (server, _client) = connection().await;
        let (_parking, resumed) = park(&fan_out, &server, start);
        let back = tokio::time::timeout(Duration::from_secs(10), resumed)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back.from, start);
        assert!(back.unsent.is_empty());
        assert!(!back.park_again, "the rest is only in the log");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_socket_parked_again_gets_the_rest_from_the_recent_frames() {
        let (_dir, store, fan_out) = started().await;
        let (server, mut client) = small_buffers().await;
        let start = store.last_published().unwrap();
        let back = filled(&store, &fan_out, &server, start).await;
        assert!(back.park_again, "{back:?}");
        // More changes while the stream is not parked: only the fan-out's
        // recent frames (or the log) have them.
        changes(&store, 5).await;

        // The client reads again, until it has the head (told once known).
        let (head_known, told) = oneshot::channel::<u64>();
        let reader = tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            let mut told = told;
            let mut head = None;
            while head.is_none() || ids(&seen).last() != head.as_ref() {
                tokio::select! {
                    known = &mut told, if head.is_none() => head = Some(known.unwrap()),
                    read = tokio::time::timeout(Duration::from_secs(10), client.read(&mut buf)) => {
                        let n = read.expect("frames stopped").unwrap();
                        assert!(n > 0, "the socket closed");
                        seen.extend_from_slice(&buf[..n]);
                    }
                }
            }
            seen
        });
        // As the stream's loop does: write what did not fit, then park again
        // where it reaches.
        let mut unsent = back.unsent.clone();
        while !unsent.is_empty() {
            tokio::time::timeout(Duration::from_secs(10), server.writable())
                .await
                .expect("the client took nothing")
                .unwrap();
            match server.try_write(&unsent) {
                Ok(n) => {
                    bytes::Buf::advance(&mut unsent, n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        let (_parking, mut resumed) = park(&fan_out, &server, back.from);
        changes(&store, 3).await;
        let head = store.last_published().unwrap();
        head_known.send(head).unwrap();

        let seen = reader.await.unwrap();
        assert!(resumed.try_recv().is_err(), "it stayed parked");
        assert_eq!(fan_out.parked(), 1);
        let expected: Vec<u64> = (start + 1..=head).collect();
        assert_eq!(ids(&seen), expected);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_fan_out_that_falls_behind_the_feed_reads_the_log_and_its_streams_stay_parked() {
        // A feed that holds one change: a batch of changes published
        // together leaves the fan-out behind.
        let (_dir, store, fan_out) = started_on(InProcessFeed::new(1)).await;
        let start = store.last_published().unwrap();
        let (server, mut client) = connection().await;
        let (_parking, mut resumed) = park(&fan_out, &server, start);
        until(|| fan_out.parked() != 0).await;
        let mut bursts = 0;
        while fan_out.recoveries() == 0 {
            assert!(bursts < 50, "the fan-out never fell behind");
            let creates = (0..16).map(|_| store.create(new_order()));
            for created in futures_util::future::join_all(creates).await {
                created.unwrap();
            }
            bursts += 1;
        }
        changes(&store, 1).await;
        let head = store.last_published().unwrap();

        let expected: Vec<u64> = (start + 1..=head).collect();
        assert_eq!(read_until(&mut client, head).await, expected);
        assert!(resumed.try_recv().is_err(), "it stayed parked");
        assert_eq!(fan_out.parked(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn with_three_threads_every_parked_stream_gets_every_change_once_in_order() {
        let (_dir, store, fan_out) = started_with(InProcessFeed::default(), 3).await;
        let start = store.last_published().unwrap();
        let mut streams = Vec::new();
        for _ in 0..7 {
            let (server, client) = connection().await;
            let (parking, resumed) = park(&fan_out, &server, start);
            streams.push((server, client, parking, resumed));
        }
        until(|| fan_out.parked() == 7).await;
        changes(&store, 20).await;
        let head = store.last_published().unwrap();
        let expected: Vec<u64> = (start + 1..=head).collect();
        for (_, client, _, resumed) in &mut streams {
            assert_eq!(read_until(client, head).await, expected);
            assert!(resumed.try_recv().is_err(), "it stayed parked");
        }
        assert_eq!(fan_out.parked(), 7);
    }

    /// A sweeping thread yields to the rest of the server: its nice value is
    /// its creator's plus [`SWEEP_NICENESS`], and never past 19.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_sweeping_thread_runs_at_a_lower_priority_than_its_creator() {
        use rustix::{process, thread};
        fn nice_of_this_thread() -> i32 {
            process::getpriority_process(Some(thread::gettid())).unwrap()
        }
        let creator = nice_of_this_thread();
        let (swept, near_the_floor) = std::thread::spawn(|| {
            sweep_at_lower_priority();
            let swept = nice_of_this_thread();
            process::setpriority_process(Some(thread::gettid()), 18).unwrap();
            sweep_at_lower_priority();
            (swept, nice_of_this_thread())
        })
        .join()
        .unwrap();
        assert_eq!(swept, (creator + SWEEP_NICENESS).min(19));
        assert_eq!(near_the_floor, 19);
        assert_eq!(
            nice_of_this_thread(),
            creator,
            "only the sweeping thread changed"
        );
    }
}
