//! Scheduled orders: `due_at` checks, the `scheduled` stage, and the fire
//! loop moving an order into `received` once, at its fire time.

use crate::support::{SseClient, TestServer};
use orderboard_model::{
    ApiErrorBody, BoardSnapshot, ChangeKind, Order, OrderEvent, Settings, StaffSnapshot, Stage,
    Station,
};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn at(offset: time::Duration) -> String {
    (OffsetDateTime::now_utc() + offset)
        .format(&Rfc3339)
        .unwrap()
}

#[tokio::test]
async fn a_due_time_must_be_ahead_and_within_a_week() {
    let s = TestServer::start().await;
    for due in [
        at(-time::Duration::minutes(1)),
        at(time::Duration::days(8)),
        "tomorrow".to_string(),
    ] {
        let res = s
            .http
            .post(s.url("/api/orders"))
            .json(
                &json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1}], "due_at": due}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{due}");
        if due != "tomorrow" {
            let err: ApiErrorBody = res.json().await.unwrap();
            assert_eq!(err.error.field.as_deref(), Some("due_at"));
        }
    }
    // Staff may fire a scheduled order early, or cancel one; never back.
    let o: Order = s
        .create_json(
            json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1}],
                            "due_at": at(time::Duration::days(2))}),
        )
        .await;
    assert_eq!(o.stage, Stage::Scheduled);
    assert_eq!(s.try_move(o.id, Stage::Preparing, None).await.status(), 409);
    let fired = s.move_to(o.id, Stage::Received).await;
    assert_eq!(fired.stage, Stage::Received);
    assert_eq!(s.try_move(o.id, Stage::Scheduled, None).await.status(), 409);
    let c: Order = s
        .create_json(
            json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1}],
                            "due_at": at(time::Duration::days(2))}),
        )
        .await;
    let c = s.move_to(c.id, Stage::Cancelled).await;
    assert_eq!(s.try_move(c.id, Stage::Scheduled, None).await.status(), 409);
    s.stop().await;
}

