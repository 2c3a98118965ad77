//! A client that stops reading while changes keep coming: the server's
//! memory stays bounded, the stream is closed once its connection has taken
//! no bytes for the stall timeout, and the client resumes with
//! `Last-Event-ID` and gets every change it missed, in order, no gap.

use crate::support::*;
use orderboard_model::Stage;
use socket2::{Domain, Socket, Type};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

/// The ids of the complete events in the raw HTTP bytes of a stream (the
/// body is unchunked: it runs to the end of the connection).
fn complete_event_ids(raw: &[u8]) -> Vec<u64> {
    let text = String::from_utf8_lossy(raw);
    let lines: Vec<&str> = text.split('\n').collect();
    lines
        .windows(4)
        .filter_map(|w| {
            let id = w[0].strip_prefix("id: ")?.parse().ok()?;
            w[1].strip_prefix("event: ")?;
            let data = w[2].strip_prefix("data: ")?;
            serde_json::from_str::<serde_json::Value>(data).ok()?;
            w[3].is_empty().then_some(id)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_closed_and_resumes_without_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    let server = Binary::start(
        &dir.path().join("slow.db"),
        &["--stall-secs", "2", "--heartbeat-secs", "1"],
    );
    let http = http();

    // The slow client: a tiny receive buffer, one request, then no reading.
    let addr: SocketAddr = server.addr.parse().unwrap();
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(&addr.into()).unwrap();
    let mut slow: TcpStream = socket.into();
    slow.write_all(
        b"GET /api/events HTTP/1.1\r\nHost: orderboard\r\nAccept: text/event-stream\r\n\r\n",
    )
    .unwrap();
    slow.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("event: snapshot") {
        let n = slow.read(&mut buf).unwrap();
        assert!(n > 0, "the stream opened");
        seen.extend_from_slice(&buf[..n]);
    }
    // An event stream runs to the end of the connection, unchunked.
    assert!(String::from_utf8_lossy(&seen).starts_with("HTTP/1.0 200"));
    wait_for_health(&http, &server.base, "the stream is open", |h| {
        h.open_streams.staff == 1
    })
    .await;

    let baseline_kib = server.rss_kib();
    let mut peak_kib = baseline_kib;
    let mut changes = 0u64;
    let mut frame_bytes = 0u64;
    let note =
        "Table by the window; the big order for the office party, everything at once".repeat(3);
    let new = order(50, &note);
    let frame_len = serde_json::to_vec(&new).unwrap().len() as u64;
    let mut closed = false;
    // Keep changes coming (each order: created, preparing, ready, collected)
    // until the server gives up on the client; at most this many rounds.
    for _round in 0..200 {
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (http, base, new) = (http.clone(), server.base.clone(), new.clone());
            tasks.push(tokio::spawn(async move {
                let mut order = try_create(&http, &base, &new).await.expect("created");
                for to in [Stage::Preparing, Stage::Ready, Stage::Collected] {
                    order = try_move(&http, &base, &order, to).await.expect("moved");
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        changes += 32;
        frame_bytes += 32 * frame_len;
        peak_kib = peak_kib.max(server.rss_kib());
        if health(&http, &server.base).await.open_streams.total == 0 {
            closed = true;
            break;
        }
    }
    assert!(
        closed,
        "the stalled stream was never closed after {changes} changes"
    );
    let head = health(&http, &server.base).await.head_seq;
    let after_kib = server.rss_kib();

    // The client comes back: it reads what reached it, then resumes after
    // the last complete event.
    loop {
        match slow.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    let got = complete_event_ids(&seen);
    assert!(
        got.windows(2).all(|w| w[1] == w[0] + 1),
        "no gap before the stall: {got:?}"
    );
    let last = got.last().copied().unwrap_or(0);
    let mut resumed = Stream::open(&server.url("/api/events"), Some(last)).await;
    assert_eq!(resumed.status, 200);
    let mut expected = last + 1;
    let mut replayed = 0u64;
    while expected <= head {
        let e = resumed
            .next()
            .await
            .expect("the replay goes on to the head");
        assert_eq!(e.event, "order", "{e:?}");
        assert_eq!(
            e.id.parse::<u64>().unwrap(),
            expected,
            "each missed change once, in order"
        );
        expected += 1;
        replayed += 1;
    }
    println!(
        "slow consumer: changes while not reading {changes} (~{} KiB of staff frames), \
         events that reached the client before the close {}, replayed on resume {replayed}, \
         lost 0; server RSS baseline {baseline_kib} KiB, peak {peak_kib} KiB, after {after_kib} KiB",
        frame_bytes / 1024,
        got.len()
    );
    assert!(
        peak_kib < baseline_kib + 48 * 1024,
        "memory grew past the bound: {baseline_kib} -> {peak_kib} KiB"
    );
    drop(resumed);
}
