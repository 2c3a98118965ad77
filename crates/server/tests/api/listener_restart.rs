//! A listener stopped and another started on the same state (the desktop
//! app's "listen on the restaurant network" toggle): the application's
//! background work (the board fan-out, the copies of followed orders) lives
//! as long as the state, and only the old listener's streams end.

use crate::support::{until_parked, SseClient, TestServer, PATIENCE};
use orderboard_model::{Channel, Stage};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_listener_restart_a_board_gets_the_next_change_live_and_stays_parked() {
    let mut s = TestServer::start().await;
    let mut old = SseClient::connect(&s.url("/api/board/events"), None).await;
    old.expect::<Value>("snapshot").await;
    until_parked(&s, 1, "the first board never parked").await;

    for round in 0..2 {
        s.restart_listener().await;
        // The old listener's stream ended with it.
        old.expect_end().await;
        until_parked(&s, 0, "a stream of the stopped listener stayed parked").await;

        let mut board = SseClient::connect(&s.url("/api/board/events"), None).await;
        board.expect::<Value>("snapshot").await;
        until_parked(&s, 1, "a board on the new listener never parked").await;
        let catch_ups = s.health().await.log_catch_ups;

        // A change made now reaches it live, on the same connection.
        let order = s.create(Some("Ada"), Channel::Pickup).await;
        let (seq, event) = board.expect::<Value>("order").await;
        assert_eq!(
            event["order"]["number"], order.number,
            "round {round}: {event}"
        );
        s.move_to(order.id, Stage::Preparing).await;
        let (next, event) = board.expect::<Value>("order").await;
        assert!(next > seq);
        assert_eq!(
            event["order"]["stage"], "preparing",
            "round {round}: {event}"
        );

        // Sent by the fan-out, not read back from the event log.
        until_parked(&s, 1, "the board did not park again").await;
        let health = s.health().await;
        assert_eq!(health.log_catch_ups, catch_ups, "round {round}");
        assert_eq!(health.open_streams.board, 1, "round {round}");
        old = board;
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_listener_restart_polls_follow_changes_from_memory() {
    let mut s = TestServer::start().await;
    let order = s.create(Some("Grace"), Channel::Pickup).await;
    let track = format!("/api/track/{}", order.tracking_token);
    let before: Value = s
        .http
        .get(s.url(&track))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(before["stage"], "received");

    s.restart_listener().await;
    s.move_to(order.id, Stage::Preparing).await;
    // The copy kept in memory follows the feed by itself, without a poll
    // reading the database.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while s
        .state
        .latest_orders
        .get(&order.tracking_token)
        .unwrap()
        .stage
        != Stage::Preparing
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the copy in memory stopped following changes"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let now: Value = s
        .http
        .get(s.url(&track))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(now["stage"], "preparing");
    s.stop().await;
}
