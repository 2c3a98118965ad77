//! The fan-out's tests: each parks real sockets, on a store over a fresh
//! database file, and reads what their clients get.

use super::parking::{Handback, Parking, Resume};
use super::threads::{sweep_at_lower_priority, SWEEP_NICENESS};
use super::BoardFanOut;
use crate::feed::in_process::InProcessFeed;
use crate::store::OrderStore;
use futures_util::FutureExt;
use orderboard_model::{Channel, NewItem, NewOrder, Stage, StageChangeRequest};
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::oneshot;

fn new_order() -> NewOrder {
    NewOrder {
        customer: Some("Ada".into()),
        channel: Channel::Pickup,
        items: vec![NewItem::plain("Tea", 1)],
        note: None,
        external_ref: None,
        table: None,
        due_at: None,
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
    let back = filled(&store, &fan_out, server, start).await;
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
/// that stops reading soon fills them: the server's end's write half and
/// the client's end.
async fn small_buffers() -> (OwnedWriteHalf, TcpStream) {
    let (server, client) = small_buffers_pair().await;
    (server.into_split().1, client)
}

/// [`small_buffers`], with the server's whole end.
async fn small_buffers_pair() -> (TcpStream, TcpStream) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
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
    (server, client)
}

/// Parks the stream on `server` at `last`, then makes changes until the
/// fan-out hands the socket back (its client is not reading).
async fn filled(
    store: &OrderStore,
    fan_out: &BoardFanOut,
    server: OwnedWriteHalf,
    last: u64,
) -> Handback {
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

/// Parks the stream on `server` as sent up to `last`, as its loop and its
/// writer would; the fan-out hands the write half back through the
/// receiver.
fn park(
    fan_out: &BoardFanOut,
    server: OwnedWriteHalf,
    last: u64,
) -> (Parking, oneshot::Receiver<Handback>) {
    let parking = Parking::new(fan_out);
    parking.attach();
    let _loop_resumed = parking.request(last);
    let request = parking.take_request().expect("the loop asked to park");
    let away = parking.hand_over(server, request);
    (parking, away.handback)
}

/// A connected pair: the server's end's write half and the client's end.
async fn connection() -> (OwnedWriteHalf, TcpStream) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (server.into_split().1, client)
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
    let (parking_a, _resumed_a) = park(&fan_out, server_a, start);
    // Settled before any change: a fan-out that has not yet seen a change
    // reads the head from the store, which may already be ahead of `start`.
    until(|| fan_out.parked() == 1).await;
    changes(&store, 10).await;
    let (server_b, mut client_b) = connection().await;
    let (_parking_b, _resumed_b) = park(&fan_out, server_b, start);
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
    let (_parking, _resumed) = park(&fan_out, server, store.last_published().unwrap());
    until(|| fan_out.parked() != 0).await;
    changes(&store, 1).await;
    read_until(&mut client, start + KEEP as u64 + 2).await;

    let (server, _client) = connection().await;
    let (_parking, resumed) = park(&fan_out, server, start);
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
    let back = filled(&store, &fan_out, server, start).await;
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
        tokio::time::timeout(Duration::from_secs(10), back.write.writable())
            .await
            .expect("the client took nothing")
            .unwrap();
        match back.write.try_write(&unsent) {
            Ok(n) => {
                bytes::Buf::advance(&mut unsent, n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("{e}"),
        }
    }
    let (_parking, mut resumed) = park(&fan_out, back.write, back.from);
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
    let (_parking, mut resumed) = park(&fan_out, server, start);
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
        let (parking, resumed) = park(&fan_out, server, start);
        streams.push((client, parking, resumed));
    }
    until(|| fan_out.parked() == 7).await;
    changes(&store, 20).await;
    let head = store.last_published().unwrap();
    let expected: Vec<u64> = (start + 1..=head).collect();
    for (client, _, resumed) in &mut streams {
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

/// A parked socket has one writer: the write half moves to the fan-out
/// (what the writer keeps while it waits, an `Away`, holds none), and what
/// comes back is the same socket's write half, to which the writer then
/// writes itself, after everything the fan-out wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parked_socket_moves_to_the_fan_out_and_comes_back_as_the_same_socket() {
    let (_dir, store, fan_out) = started().await;
    let (server, mut client) = small_buffers_pair().await;
    let (read, write) = server.into_split();
    let start = store.last_published().unwrap();

    // The loop asks to park; the writer moves its write half over.
    let parking = Parking::new(&fan_out);
    parking.attach();
    let mut resumed = parking.request(start);
    let request = parking.take_request().expect("the loop asked to park");
    let mut away = parking.hand_over(write, request);
    until(|| fan_out.parked() == 1).await;

    // Only the fan-out writes now, until the client, not reading, is full.
    let mut made = 0;
    let back = loop {
        if let Some(back) = away.back().now_or_never() {
            break back.expect("handed back, not dropped");
        }
        assert!(made < 8000, "the socket never filled");
        changes(&store, 4).await;
        made += 4;
    };
    until(|| fan_out.parked() == 0).await;
    let Handback {
        write,
        from,
        unsent,
        park_again,
    } = back;
    assert!(park_again && !unsent.is_empty());

    // The same socket: only a socket's own halves reunite.
    let mut tcp = read
        .reunite(write)
        .expect("the write half handed back is this socket's");
    let reader = tokio::spawn(async move {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !seen.ends_with(b": the writer again\n\n") {
            let n = tokio::time::timeout(Duration::from_secs(10), client.read(&mut buf))
                .await
                .expect("bytes stopped")
                .unwrap();
            assert!(n > 0, "the socket closed");
            seen.extend_from_slice(&buf[..n]);
        }
        seen
    });
    // The writer writes what did not fit, then a frame of its own.
    tcp.write_all(&unsent).await.unwrap();
    tcp.write_all(b": the writer again\n\n").await.unwrap();
    let seen = reader.await.unwrap();
    let expected: Vec<u64> = (start + 1..=from).collect();
    assert_eq!(ids(&seen), expected);

    // Then it tells the loop where the stream stands.
    away.resume(from, park_again);
    assert_eq!(
        resumed.try_recv().unwrap(),
        Resume {
            from,
            park_again: true
        }
    );
}
