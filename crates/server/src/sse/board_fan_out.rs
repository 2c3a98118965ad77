//! Board streams at rest are written to from one loop, not woken one by one.
//!
//! A customer board's stream has nothing to decide per event: every board
//! gets the same frame. Waking ten thousand tasks for each change, each to
//! receive from the broadcast channel and write one frame, was about a third
//! of the server's time on top of the writes. So a board stream that has
//! caught up *parks*: its loop ([`super::live_stream`]) stops listening to the
//! feed, and its connection's writer ([`crate::serving::stream_handoff`])
//! hands the socket to this one task. For each round of changes the task
//! takes the frames once and writes them to every parked socket, in one loop.
//! (One task, not one per core: with two, each on its own core, the load
//! generator sharing the machine was starved and delivery got slower.)
//!
//! A socket that cannot take a whole round (its client reads slowly) is
//! handed back at once: its loop gets a [`Resume`] with the bytes that did not
//! fit and the sequence number they reach, writes them itself, and catches up
//! from the event log like any stream that fell behind. So nothing waits here
//! for a slow client, and every board still gets every event once, in order.
//!
//! The task follows the feed with a subscription of its own. It also sends
//! the heartbeat to parked sockets. It ends when the feed closes (shutdown),
//! and with it every parked stream.

use super::encoder;
use crate::feed::{Delivery, PublishedChange, Subscription};
use crate::store::OrderStore;
use bytes::{Bytes, BytesMut};
use futures_util::{FutureExt, StreamExt};
use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{interval_at, Instant, MissedTickBehavior};

/// How many recent board frames are kept, for streams that park a little
/// behind the task.
const RECENT: usize = 512;

/// What a parked stream's loop gets back when its socket is handed back.
#[derive(Debug)]
pub struct Resume {
    /// The sequence number the stream has now been sent up to, counting
    /// `unsent`.
    pub from: u64,
    /// Bytes of frames the socket did not take: written first, by the loop.
    pub unsent: Bytes,
}

/// The task's handle.
pub struct BoardFanOut {
    commands: mpsc::UnboundedSender<Command>,
    next_id: AtomicU64,
    parked: Arc<AtomicUsize>,
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
    /// Starts the task; call from within a tokio runtime.
    pub fn start(store: OrderStore, heartbeat: Duration) -> Arc<Self> {
        let (commands, inbox) = mpsc::unbounded_channel();
        let parked = Arc::new(AtomicUsize::new(0));
        // Subscribed before the head is read: every change after it arrives.
        let feed = store.feed().subscribe();
        let task = FanOutTask {
            store,
            head: None,
            recent: VecDeque::with_capacity(RECENT),
            entries: HashMap::new(),
            waiting: Vec::new(),
            parked: parked.clone(),
        };
        tokio::spawn(task.run(feed, inbox, heartbeat));
        Arc::new(BoardFanOut { commands, next_id: AtomicU64::new(1), parked })
    }

