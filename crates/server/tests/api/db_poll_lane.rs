//! The workshop's fifth lane, SSE over database polling
//! (`/api/workshop/sse-db-poll/{token}`): it queries the database for each
//! open stream every interval, while the pub/sub lanes make no query while
//! their streams are open; what it sends, when it ends, and what it refuses.

use crate::support::{SseClient, TestServer, PATIENCE};
use futures_util::StreamExt;
use orderboard_model::{
    ApiErrorBody, Channel, ErrorCode, Stage, TrackedOrder, Transport, TransportCountsReport,
};
use std::time::{Duration, Instant};

/// The interval the tests ask for: the shortest the server accepts.
const INTERVAL: Duration = Duration::from_millis(500);

async fn counts(s: &TestServer) -> TransportCountsReport {
    s.http
        .get(s.url("/api/workshop/counts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn queries(c: &TransportCountsReport, t: Transport) -> u64 {
    c.get(t).expect("every transport is counted").db_queries
}

fn db_poll_url(s: &TestServer, token: &str, interval_ms: u64) -> String {
    s.url(&format!(
        "/api/workshop/sse-db-poll/{token}?interval_ms={interval_ms}"
    ))
}

/// Opens a database-polling stream and reads its first `order`.
async fn open_db_poll(s: &TestServer, token: &str) -> (SseClient, TrackedOrder) {
    open_db_poll_every(s, token, INTERVAL).await
}

async fn open_db_poll_every(
    s: &TestServer,
    token: &str,
    interval: Duration,
) -> (SseClient, TrackedOrder) {
    let mut sse =
        SseClient::connect(&db_poll_url(s, token, interval.as_millis() as u64), None).await;
    assert_eq!(sse.status, 200);
    assert_eq!(
        sse.headers["content-type"], "text/event-stream",
        "{:?}",
        sse.headers
    );
    let first = sse.next().await.expect("the order first");
    assert_eq!(first.event, "order");
    assert!(first.id.is_empty(), "no id: it cannot resume");
    (sse, serde_json::from_str(&first.data).unwrap())
}

#[tokio::test]
async fn database_polling_queries_per_stream_per_interval_and_pub_sub_lanes_none() {
    let s = TestServer::start().await;
    let order = s.create(Some("Ada Lovelace"), Channel::Pickup).await;
    let token = order.tracking_token.clone();

    // One real SSE stream and one real WebSocket, held open throughout.
    let mut sse = SseClient::connect(&s.url(&format!("/api/track/{token}/events")), None).await;
    assert_eq!(sse.next().await.unwrap().event, "snapshot");
    let ws_url = s
        .url(&format!("/api/track/{token}/ws"))
        .replacen("http://", "ws://", 1);
    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url).await.unwrap();
    tokio::time::timeout(PATIENCE, socket.next())
        .await
        .expect("the snapshot arrives")
        .unwrap()
        .unwrap();

    // One database-polling stream, then four: the queries grow with both.
    let mut streams = vec![open_db_poll(&s, &token).await.0];
    let per_client = |from: &TransportCountsReport, to: &TransportCountsReport, n: u64| {
        (queries(to, Transport::SseDbPoll) - queries(from, Transport::SseDbPoll)) as f64 / n as f64
    };
    let wait_for_queries = |n: u64| {
        let s = &s;
        async move {
            let start = counts(s).await;
            let began = Instant::now();
            tokio::time::timeout(PATIENCE * 2, async {
                loop {
                    let now = counts(s).await;
                    if queries(&now, Transport::SseDbPoll)
                        >= queries(&start, Transport::SseDbPoll) + n
                    {
                        return (start, now, began.elapsed());
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
            .await
            .expect("the streams query the database")
        }
    };
    let (a0, a1, one_elapsed) = wait_for_queries(3).await;
    for _ in 0..3 {
        streams.push(open_db_poll(&s, &token).await.0);
    }
    let (b0, b1, four_elapsed) = wait_for_queries(4 * 3).await;

    // Never faster than its interval: each stream's queries are bounded by
    // the time it had (plus the one under way).
    let most = |elapsed: Duration| elapsed.as_secs_f64() / INTERVAL.as_secs_f64() + 1.0;
    assert!(
        per_client(&a0, &a1, 1) <= most(one_elapsed),
        "{a0:?} {a1:?}"
    );
    assert!(
        per_client(&b0, &b1, 4) <= most(four_elapsed) + 1.0,
        "{b0:?} {b1:?}"
    );
    println!(
        "sse_db_poll: 1 stream made {} queries in {:.2} s; 4 streams made {} in {:.2} s (interval {} ms)",
        queries(&a1, Transport::SseDbPoll) - queries(&a0, Transport::SseDbPoll),
        one_elapsed.as_secs_f64(),
        queries(&b1, Transport::SseDbPoll) - queries(&b0, Transport::SseDbPoll),
        four_elapsed.as_secs_f64(),
        INTERVAL.as_millis()
    );

    // Meanwhile, the open SSE stream and socket made no query at all.
    for t in [Transport::Sse, Transport::Ws] {
        assert_eq!(queries(&a0, t), queries(&b1, t), "{t} queried while open");
    }
    // Nor did anything that delivered a change over them.
    let before = counts(&s).await;
    s.move_to(order.id, Stage::Preparing).await;
    let (_, event): (u64, serde_json::Value) = sse.expect("order").await;
    assert_eq!(event["order"]["stage"], "preparing");
    let after = counts(&s).await;
    for t in [Transport::Sse, Transport::Ws] {
        assert_eq!(
            queries(&before, t),
            queries(&after, t),
            "{t} queried for a change"
        );
    }
    // Closed streams stop querying: the server sees the clients go.
    drop(streams);
    let closed = tokio::time::timeout(PATIENCE, async {
        loop {
            let now = counts(&s).await;
            if now.get(Transport::SseDbPoll).unwrap().open_connections == 0 {
                return now;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("closed streams end on the server");
    tokio::time::sleep(INTERVAL * 3).await;
    assert_eq!(
        queries(&closed, Transport::SseDbPoll),
        queries(&counts(&s).await, Transport::SseDbPoll),
        "no query for a stream nobody reads"
    );
    drop(socket);
    s.stop().await;
}

#[tokio::test]
async fn database_polling_sends_what_changed_at_its_next_look_and_ends_after_the_final_stage() {
    let s = TestServer::start().await;
    let order = s.create(Some("Grace Hopper"), Channel::Pickup).await;
    let interval = Duration::from_secs(2);
    let opened = Instant::now();
    let (mut sse, first) = open_db_poll_every(&s, &order.tracking_token, interval).await;
    assert_eq!((first.stage, first.version), (Stage::Received, 1));

    // Two changes made before the stream's next look: it sees only the second.
    s.move_to(order.id, Stage::Preparing).await;
    s.move_to(order.id, Stage::Ready).await;
    let both_made_before_a_look = opened.elapsed() < interval;
    let next: TrackedOrder = serde_json::from_str(&sse.next().await.unwrap().data).unwrap();
    if both_made_before_a_look {
        assert_eq!(
            (next.stage, next.version),
            (Stage::Ready, 3),
            "version 2 was never sent"
        );
    } else {
        assert!(next.version >= 2, "{next:?}");
    }

    s.move_to(order.id, Stage::Collected).await;
    let last: TrackedOrder = serde_json::from_str(&sse.next().await.unwrap().data).unwrap();
    assert_eq!(last.stage, Stage::Collected);
    sse.expect_end().await;

    let c = counts(&s).await;
    let lane = c.get(Transport::SseDbPoll).unwrap();
    assert_eq!(lane.requests, 1);
    assert!(lane.updates_delivered >= 2, "{lane:?}");
    // One query to open, one per look, and a look for each change sent.
    assert!(lane.db_queries > lane.updates_delivered, "{lane:?}");
    assert!(lane.bytes_sent > 0, "{lane:?}");
    s.stop().await;
}

#[tokio::test]
async fn database_polling_refuses_bad_intervals_and_unknown_tokens() {
    let s = TestServer::start().await;
    let order = s.create(None, Channel::Pickup).await;
    for (url, status, code) in [
        (
            db_poll_url(&s, &order.tracking_token, 10),
            400,
            ErrorCode::BadRequest,
        ),
        (
            db_poll_url(&s, &order.tracking_token, 600_000),
            400,
            ErrorCode::BadRequest,
        ),
        (
            s.url(&format!(
                "/api/workshop/sse-db-poll/{}?interval_ms=soon",
                order.tracking_token
            )),
            400,
            ErrorCode::BadRequest,
        ),
        (
            db_poll_url(&s, "no-such-token", 3000),
            404,
            ErrorCode::NotFound,
        ),
    ] {
        let res = s.http.get(&url).send().await.unwrap();
        assert_eq!(res.status(), status, "{url}");
        let body: ApiErrorBody = res.json().await.unwrap();
        assert_eq!(body.error.code, code, "{url}");
    }
    let c = counts(&s).await;
    assert_eq!(c.get(Transport::SseDbPoll).unwrap().open_connections, 0);
    s.stop().await;
}
