//! `/api/track/events?tokens=…`: several orders on one stream, each event
//! naming its order, resumable, and ending only when every order is final.

use crate::support::{SseClient, TestServer};
use orderboard_model::{
    ApiErrorBody, Channel, ErrorCode, Order, Stage, TracksEvent, TracksSnapshot, MAX_TRACKED_ORDERS,
};

fn tracks_url(s: &TestServer, orders: &[&Order]) -> String {
    let tokens: Vec<&str> = orders.iter().map(|o| o.tracking_token.as_str()).collect();
    s.url(&format!("/api/track/events?tokens={}", tokens.join(",")))
}

/// The next `n` events, as (token, stage), all of them `order` events.
async fn changes(sse: &mut SseClient, n: usize) -> Vec<(u64, String, Stage)> {
    let mut seen = Vec::new();
    for _ in 0..n {
        let (id, e): (u64, TracksEvent) = sse.expect("order").await;
        assert_eq!(id, e.seq);
        seen.push((id, e.token, e.order.stage));
    }
    seen
}

#[tokio::test]
async fn one_stream_carries_several_orders_each_named_by_its_token() {
    let s = TestServer::start().await;
    let a = s.create(Some("Ada Lovelace"), Channel::Pickup).await;
    let b = s.create(Some("Grace Hopper"), Channel::Delivery).await;
    let c = s.create(None, Channel::Pickup).await;
    let other = s.create(Some("Edsger Dijkstra"), Channel::Pickup).await;
    s.move_to(b.id, Stage::Preparing).await;
    let mut sse = SseClient::connect(&tracks_url(&s, &[&a, &b, &c]), None).await;
    assert_eq!(sse.status, 200);
    let e = sse.next().await.unwrap();
    assert_eq!(e.event, "snapshot");
    for private in [
        "no onions",
        "Lovelace",
        "Hopper",
        &a.id.to_string(),
        &other.tracking_token,
    ] {
        assert!(!e.data.contains(private), "the snapshot leaks {private:?}");
    }
    let snap: TracksSnapshot = serde_json::from_str(&e.data).unwrap();
    assert_eq!(e.id, snap.as_of.to_string());
    let got: Vec<(&str, u32, Stage)> = snap
        .orders
        .iter()
        .map(|o| (o.token.as_str(), o.order.number, o.order.stage))
        .collect();
    assert_eq!(
        got,
        vec![
            (a.tracking_token.as_str(), a.number, Stage::Received),
            (b.tracking_token.as_str(), b.number, Stage::Preparing),
            (c.tracking_token.as_str(), c.number, Stage::Received),
        ]
    );
    assert_eq!(s.health().await.open_streams.track, 1);

    s.move_to(other.id, Stage::Preparing).await;
    s.move_to(c.id, Stage::Preparing).await;
    s.move_to(a.id, Stage::Preparing).await;
    s.move_to(other.id, Stage::Ready).await;
    s.move_to(b.id, Stage::Ready).await;
    let got = changes(&mut sse, 3).await;
    let routed: Vec<(&str, Stage)> = got.iter().map(|(_, t, st)| (t.as_str(), *st)).collect();
    assert_eq!(
        routed,
        vec![
            (c.tracking_token.as_str(), Stage::Preparing),
            (a.tracking_token.as_str(), Stage::Preparing),
            (b.tracking_token.as_str(), Stage::Ready),
        ],
        "only the followed orders, in commit order"
    );
    assert!(got.windows(2).all(|w| w[0].0 < w[1].0), "ids ascend");
    s.stop().await;
}

#[tokio::test]
async fn a_resumed_stream_replays_exactly_the_followed_changes_after_the_id() {
    let s = TestServer::start().await;
    let a = s.create(None, Channel::Pickup).await;
    let b = s.create(None, Channel::Pickup).await;
    let other = s.create(None, Channel::Pickup).await;
    let url = tracks_url(&s, &[&a, &b]);
    let mut sse = SseClient::connect(&url, None).await;
    let (_, _): (u64, TracksSnapshot) = sse.expect("snapshot").await;
    s.move_to(a.id, Stage::Preparing).await;
    let first = changes(&mut sse, 1).await;
    let seen = sse.last_id.clone().unwrap();
    drop(sse);

    s.move_to(b.id, Stage::Preparing).await;
    s.move_to(other.id, Stage::Preparing).await;
    s.move_to(a.id, Stage::Ready).await;
    s.move_to(b.id, Stage::Ready).await;
    let mut sse = SseClient::connect(&url, Some(&seen)).await;
    let replayed = changes(&mut sse, 3).await;
    s.move_to(a.id, Stage::Collected).await;
    let live = changes(&mut sse, 1).await;
    let all: Vec<(&str, Stage)> = replayed
        .iter()
        .chain(&live)
        .map(|(_, t, st)| (t.as_str(), *st))
        .collect();
    assert_eq!(
        all,
        vec![
            (b.tracking_token.as_str(), Stage::Preparing),
            (a.tracking_token.as_str(), Stage::Ready),
            (b.tracking_token.as_str(), Stage::Ready),
            (a.tracking_token.as_str(), Stage::Collected),
        ],
        "no gap, no duplicate, nothing of other orders"
    );
    assert!(replayed[0].0 > first[0].0, "nothing at or before the id");

    // An id that is not one of ours earns a reset: every order's state again.
    let mut lost = SseClient::connect(&url, Some("not-an-id")).await;
    let (id, reset): (u64, TracksSnapshot) = lost.expect("reset").await;
    assert_eq!(id, reset.as_of);
    let stages: Vec<Stage> = reset.orders.iter().map(|o| o.order.stage).collect();
    assert_eq!(stages, vec![Stage::Collected, Stage::Ready]);
    assert!(replayed
        .iter()
        .chain(&live)
        .collect::<Vec<_>>()
        .windows(2)
        .all(|w| w[0].0 < w[1].0));
    s.stop().await;
}