    /// How many streams are parked here now.
    pub fn parked(&self) -> usize {
        self.parked.load(Ordering::Relaxed)
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
        Parking(Arc::new(ParkingState {
            id: fan_out.next_id.fetch_add(1, Ordering::Relaxed),
            commands: fan_out.commands.clone(),
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
        let parked = Parked { id: self.0.id, tcp: tcp.clone(), last, resume };
        // If the task is gone (shutdown), dropping `resume` ends the stream.
        let _ = self.0.commands.send(Command::Park(parked));
    }

    /// The writer is done: the task lets go of the socket.
    pub fn gone(&self) {
        let _ = self.0.commands.send(Command::Gone(self.0.id));
    }
}

/// A parked stream.
struct Entry {
    tcp: Arc<TcpStream>,
    resume: Option<oneshot::Sender<Resume>>,
}

/// What one offer of bytes to a socket came to.
enum Took {
    All,
    /// Only this many bytes (maybe none): the socket is full.
    Part(usize),
    /// The socket failed (the client is gone).
    Broken,
}

fn offer(tcp: &TcpStream, bytes: &[u8]) -> Took {
    match tcp.try_write(bytes) {
        Ok(n) if n == bytes.len() => Took::All,
        Ok(n) => Took::Part(n),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Took::Part(0),
        Err(_) => Took::Broken,
    }
}

struct FanOutTask {
    store: OrderStore,
    /// The sequence number the parked streams have been sent up to; `None`
    /// until known, and after the task itself fell behind the feed.
    head: Option<u64>,
    /// The latest board frames, oldest first.
    recent: VecDeque<(u64, Bytes)>,
    entries: HashMap<u64, Entry>,
    /// Streams that parked ahead of the task: they wait for it to catch up.
    waiting: Vec<Parked>,
    parked: Arc<AtomicUsize>,
}

impl FanOutTask {
    async fn run(
        mut self,
        mut feed: Subscription,
        mut inbox: mpsc::UnboundedReceiver<Command>,
        heartbeat: Duration,
    ) {
        let mut tick = interval_at(Instant::now() + heartbeat, heartbeat);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                command = inbox.recv() => match command {
                    Some(Command::Park(parked)) => self.park(parked),
                    Some(Command::Gone(id)) => {
                        self.entries.remove(&id);
                        self.waiting.retain(|w| w.id != id);
                    }
                    None => break,
                },
                delivery = feed.next() => {
                    let Some(first) = delivery else { break };
                    // Everything already published goes out in one round.
                    let mut round = vec![first];
                    while let Some(Some(more)) = feed.next().now_or_never() {
                        round.push(more);
                    }
                    self.deliver(round);
                }
                _ = tick.tick() => {
                    // Parked streams exist only while the head is known.
                    if let Some(head) = self.head {
                        self.write_all(&encoder::heartbeat_frame(), head);
                    }
                }
            }
            self.parked.store(self.entries.len(), Ordering::Relaxed);
        }
        self.parked.store(0, Ordering::Relaxed);
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

    /// Sends a stream at or behind `head` the frames it lacks, and parks it,
    /// or hands it back if the recent frames do not reach back that far or
    /// its socket is full.
    fn settle(&mut self, parked: Parked, head: u64) {
        let Parked { id, tcp, last, resume: back } = parked;
        if last < head {
            let reaches = self.recent.front().is_some_and(|(seq, _)| *seq <= last + 1);
            if !reaches {
                return resume(back, last, Bytes::new());
            }
            let mut missed = BytesMut::new();
            for (_, frame) in self.recent.iter().filter(|(seq, _)| *seq > last) {
                missed.extend_from_slice(frame);
            }
            let missed = missed.freeze();
            match offer(&tcp, &missed) {
                Took::All => {}
                Took::Part(n) => return resume(back, head, missed.slice(n..)),
                Took::Broken => return,
            }
        }
        self.entries.insert(id, Entry { tcp, resume: Some(back) });
    }

    /// One round of changes from the feed.
    fn deliver(&mut self, round: Vec<Delivery>) {
        let mut frames = BytesMut::new();
        for delivery in round {
            match delivery {
                Delivery::Change(change) => {
                    let Some(head) = self.known_head() else { continue };
                    if change.seq <= head {
                        continue;
                    }
                    self.remember(&change);
                    frames.extend_from_slice(&change.board_frame);
                    self.head = Some(change.seq);
                }
                Delivery::Missed => {
                    // The task fell behind the feed: what it missed is only in
                    // the log. Every parked stream goes back to catch up.
                    let head = self.head.unwrap_or(0);
                    self.write_all(&frames.split().freeze(), head);
                    for (_, entry) in self.entries.drain() {
                        if let Some(back) = entry.resume {
                            resume(back, head, Bytes::new());
                        }
                    }
                    for parked in self.waiting.drain(..) {
                        resume(parked.resume, parked.last, Bytes::new());
                    }
                    self.recent.clear();
                    self.head = None;
                }
            }
        }
        let Some(head) = self.head else { return };
        self.write_all(&frames.freeze(), head);
        // Streams that parked ahead of the task may settle now.
        let (ready, later): (Vec<_>, Vec<_>) = self.waiting.drain(..).partition(|w| w.last <= head);
        self.waiting = later;
        for parked in ready {
            self.settle(parked, head);
        }
    }

    fn remember(&mut self, change: &PublishedChange) {
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back((change.seq, change.board_frame.clone()));
    }

    /// Writes `bytes` (which bring a stream up to `head`) to every parked
    /// socket; hands back the ones that cannot take it all, drops the broken.
    fn write_all(&mut self, bytes: &Bytes, head: u64) {
        if bytes.is_empty() {
            return;
        }
        self.entries.retain(|_, entry| {
            let Some(back) = entry.resume.as_ref() else { return false };
            if back.is_closed() {
                return false;
            }
            match offer(&entry.tcp, bytes) {
                Took::All => true,
                Took::Part(n) => {
                    if let Some(back) = entry.resume.take() {
                        resume(back, head, bytes.slice(n..));
                    }
                    false
                }
                Took::Broken => false,
            }
        });
    }
}

fn resume(back: oneshot::Sender<Resume>, from: u64, unsent: Bytes) {
    let _ = back.send(Resume { from, unsent });
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
            items: vec![Item { name: "Tea".into(), qty: 1 }],
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
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(&dir.path().join("fan-out.db")).await.unwrap();
        let store = OrderStore::new(pool, Arc::new(InProcessFeed::default()));
        store.create(new_order()).await.unwrap();
        let fan_out = BoardFanOut::start(store.clone(), Duration::from_secs(3600));

        // A client that stops reading, with small buffers at both ends.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        socket.connect(&listener.local_addr().unwrap().into()).unwrap();
        socket.set_nonblocking(true).unwrap();
        let mut client = TcpStream::from_std(socket.into()).unwrap();
        let (server, _) = listener.accept().await.unwrap();
        socket2::SockRef::from(&server).set_send_buffer_size(4096).unwrap();
        let server = Arc::new(server);

        let parking = Parking::new(&fan_out);
        parking.attach();
        let start = store.last_published().unwrap();
        let mut resumed = parking.request(start);
        parking.hand_over(&server);
        while fan_out.parked() == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        let mut made = 0;
        let back = loop {
            if let Ok(back) = resumed.try_recv() {
                break back;
            }
            assert!(made < 8000, "the socket never filled");
            let order = store.create(new_order()).await.unwrap();
            for to in [Stage::Preparing, Stage::Ready, Stage::Collected] {
                store.change_stage(order.id, StageChangeRequest { to, expected_version: None }).await.unwrap();
            }
            made += 4;
        };
        assert!(back.from > start && !back.unsent.is_empty(), "{back:?}");
        while fan_out.parked() != 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        // What the socket took, then what it did not: every change once, in order.
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(300), client.read(&mut buf)).await {
            assert!(n > 0);
            seen.extend_from_slice(&buf[..n]);
        }
        seen.extend_from_slice(&back.unsent);
        let expected: Vec<u64> = (start + 1..=back.from).collect();
        assert_eq!(ids(&seen), expected);
        assert!(seen.ends_with(b"\n\n"));
    }
}
