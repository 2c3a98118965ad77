//! Event log retention: the last D days or the last M events, whichever
//! keeps more, never the newest event; a resume from before what is kept
//! gets a `reset`, a resume from within it the exact replay.

use crate::support::{test_settings, SseClient, TestServer, PATIENCE};
use orderboard_model::{Channel, Stage};
use orderboard_server::retention::{prune, Retention};
use std::time::Duration;

async fn oldest_seq(s: &TestServer) -> Option<i64> {
    crate::on_database!(s.state.store.database(), pool => {
        sqlx::query_scalar("SELECT MIN(seq) FROM events")
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

/// Makes `n` events: orders created and moved along.
async fn make_events(s: &TestServer, n: usize) {
    let mut made = 0;
    while made < n {
        let order = s.create(Some("Ada"), Channel::Pickup).await;
        made += 1;
        for to in [Stage::Preparing, Stage::Ready, Stage::Collected] {
            if made == n {
                break;
            }
            s.move_to(order.id, to).await;
            made += 1;
        }
    }
}

fn keep(days: u32, events: u64) -> Retention {
    Retention {
        keep_days: days,
        keep_events: events,
        every: Duration::from_secs(3600),
    }
}

#[tokio::test]
async fn pruning_keeps_the_larger_window_and_a_resume_from_before_it_gets_reset() {
    let s = TestServer::start().await;
    make_events(&s, 20).await;
    assert_eq!(s.health().await.head_seq, 20);

    // Young events are kept by the days rule, however many there are.
    assert_eq!(prune(&s.state.store, &keep(30, 5)).await.unwrap(), 0);
    assert_eq!(oldest_seq(&s).await, Some(1));

    // With no days to protect them, only the last 5 events stay.
    assert_eq!(prune(&s.state.store, &keep(0, 5)).await.unwrap(), 15);
    assert_eq!(oldest_seq(&s).await, Some(16));

    // A client that saw 15 is replayed 16..=20 exactly.
    let mut within = SseClient::connect(&s.url("/api/events"), Some("15")).await;
    for seq in 16..=20u64 {
        let (id, _): (u64, serde_json::Value) = within.expect("order").await;
        assert_eq!(id, seq);
    }
    // A client from before what is kept gets a reset, as of the head.
    for before in ["14", "3", "1"] {
        let mut old = SseClient::connect(&s.url("/api/events"), Some(before)).await;
        let (id, data): (u64, serde_json::Value) = old.expect("reset").await;
        assert_eq!(id, 20, "resuming after {before}");
        assert_eq!(data["as_of"], 20);
    }
    let mut board = SseClient::connect(&s.url("/api/board/events"), Some("2")).await;
    board.expect::<serde_json::Value>("reset").await;

    // The newest event is never pruned, even when asked to keep none.
    prune(&s.state.store, &keep(0, 0)).await.unwrap();
    assert_eq!(oldest_seq(&s).await, Some(20));
    let mut newest = SseClient::connect(&s.url("/api/events"), Some("20")).await;
    make_events(&s, 1).await;
    let (id, _): (u64, serde_json::Value) = newest.expect("order").await;
    assert_eq!(id, 21, "sequence numbers go on after pruning");
    drop((within, newest, board));
    s.stop().await;
}

#[tokio::test]
async fn the_server_prunes_on_its_own() {
    let mut settings = test_settings();
    settings.retention = Retention {
        keep_days: 0,
        keep_events: 3,
        every: Duration::from_millis(100),
    };
    let s = TestServer::start_with_settings(settings).await;
    make_events(&s, 12).await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while oldest_seq(&s).await != Some(10) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never pruned to the last 3 events"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut old = SseClient::connect(&s.url("/api/events"), Some("5")).await;
    old.expect::<serde_json::Value>("reset").await;
    drop(old);
    s.stop().await;
}