#[tokio::test]
async fn an_order_fires_once_at_its_due_time_less_its_station_prep_time() {
    let s = TestServer::start().await;
    let settings = Settings {
        stations: vec![Station {
            id: "bar".into(),
            name: "Bar".into(),
            colour: "#0000ff".into(),
            prep_minutes: Some(1),
        }],
        ..Settings::default()
    };
    let res = s
        .http
        .put(s.url("/api/settings"))
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut staff = SseClient::connect(&s.url("/api/events"), None).await;
    let (_, _): (u64, StaffSnapshot) = staff.expect("snapshot").await;
    let mut board = SseClient::connect(&s.url("/api/board/events"), None).await;
    let (_, snap): (u64, BoardSnapshot) = board.expect("snapshot").await;
    assert!(snap.orders.is_empty());

    // Due in a minute and three seconds; the bar takes a minute: fires in ~3 s.
    let o: Order = s
        .create_json(json!({"channel": "pickup", "customer": "Ada",
                            "items": [{"name": "Mojito", "qty": 1, "station": "bar"}],
                            "due_at": at(time::Duration::seconds(63))}))
        .await;
    assert_eq!(o.stage, Stage::Scheduled);
    let (_, created): (u64, OrderEvent) = staff.expect("order").await;
    assert_eq!(created.order.stage, Stage::Scheduled);
    let (_, fired): (u64, OrderEvent) = staff.expect("order").await;
    assert_eq!(
        (fired.change.kind, fired.change.from, fired.change.to),
        (ChangeKind::Advance, Some(Stage::Scheduled), Stage::Received)
    );
    let fired_at = fired.at;
    assert!(
        fired_at >= o.due_at.unwrap() - time::Duration::seconds(61),
        "not before its fire time"
    );
    // Boards meet the order when it enters the kitchen.
    let (_, ev): (u64, orderboard_model::BoardEvent) = board.expect("order").await;
    assert_eq!(
        (ev.order.number, ev.order.stage),
        (o.number, Stage::Received)
    );

    // Exactly once: one advance in the order's history.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let now: Order = s
        .http
        .get(s.url(&format!("/api/orders/{}", o.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(now.version, 2);
    let stages: Vec<Stage> = now.history.iter().map(|h| h.stage).collect();
    assert_eq!(stages, [Stage::Scheduled, Stage::Received]);
    s.stop().await;
}

const BIN: &str = env!("CARGO_BIN_EXE_orderboard-server");
const PASSPHRASE: &str = "scheduled restart";

/// The server binary, running, signed in as staff.
struct Node {
    child: std::process::Child,
    base: String,
    http: reqwest::Client,
    cookie: String,
}

impl Node {
    async fn start(db: &[String]) -> Node {
        use std::io::{BufRead, BufReader};
        let mut child = std::process::Command::new(BIN)
            .args(["--listen", "127.0.0.1:0", "--staff-passphrase", PASSPHRASE])
            .args(db)
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let base = loop {
            let line = rx
                .recv_timeout(crate::support::PATIENCE)
                .expect("the server logs its address");
            if let Some(i) = line.find("listening on http://") {
                break line[i + "listening on ".len()..].trim().to_string();
            }
        };
        let http = reqwest::Client::new();
        let res = http
            .post(format!("{base}/api/session"))
            .json(&json!({ "passphrase": PASSPHRASE }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        let cookie = res.headers()["set-cookie"].to_str().unwrap();
        let cookie = cookie.split(';').next().unwrap().to_string();
        Node {
            child,
            base,
            http,
            cookie,
        }
    }

    fn send(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
    }

    /// The order's events in the log, replayed from its start.
    async fn events_of(&self, id: uuid::Uuid) -> Vec<OrderEvent> {
        let res = self
            .send(reqwest::Method::GET, "/api/events")
            .header("accept", "text/event-stream")
            .header("last-event-id", "0")
            .send()
            .await
            .unwrap();
        let mut sse = SseClient::from_response(res);
        let head: orderboard_model::Health = self
            .send(reqwest::Method::GET, "/api/health")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut out = Vec::new();
        let mut seen = 0;
        while seen < head.head_seq {
            let e = sse.next().await.expect("the log replays");
            seen = e.id.parse().unwrap();
            if e.event == "order" {
                let ev: OrderEvent = serde_json::from_str(&e.data).unwrap();
                if ev.order.id == id {
                    out.push(ev);
                }
            }
        }
        out
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server is killed while an order waits for its fire time, and starts
/// again: the order fires once, after the restart, and a further restart
/// does not fire it again. Counted in the event log.
#[tokio::test]
async fn a_restart_in_the_middle_of_a_schedule_fires_the_order_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = match crate::postgres::admin_url() {
        Some(admin) => {
            let name = format!("orderboard_test_scheduled_{}", std::process::id());
            let url = crate::postgres::fresh_database(&admin, &name).await;
            vec!["--database-url".to_string(), url]
        }
        None => vec![
            "--db".to_string(),
            dir.path().join("scheduled.db").display().to_string(),
        ],
    };
    let node = Node::start(&db).await;
    let settings = Settings {
        stations: vec![Station {
            id: "bar".into(),
            name: "Bar".into(),
            colour: "#0000ff".into(),
            prep_minutes: Some(1),
        }],
        ..Settings::default()
    };
    let res = node
        .send(reqwest::Method::PUT, "/api/settings")
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = node
        .send(reqwest::Method::POST, "/api/orders")
        .json(
            &json!({"channel": "pickup", "items": [{"name": "Mojito", "qty": 1, "station": "bar"}],
                      "due_at": at(time::Duration::seconds(64))}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let order: Order = res.json().await.unwrap();
    assert_eq!(order.stage, Stage::Scheduled);
    drop(node); // killed before its fire time, about 4 s away

    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    let node = Node::start(&db).await;
    let mut fired = None;
    for _ in 0..100 {
        let o: Order = node
            .send(reqwest::Method::GET, &format!("/api/orders/{}", order.id))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if o.stage == Stage::Received {
            fired = Some(o);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let fired = fired.expect("the restarted server fires the overdue order");
    assert_eq!(fired.version, 2);
    drop(node);

    let node = Node::start(&db).await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let events = node.events_of(order.id).await;
    let kinds: Vec<(ChangeKind, Stage)> = events
        .iter()
        .map(|e| (e.change.kind, e.change.to))
        .collect();
    assert_eq!(
        kinds,
        [
            (ChangeKind::Created, Stage::Scheduled),
            (ChangeKind::Advance, Stage::Received)
        ],
        "fired exactly once"
    );
}
