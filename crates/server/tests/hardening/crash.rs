//! SIGKILL during a burst of changes, with subscribers attached; a restart
//! on the same file. Every acknowledged change must be in the database, and
//! every subscriber that resumes must receive each change it missed exactly
//! once, in order.

use crate::support::*;
use orderboard_model::Stage;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a staff stream event says: its id, and which order at which version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Seen {
    seq: u64,
    order: String,
    version: u64,
}

fn seen(e: &eventsource_stream::Event) -> Option<Seen> {
    if e.event != "order" {
        return None;
    }
    let data: serde_json::Value = serde_json::from_str(&e.data).unwrap();
    Some(Seen {
        seq: e.id.parse().unwrap(),
        order: data["order"]["id"].as_str().unwrap().to_string(),
        version: data["order"]["version"].as_u64().unwrap(),
    })
}

/// Reads `stream` until it ends, `until` is reached, or `at_most` events.
async fn collect(mut stream: Stream, until: Option<u64>) -> Vec<Seen> {
    collect_some(&mut stream, until, usize::MAX).await
}

async fn collect_some(stream: &mut Stream, until: Option<u64>, at_most: usize) -> Vec<Seen> {
    let mut got = Vec::new();
    while got.len() < at_most {
        let Some(e) = stream.next().await else { break };
        if e.event == "snapshot" {
            continue;
        }
        assert_eq!(e.event, "order", "no reset: the log reaches back: {e:?}");
        let s = seen(&e).unwrap();
        let done = Some(s.seq) == until;
        got.push(s);
        if done {
            break;
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_burst_loses_no_acknowledged_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mut server = Binary::start(&db, &[]);
    let http = http();

    // Three subscribers read until the kill; a fourth goes away after 100
    // events (a screen switched off mid-burst) and comes back after the restart.
    let mut subscribers = Vec::new();
    for i in 0..4 {
        let mut stream = Stream::open(&server.url("/api/events"), None).await;
        assert_eq!(stream.status, 200);
        let at_most = if i == 3 { 100 } else { usize::MAX };
        subscribers.push(tokio::spawn(async move {
            collect_some(&mut stream, None, at_most).await
        }));
    }
    wait_for_health(&http, &server.base, "subscribers attached", |h| {
        h.open_streams.staff == 4
    })
    .await;

    // The burst: writers create orders and move them along, recording each
    // change the server acknowledged, until the server dies.
    let acknowledged = Arc::new(Mutex::new(Vec::<(String, u64)>::new()));
    let mut writers = Vec::new();
    for w in 0..6 {
        let (http, base, acks) = (http.clone(), server.base.clone(), acknowledged.clone());
        writers.push(tokio::spawn(async move {
            let new = order(3 + w, "crash test");
            loop {
                let Some(mut order) = try_create(&http, &base, &new).await else {
                    return;
                };
                acks.lock()
                    .unwrap()
                    .push((order.id.to_string(), order.version));
                for to in [Stage::Preparing, Stage::Ready, Stage::Collected] {
                    let Some(next) = try_move(&http, &base, &order, to).await else {
                        return;
                    };
                    order = next;
                    acks.lock()
                        .unwrap()
                        .push((order.id.to_string(), order.version));
                }
            }
        }));
    }
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while acknowledged.lock().unwrap().len() < 400 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the burst is too slow"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    for w in writers {
        w.await.unwrap();
    }
    let mut before = Vec::new();
    for s in subscribers {
        before.push(s.await.unwrap());
    }
    let acknowledged = acknowledged.lock().unwrap().clone();

    // Restart on the same file.
    let server = Binary::start(&db, &[]);
    let head = health(&http, &server.base).await.head_seq;
    assert!(head >= acknowledged.len() as u64);

    // Everything in the log, read back from the start.
    let log = collect(
        Stream::open(&server.url("/api/events"), Some(0)).await,
        Some(head),
    )
    .await;
    assert_eq!(log.len() as u64, head, "the log is whole: 1..=head");
    let in_log: HashSet<(String, u64)> = log.iter().map(|s| (s.order.clone(), s.version)).collect();
    let found = acknowledged.iter().filter(|a| in_log.contains(*a)).count();

    // Each subscriber resumes after the last event it saw.
    let (mut replayed, mut lost, mut duplicated) = (0usize, 0u64, 0usize);
    for got in &before {
        let last = got.last().map(|s| s.seq).unwrap_or(0);
        let resumed = if last < head {
            collect(
                Stream::open(&server.url("/api/events"), Some(last)).await,
                Some(head),
            )
            .await
        } else {
            Vec::new()
        };
        replayed += resumed.len();
        let all: Vec<&Seen> = got.iter().chain(resumed.iter()).collect();
        let distinct: HashSet<u64> = all.iter().map(|s| s.seq).collect();
        duplicated += all.len() - distinct.len();
        lost += head - distinct.len() as u64;
        let seqs: Vec<u64> = all.iter().map(|s| s.seq).collect();
        assert_eq!(
            seqs,
            (1..=head).collect::<Vec<_>>(),
            "each change once, in order"
        );
        for s in &all {
            assert_eq!(
                log[(s.seq - 1) as usize],
                **s,
                "the same change as in the log"
            );
        }
    }
    let lost_acks = acknowledged.len() - found;
    println!(
        "crash: acknowledged {}, found {found}, in the log {head}, seen live before the kill {:?}, \
         replayed {replayed}, lost {}, duplicated {duplicated}",
        acknowledged.len(),
        before.iter().map(Vec::len).collect::<Vec<_>>(),
        lost_acks as u64 + lost,
    );
    assert_eq!(
        lost_acks, 0,
        "acknowledged changes missing from the database"
    );
    assert_eq!(lost, 0);
    assert_eq!(duplicated, 0);
}