#[tokio::test]
async fn one_order_finishing_leaves_the_others_live_and_the_last_one_ends_the_stream() {
    let s = TestServer::start().await;
    let a = s.create(None, Channel::Pickup).await;
    let b = s.create(None, Channel::Pickup).await;
    let url = tracks_url(&s, &[&a, &b]);
    let mut sse = SseClient::connect(&url, None).await;
    let (_, _): (u64, TracksSnapshot) = sse.expect("snapshot").await;
    s.move_to(a.id, Stage::Cancelled).await;
    s.move_to(b.id, Stage::Preparing).await;
    s.move_to(b.id, Stage::Ready).await;
    let got = changes(&mut sse, 3).await;
    assert_eq!(got[0].2, Stage::Cancelled);
    assert_eq!(got[2].1, b.tracking_token);
    // A client that resumes now, with `a` already final, follows `b` still.
    let mut resumed = SseClient::connect(&url, Some(&got[0].0.to_string())).await;
    assert_eq!(resumed.status, 200);
    let again = changes(&mut resumed, 2).await;
    assert_eq!(again, got[1..].to_vec());

    s.move_to(b.id, Stage::Collected).await;
    let last = changes(&mut sse, 1).await;
    assert_eq!(last[0].2, Stage::Collected);
    sse.expect_end().await;
    assert_eq!(changes(&mut resumed, 1).await, last);
    resumed.expect_end().await;

    // Every order final and seen: 204. A fresh visit gets the final states, then the end.
    let done = SseClient::connect(&url, sse.last_id.as_deref()).await;
    assert_eq!(done.status, 204);
    let mut fresh = SseClient::connect(&url, None).await;
    let (_, snap): (u64, TracksSnapshot) = fresh.expect("snapshot").await;
    let stages: Vec<Stage> = snap.orders.iter().map(|o| o.order.stage).collect();
    assert_eq!(stages, vec![Stage::Cancelled, Stage::Collected]);
    fresh.expect_end().await;
    s.wait_for_no_open_streams().await;
    s.stop().await;
}

#[tokio::test]
async fn bad_token_lists_get_a_clear_4xx() {
    let s = TestServer::start().await;
    let a = s.create(None, Channel::Pickup).await;
    let t = a.tracking_token.as_str();
    let unknown = "AAAAAAAAAAAAAAAAAAAAAAAA";
    let many = vec![t; MAX_TRACKED_ORDERS + 1].join(",");
    let cases: Vec<(String, u16, ErrorCode)> = vec![
        ("".into(), 400, ErrorCode::BadRequest),
        ("?tokens=".into(), 400, ErrorCode::BadRequest),
        (format!("?tokens={t},,{t}"), 400, ErrorCode::BadRequest),
        (format!("?tokens={t},{t}"), 400, ErrorCode::BadRequest),
        (format!("?tokens={t},no%20such"), 400, ErrorCode::BadRequest),
        (
            format!("?tokens={t},%3Cscript%3E"),
            400,
            ErrorCode::BadRequest,
        ),
        (format!("?tokens={many}"), 422, ErrorCode::ValidationFailed),
        (format!("?tokens={t},{unknown}"), 404, ErrorCode::NotFound),
    ];
    for (query, status, code) in cases {
        let res = s
            .http
            .get(s.url(&format!("/api/track/events{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "{query}");
        let body: ApiErrorBody = res.json().await.unwrap();
        assert_eq!(body.error.code, code, "{query}");
        if status == 404 {
            assert!(
                body.error.message.contains(unknown),
                "{}",
                body.error.message
            );
            assert!(!body.error.message.contains(t), "names only the unknown");
        }
    }
    assert_eq!(s.health().await.open_streams.total, 0);
    s.stop().await;
}
