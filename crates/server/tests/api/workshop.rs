//! Workshop mode: the demo driver (`/api/demo`), the live chart points
//! (`/api/workshop/events`) and the comparison of the five lanes (the four
//! transports and SSE over database polling, `/api/workshop/comparison`).

use crate::support::{demo_orders, test_settings, SseClient, TestServer};
use orderboard_model::{
    ComparisonPhase, ComparisonState, DemoStatus, ErrorCode, Order, Transport, WorkshopSample,
};
use serde_json::json;
use std::time::Duration;

async fn put_demo(s: &TestServer, body: serde_json::Value) -> reqwest::Response {
    s.http
        .put(s.url("/api/demo"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn orders(s: &TestServer) -> Vec<Order> {
    s.http
        .get(s.url("/api/orders"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_demo_driver_makes_the_same_orders_for_the_same_seed() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let s = TestServer::start().await;
        let res = put_demo(&s, json!({"running": true, "seed": 42, "speed": 100})).await;
        assert_eq!(res.status(), 200);
        let status: DemoStatus = res.json().await.unwrap();
        assert!(status.running);
        assert_eq!((status.seed, status.speed), (42, 100.0));
        demo_orders(&s, 3).await;
        let stopped: DemoStatus = put_demo(&s, json!({"running": false}))
            .await
            .json()
            .await
            .unwrap();
        assert!(!stopped.running);
        let made: Vec<_> = orders(&s)
            .await
            .into_iter()
            .take(3)
            .map(|o| (o.customer, o.channel, o.items, o.note))
            .collect();
        assert_eq!(made.len(), 3);
        runs.push(made);
        s.stop().await;
    }
    assert_eq!(runs[0], runs[1], "same seed, same orders");
}

#[tokio::test]
async fn the_demo_driver_refuses_bad_settings_and_needs_staff() {
    let s = TestServer::start().await;
    for (body, status, code) in [
        (
            json!({"running": true, "speed": 0}),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            json!({"running": true, "speed": 1000}),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            json!({"running": true, "seed": -1}),
            422,
            ErrorCode::InvalidBody,
        ),
        (json!({"running": "yes"}), 422, ErrorCode::InvalidBody),
        (
            json!({"running": true, "extra": 1}),
            422,
            ErrorCode::InvalidBody,
        ),
    ] {
        let res = put_demo(&s, body.clone()).await;
        assert_eq!(res.status(), status, "{body}");
        let err: orderboard_model::ApiErrorBody = res.json().await.unwrap();
        assert_eq!(err.error.code, code, "{body}");
    }
    let status: DemoStatus = s
        .http
        .get(s.url("/api/demo"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!status.running, "nothing started by bad requests");
    s.stop().await;

    let mut settings = test_settings();
    settings.auth.staff_passphrase = Some("correct horse".into());
    let s = TestServer::start_with_settings(settings).await;
    assert_eq!(put_demo(&s, json!({"running": true})).await.status(), 401);
    assert_eq!(
        s.http
            .get(s.url("/api/demo"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let start = s
        .http
        .post(s.url("/api/workshop/comparison"))
        .json(&json!({"clients_per_transport": 1, "poll_interval_ms": 1000}))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 401);
    s.stop().await;
}

#[tokio::test]
async fn the_workshop_stream_sends_the_comparison_and_the_drill_then_a_sample_every_second() {
    let s = TestServer::start().await;
    let mut events = SseClient::connect(&s.url("/api/workshop/events"), None).await;
    assert_eq!(events.status, 200);
    let first = events.next().await.unwrap();
    assert_eq!(first.event, "comparison");
    let state: ComparisonState = serde_json::from_str(&first.data).unwrap();
    assert_eq!(state.phase, ComparisonPhase::Idle);
    let drill = events.next().await.unwrap();
    assert_eq!(drill.event, "drill");
    let drill: orderboard_model::DrillState = serde_json::from_str(&drill.data).unwrap();
    assert_eq!(drill.phase, orderboard_model::DrillPhase::Idle);

    // Traffic between two samples shows in the second one's rates.
    let order = s.create(None, orderboard_model::Channel::Pickup).await;
    let sample = events.next().await.unwrap();
    assert_eq!(sample.event, "sample");
    for _ in 0..5 {
        s.http
            .get(s.url(&format!("/api/track/{}", order.tracking_token)))
            .send()
            .await
            .unwrap();
    }
    let sample = events.next().await.unwrap();
    let sample: WorkshopSample = serde_json::from_str(&sample.data).unwrap();
    let transports: Vec<_> = sample.transports.iter().map(|r| r.transport).collect();
    assert_eq!(transports, Transport::ALL.to_vec());
    let poll = &sample.transports[0];
    assert!(
        poll.requests_per_sec > 0.0 && poll.bytes_sent_per_sec > 0.0,
        "{poll:?}"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_comparison_runs_every_transport_and_reports_complete_deliveries() {
    // A low cap on streams per address: the comparison's customers must come
    // from several loopback addresses to stay within it.
    let mut settings = test_settings();
    settings.limits.max_streams_per_client = 6;
    let s = TestServer::start_with_settings(settings).await;
    let post = |body: serde_json::Value| {
        s.http
            .post(s.url("/api/workshop/comparison"))
            .json(&body)
            .send()
    };

    for bad in [
        json!({"clients_per_transport": 0, "poll_interval_ms": 1000}),
        json!({"clients_per_transport": 5, "poll_interval_ms": 10}),
        json!({"clients_per_transport": 5, "poll_interval_ms": 1000, "transports": []}),
        json!({"clients_per_transport": 5, "poll_interval_ms": 1000, "transports": ["smoke"]}),
        json!({"clients_per_transport": 5, "poll_interval_ms": 1000, "duration_secs": 100000}),
        json!({"clients_per_transport": 5, "poll_interval_ms": 1000, "db_poll_interval_ms": 10}),
    ] {
        let res = post(bad.clone()).await.unwrap();
        assert_eq!(res.status(), 422, "{bad}");
    }

    let res =
        post(json!({"clients_per_transport": 5, "poll_interval_ms": 500, "db_poll_interval_ms": 500, "duration_secs": 4}))
            .await
            .unwrap();
    assert_eq!(res.status(), 202);
    let again = post(json!({"clients_per_transport": 5, "poll_interval_ms": 500}))
        .await
        .unwrap();
    assert_eq!(again.status(), 409, "one comparison at a time");
    let err: orderboard_model::ApiErrorBody = again.json().await.unwrap();
    assert_eq!(err.error.code, ErrorCode::AlreadyRunning);

    let finished = async {
        loop {
            let state: ComparisonState = s
                .http
                .get(s.url("/api/workshop/comparison"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            match state.phase {
                ComparisonPhase::Finished | ComparisonPhase::Failed => return state,
                _ => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    };
    let state = tokio::time::timeout(Duration::from_secs(60), finished)
        .await
        .expect("the comparison ends");
    assert_eq!(state.phase, ComparisonPhase::Finished, "{:?}", state.error);
    let report = state.report.expect("a report");
    assert!(report.changes_made > 0, "{report:?}");
    assert_eq!(report.transports.len(), Transport::ALL.len());
    for row in &report.transports {
        assert_eq!(row.clients, 5, "{row:?}");
        assert!(row.requests > 0, "{row:?}");
        assert_eq!(row.errors, 0, "{row:?}");
        if row.transport.is_push() {
            assert!(row.complete() && row.updates_seen > 0, "{row:?}");
        } else {
            assert!(row.updates_seen <= row.updates_expected, "{row:?}");
        }
        assert!(row.db_queries.is_some(), "{row:?}");
    }
    // The database-polling lane queried the database as time passed; the
    // pub/sub lanes only when their streams opened.
    let row = |t| report.transports.iter().find(|r| r.transport == t).unwrap();
    let db_poll = row(Transport::SseDbPoll);
    assert!(
        db_poll.db_queries.unwrap() > db_poll.requests,
        "{db_poll:?}"
    );
    for t in [Transport::Sse, Transport::Ws] {
        let r = row(t);
        assert!(r.db_queries.unwrap() <= 4 * r.requests, "{r:?}");
    }
    s.stop().await;
}
