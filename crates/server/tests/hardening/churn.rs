//! Thousands of stream clients connecting and going away, some politely
//! (FIN), some by dropping the connection with a reset and no goodbye, some
//! before their stream even started. Afterwards no stream is open, the
//! server's file descriptors are back to their baseline, and its memory has
//! not grown beyond a small bound.

use crate::support::*;
use socket2::SockRef;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CYCLES: usize = 3_000;
const CONCURRENCY: usize = 16;

/// One client: opens a stream and goes away, in one of several ways.
async fn cycle(addr: &str, path: &str, i: usize) {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: orderboard\r\nAccept: text/event-stream\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    if !i.is_multiple_of(10) {
        // Wait until the stream has really started.
        let mut seen = Vec::new();
        let mut buf = [0u8; 2048];
        while !String::from_utf8_lossy(&seen).contains("\ndata: ") {
            let n = tokio::time::timeout(PATIENCE, tcp.read(&mut buf))
                .await
                .expect("the stream starts")
                .unwrap();
            assert!(n > 0, "the stream starts");
            seen.extend_from_slice(&buf[..n]);
        }
    }
    if i.is_multiple_of(2) {
        // No goodbye: the connection is reset.
        SockRef::from(&tcp)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
    }
    drop(tcp);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_connects_and_disconnects_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let server = Binary::start(&dir.path().join("churn.db"), &["--heartbeat-secs", "1"]);
    let http = http();
    let order = try_create(&http, &server.base, &order(2, "churn"))
        .await
        .unwrap();
    let paths = [
        "/api/events".to_string(),
        "/api/board/events".to_string(),
        format!("/api/track/{}/events", order.tracking_token),
    ];

    let run = |cycles: usize| {
        let addr = server.addr.clone();
        let paths = paths.clone();
        async move {
            let mut workers = Vec::new();
            for w in 0..CONCURRENCY {
                let (addr, paths) = (addr.clone(), paths.clone());
                workers.push(tokio::spawn(async move {
                    for i in (w..cycles).step_by(CONCURRENCY) {
                        cycle(&addr, &paths[i % paths.len()], i).await;
                    }
                }));
            }
            for w in workers {
                w.await.unwrap();
            }
        }
    };

    // Warm up (thread pools, database connections, allocator), then measure.
    run(300).await;
    wait_for_health(&http, &server.base, "warm-up streams closed", |h| {
        h.open_streams.total == 0
    })
    .await;
    let fds_baseline = server.fds();
    let rss_baseline = server.rss_kib();

    let started = std::time::Instant::now();
    run(CYCLES).await;
    let churn_time = started.elapsed();
    let h = wait_for_health(&http, &server.base, "every stream closed", |h| {
        h.open_streams.total == 0
    })
    .await;

    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut fds_after = server.fds();
    while fds_after > fds_baseline && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        fds_after = server.fds();
    }
    let rss_after = server.rss_kib();
    println!(
        "churn: {CYCLES} stream connect/disconnect cycles ({} reset without goodbye, {} gone before the stream started) in {:.1}s; \
         open streams after {}; server fds (less the database's) baseline {fds_baseline}, after {fds_after}; \
         RSS baseline {rss_baseline} KiB, after {rss_after} KiB (+{} KiB)",
        CYCLES / 2,
        CYCLES / 10,
        churn_time.as_secs_f64(),
        h.open_streams.total,
        rss_after.saturating_sub(rss_baseline),
    );
    assert_eq!(h.open_streams.total, 0);
    assert!(
        fds_after <= fds_baseline,
        "fds leaked: {fds_baseline} -> {fds_after}"
    );
    assert!(
        rss_after < rss_baseline + 16 * 1024,
        "memory grew: {rss_baseline} -> {rss_after} KiB"
    );
}
