//! Outbound webhooks against real HTTP receivers on loopback that verify
//! the Standard Webhooks signature of every message: delivery in order with
//! retries under one id, every attempt listed, bad registrations refused,
//! a dead or hanging endpoint disabled while the others and the order flow
//! go on, and a server killed with `kill -9` while deliveries are pending.

use crate::support::{on_postgres, test_settings, TestServer, PATIENCE};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use orderboard_model::{Channel, CreatedWebhook, Stage, WebhookAttempt, WebhookInfo};
use orderboard_server::webhooks::WebhookSettings;
use orderboard_server::StreamSettings;
use sha2::Sha256;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a receiver does with a request.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// 204 to every message.
    Take,
    /// 500 to every `n`th request, 204 to the others.
    FailEvery(u64),
    /// 500 to everything.
    Fail,
}

/// One request a receiver got.
#[derive(Debug, Clone)]
struct Received {
    msg_id: String,
    seq: u64,
    event_type: String,
    signature_ok: bool,
    answered: u16,
}

struct ReceiverState {
    secret: Mutex<Option<String>>,
    mode: Mutex<Mode>,
    delay: Duration,
    log: Mutex<Vec<Received>>,
}

/// A real HTTP endpoint on loopback, outliving any server under test.
struct Receiver {
    url: String,
    state: Arc<ReceiverState>,
}

impl Receiver {
    async fn start(mode: Mode, delay: Duration) -> Receiver {
        let state = Arc::new(ReceiverState {
            secret: Mutex::new(None),
            mode: Mutex::new(mode),
            delay,
            log: Mutex::default(),
        });
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, state }
    }

    fn trust(&self, secret: &str) {
        *self.state.secret.lock().unwrap() = Some(secret.to_string());
    }

    fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = mode;
    }

    fn log(&self) -> Vec<Received> {
        self.state.log.lock().unwrap().clone()
    }

    /// The messages taken (answered 2xx), in the order they came.
    fn taken(&self) -> Vec<Received> {
        self.log()
            .into_iter()
            .filter(|r| (200..300).contains(&r.answered))
            .collect()
    }
}

/// Checks a message the way a Standard Webhooks receiver does: HMAC-SHA256
/// of `{id}.{timestamp}.{body}` with the secret's key, among the
/// space-separated `v1,` signatures.
fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(id), Some(ts), Some(sigs)) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    ) else {
        return false;
    };
    let Ok(key) = STANDARD.decode(secret.trim_start_matches("whsec_")) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    // The timestamp is recent (the specification's tolerance is 5 minutes).
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let fresh = ts.parse::<i64>().is_ok_and(|t| (now - t).abs() < 300);
    fresh && sigs.split(' ').any(|s| s == expected)
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if !state.delay.is_zero() {
        tokio::time::sleep(state.delay).await;
    }
    let secret = state.secret.lock().unwrap().clone().unwrap_or_default();
    let signature_ok = verify(&secret, &headers, &body);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let msg_id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut log = state.log.lock().unwrap();
    let n = log.len() as u64 + 1;
    let answered = match (signature_ok, *state.mode.lock().unwrap()) {
        (false, _) => 401,
        (true, Mode::Take) => 204,
        (true, Mode::FailEvery(every)) if n.is_multiple_of(every) => 500,
        (true, Mode::FailEvery(_)) => 204,
        (true, Mode::Fail) => 500,
    };
    log.push(Received {
        msg_id,
        seq: json["data"]["seq"].as_u64().unwrap_or(0),
        event_type: json["type"].as_str().unwrap_or_default().to_string(),
        signature_ok,
        answered,
    });
    StatusCode::from_u16(answered).unwrap()
}

fn quick(disable_after: Duration, timeout: Duration) -> StreamSettings {
    StreamSettings {
        webhooks: WebhookSettings {
            retry_delays: vec![Duration::from_millis(20), Duration::from_millis(50)],
            disable_after,
            timeout,
            max_endpoints: 4,
        },
        ..test_settings()
    }
}

async fn register(s: &TestServer, url: &str, events: &[&str]) -> CreatedWebhook {
    let res = s
        .http
        .post(s.url("/api/webhooks"))
        .json(&serde_json::json!({ "url": url, "events": events }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    res.json().await.unwrap()
}

async fn endpoints(s: &TestServer) -> Vec<WebhookInfo> {
    let res = s.http.get(s.url("/api/webhooks")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Waits until `done` holds, or fails the test after [`PATIENCE`].
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !done() {
        assert!(started.elapsed() < PATIENCE, "waited too long for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

const ALL: [&str; 3] = ["order.created", "order.stage_changed", "order.cancelled"];

#[tokio::test]
async fn messages_are_signed_retried_under_one_id_in_order_and_listed() {
    let s = TestServer::start_with_settings(quick(Duration::from_secs(60), Duration::from_secs(5)))
        .await;
    let hook = Receiver::start(Mode::FailEvery(3), Duration::ZERO).await;
    let created = register(&s, &hook.url, &ALL).await;
    hook.trust(&created.secret);
    assert!(created.secret.starts_with("whsec_"));
    // The secret is shown once: the list never carries it.
    let listed = s.http.get(s.url("/api/webhooks")).send().await.unwrap();
    assert!(!listed.text().await.unwrap().contains(&created.secret));

    let mut expected = Vec::new();
    for i in 0..6 {
        let order = s.create(None, Channel::Pickup).await;
        expected.push("order.created");
        s.move_to(order.id, Stage::Preparing).await;
        expected.push("order.stage_changed");
        if i % 2 == 0 {
            s.move_to(order.id, Stage::Cancelled).await;
            expected.push("order.cancelled");
        }
    }
    let first = created.info.delivered_through + 1;
    let last = first + expected.len() as u64 - 1;
    until("every message taken", || {
        hook.taken().last().is_some_and(|r| r.seq == last)
    })
    .await;

    // The cursor moves once the last answer is written down.
    let started = std::time::Instant::now();
    while endpoints(&s).await[0].delivered_through != last {
        assert!(
            started.elapsed() < PATIENCE,
            "the cursor did not reach the last message"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let log = hook.log();
    assert!(log.iter().all(|r| r.signature_ok), "{log:?}");
    assert!(log.iter().all(|r| r.msg_id == format!("msg_{}", r.seq)));
    let taken: Vec<u64> = hook.taken().iter().map(|r| r.seq).collect();
    assert_eq!(
        taken,
        (first..=last).collect::<Vec<_>>(),
        "each once, in order"
    );
    let types: Vec<String> = hook.taken().iter().map(|r| r.event_type.clone()).collect();
    assert_eq!(types, expected);
    // Every failed message was retried under its id right after.
    let failed: Vec<&Received> = log.iter().filter(|r| r.answered == 500).collect();
    assert!(!failed.is_empty());
    for (i, r) in log.iter().enumerate() {
        if r.answered == 500 {
            assert_eq!(log[i + 1].msg_id, r.msg_id, "{log:?}");
        }
    }

    let res = s
        .http
        .get(s.url(&format!("/api/webhooks/{}/deliveries", created.info.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let attempts: Vec<WebhookAttempt> = res.json().await.unwrap();
    assert_eq!(attempts.len(), log.len(), "every attempt is listed");
    let retried = attempts
        .iter()
        .find(|a| a.status == Some(500))
        .expect("a failed attempt is listed");
    assert!(!retried.delivered);
    assert!(attempts
        .iter()
        .any(|a| a.msg_id == retried.msg_id && a.attempt == retried.attempt + 1 && a.delivered));
    let info = &endpoints(&s).await[0];
    assert_eq!(info.delivered_through, last);
    assert_eq!(info.failing_since, None);
    assert_eq!(info.disabled_at, None);
    println!(
        "webhooks: {} changes, {} attempts, {} refused on purpose, {} taken",
        expected.len(),
        log.len(),
        failed.len(),
        taken.len()
    );
    s.stop().await;
}

#[tokio::test]
async fn bad_registrations_get_a_4xx_and_store_nothing() {
    let s = TestServer::start_with_settings(quick(Duration::from_secs(60), Duration::from_secs(5)))
        .await;
    let post = |body: String| {
        s.http
            .post(s.url("/api/webhooks"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let cases = [
        (
            r#"{"url": "ftp://example.com/x", "events": ["order.created"]}"#.to_string(),
            422,
            "url",
        ),
        (
            r#"{"url": "example.com/x", "events": ["order.created"]}"#.into(),
            422,
            "url",
        ),
        (
            r#"{"url": "http://", "events": ["order.created"]}"#.into(),
            422,
            "url",
        ),
        (
            r#"{"url": "http://user:pw@example.com/", "events": ["order.created"]}"#.into(),
            422,
            "url",
        ),
        (
            r#"{"url": "http://example.com/", "events": []}"#.into(),
            422,
            "events",
        ),
        (
            r#"{"url": "http://example.com/", "events": ["order.eaten"]}"#.into(),
            422,
            "",
        ),
        (
            r#"{"url": "http://example.com/", "events": ["order.created"], "secret": "x"}"#.into(),
            422,
            "",
        ),
        (r#"{"url": "http://example.com/""#.into(), 400, ""),
        (
            format!(
                r#"{{"url": "http://example.com/{}", "events": ["order.created"]}}"#,
                "a".repeat(3000)
            ),
            422,
            "url",
        ),
        (
            format!(
                r#"{{"url": "http://example.com/", "events": ["{}"]}}"#,
                "x".repeat(70_000)
            ),
            413,
            "",
        ),
    ];
    for (body, status, field) in cases {
        let res = post(body.clone()).await.unwrap();
        assert_eq!(
            res.status().as_u16(),
            status,
            "{}",
            &body[..body.len().min(120)]
        );
        let error: serde_json::Value = res.json().await.unwrap();
        assert!(error["error"]["code"].is_string(), "{error}");
        if !field.is_empty() {
            assert_eq!(error["error"]["field"], field, "{error}");
        }
    }
    assert!(endpoints(&s).await.is_empty(), "nothing was stored");

    // A key cannot see or make endpoints; unknown ids are 404.
    let key = s.make_key("Till", &["orders:read", "orders:write"]).await;
    let res = s
        .http
        .get(s.url("/api/webhooks"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    for (method, path) in [
        (reqwest::Method::GET, "/api/webhooks/wh_none/deliveries"),
        (reqwest::Method::DELETE, "/api/webhooks/wh_none"),
    ] {
        let res = s.http.request(method, s.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 404);
    }

    // At most `max_endpoints` (4 here).
    for _ in 0..4 {
        register(&s, "http://127.0.0.1:9/hook", &["order.created"]).await;
    }
    let res = post(r#"{"url": "http://127.0.0.1:9/hook", "events": ["order.created"]}"#.into())
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(endpoints(&s).await.len(), 4);
    let gone = endpoints(&s).await[0].id.clone();
    let res = s
        .http
        .delete(s.url(&format!("/api/webhooks/{gone}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(endpoints(&s).await.len(), 3);
    s.stop().await;
}

#[tokio::test]
async fn dead_and_hanging_endpoints_are_disabled_while_the_others_and_orders_go_on() {
    let s = TestServer::start_with_settings(quick(
        Duration::from_millis(800),
        Duration::from_millis(300),
    ))
    .await;
    // Refuses connections: a port that was free a moment ago.
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", l.local_addr().unwrap())
    };
    // Accepts connections and never answers.
    let hanging = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hanging_url = format!("http://{}/hook", hanging.local_addr().unwrap());
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = held.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = hanging.accept().await {
            keep.lock().unwrap().push(socket);
        }
    });
    let good = Receiver::start(Mode::Take, Duration::ZERO).await;
    let failing = Receiver::start(Mode::Fail, Duration::ZERO).await;
    let dead = register(&s, &refused, &ALL).await;
    let hang = register(&s, &hanging_url, &ALL).await;
    let fine = register(&s, &good.url, &ALL).await;
    good.trust(&fine.secret);

    let started = std::time::Instant::now();
    let mut orders = Vec::new();
    for _ in 0..20 {
        orders.push(s.create(None, Channel::Delivery).await);
    }
    let took = started.elapsed();
    let last = fine.info.delivered_through + orders.len() as u64;
    until("the good endpoint took every message", || {
        good.taken().last().is_some_and(|r| r.seq == last)
    })
    .await;
    let mut disabled = Vec::new();
    let started_wait = std::time::Instant::now();
    while disabled.len() < 2 {
        assert!(
            started_wait.elapsed() < PATIENCE,
            "the failing endpoints were not disabled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        disabled = endpoints(&s)
            .await
            .into_iter()
            .filter(|e| e.disabled_at.is_some())
            .collect();
    }
    let ids: BTreeSet<String> = disabled.iter().map(|e| e.id.clone()).collect();
    assert_eq!(
        ids,
        BTreeSet::from([dead.info.id.clone(), hang.info.id.clone()])
    );
    assert!(disabled.iter().all(|e| e.failing_since.is_some()));
    for (id, expect) in [
        (&dead.info.id, "could not connect"),
        (&hang.info.id, "no answer within"),
    ] {
        let attempts: Vec<WebhookAttempt> = s
            .http
            .get(s.url(&format!("/api/webhooks/{id}/deliveries")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(attempts.len() >= 2, "{attempts:?}");
        // Stuck on the first message: never past it, always under its id.
        let first = format!("msg_{}", dead.info.delivered_through + 1);
        assert!(
            attempts.iter().all(|a| a.msg_id == first && !a.delivered),
            "{attempts:?}"
        );
        assert!(
            attempts
                .iter()
                .all(|a| a.error.as_deref().is_some_and(|e| e.contains(expect))),
            "{attempts:?}"
        );
    }
    // An endpoint that answers 500 is disabled too; orders still go on.
    let bad = register(&s, &failing.url, &ALL).await;
    failing.trust(&bad.secret);
    s.create(None, Channel::Pickup).await;
    until("the 500 endpoint was tried", || !failing.log().is_empty()).await;
    let started_wait = std::time::Instant::now();
    loop {
        let e = endpoints(&s).await;
        if e.iter()
            .any(|e| e.id == bad.info.id && e.disabled_at.is_some())
        {
            break;
        }
        assert!(
            started_wait.elapsed() < PATIENCE,
            "the 500 endpoint was not disabled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let tries = failing.log().len();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        failing.log().len(),
        tries,
        "nothing is sent to a disabled endpoint"
    );
    println!(
        "webhooks: 20 orders made in {took:?} beside a refusing and a hanging endpoint; \
         the good endpoint took {} messages; {} connections held open by the hanging one",
        good.taken().len(),
        held.lock().unwrap().len()
    );
    s.stop().await;
}

const BIN: &str = env!("CARGO_BIN_EXE_orderboard-server");
const PASSPHRASE: &str = "webhooks kill nine";

/// The server binary, running; its log is read (and dropped) by a thread.
struct Node {
    child: std::process::Child,
    base: String,
    http: reqwest::Client,
    cookie: String,
}

impl Node {
    /// Starts the binary on a free port with these database arguments, and
    /// signs in as staff.
    async fn start(db: &[String]) -> Node {
        use std::io::{BufRead, BufReader};
        let mut child = std::process::Command::new(BIN)
            .args(["--listen", "127.0.0.1:0", "--staff-passphrase", PASSPHRASE])
            .args([
                "--webhook-retry-ms",
                "20,50,100",
                "--webhook-timeout-secs",
                "2",
            ])
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
                .recv_timeout(PATIENCE)
                .expect("the server logs its address");
            if let Some(i) = line.find("listening on http://") {
                break line[i + "listening on ".len()..].trim().to_string();
            }
        };
        let http = reqwest::Client::new();
        let res = http
            .post(format!("{base}/api/session"))
            .json(&serde_json::json!({ "passphrase": PASSPHRASE }))
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

    async fn post(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Makes an order and moves it to `preparing`: two changes, each
    /// acknowledged (so committed) before this returns.
    async fn two_changes(&self) -> uuid::Uuid {
        let res = self
            .post(
                "/api/orders",
                serde_json::json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1}]}),
            )
            .await;
        assert_eq!(res.status(), 201);
        let order: orderboard_model::Order = res.json().await.unwrap();
        let res = self
            .post(
                &format!("/api/orders/{}/stage", order.id),
                serde_json::json!({"to": "preparing"}),
            )
            .await;
        assert_eq!(res.status(), 200);
        order.id
    }

    /// `kill -9`: no shutdown, no last write.
    fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// A node is never left running, even by a failed test.
impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_with_kill_9_delivers_every_message_after_restart_in_order_under_one_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = match crate::postgres::admin_url() {
        Some(admin) => {
            let name = format!("orderboard_test_webhooks_kill_{}", std::process::id());
            let url = crate::postgres::fresh_database(&admin, &name).await;
            vec!["--database-url".to_string(), url]
        }
        None => vec![
            "--db".to_string(),
            dir.path().join("kill.db").display().to_string(),
        ],
    };
    // Slow, and refusing every fourth request: messages are pending when
    // the server is killed.
    let hook = Receiver::start(Mode::FailEvery(4), Duration::from_millis(30)).await;
    let node = Node::start(&db).await;
    let res = node
        .post(
            "/api/webhooks",
            serde_json::json!({"url": hook.url, "events": ALL}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created: CreatedWebhook = res.json().await.unwrap();
    hook.trust(&created.secret);
    let first = created.info.delivered_through + 1;

    let mut changes = 0u64;
    for _ in 0..20 {
        node.two_changes().await;
        changes += 2;
    }
    let taken_at_kill = hook.taken().len() as u64;
    node.kill_9();
    let pending_at_kill = changes.saturating_sub(taken_at_kill);
    assert!(
        pending_at_kill > 0,
        "deliveries were pending when the server was killed"
    );

    // Restarted on the same database; the endpoint then fails for a while
    // on purpose, and recovers.
    let node = Node::start(&db).await;
    hook.set_mode(Mode::Fail);
    for _ in 0..5 {
        node.two_changes().await;
        changes += 2;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    hook.set_mode(Mode::FailEvery(4));
    let last = first + changes - 1;
    until("every message taken after the restart", || {
        let taken: BTreeSet<u64> = hook.taken().iter().map(|r| r.seq).collect();
        (first..=last).all(|seq| taken.contains(&seq))
    })
    .await;
    node.kill_9();

    let log = hook.log();
    let taken = hook.taken();
    let distinct: BTreeSet<u64> = taken.iter().map(|r| r.seq).collect();
    let lost = (first..=last).filter(|s| !distinct.contains(s)).count();
    let duplicates = taken.len() - distinct.len();
    assert!(log.iter().all(|r| r.signature_ok), "every message verifies");
    assert!(
        log.iter().all(|r| r.msg_id == format!("msg_{}", r.seq)),
        "one id per change, on every attempt"
    );
    assert_eq!(
        distinct,
        (first..=last).collect(),
        "each change, and nothing else"
    );
    assert!(
        taken.windows(2).all(|w| w[0].seq <= w[1].seq),
        "taken in order: {:?}",
        taken.iter().map(|r| r.seq).collect::<Vec<_>>()
    );
    // A duplicate can only be the message in flight at the kill.
    assert!(duplicates <= 1, "{duplicates} duplicates");
    assert_eq!(lost, 0);
    println!(
        "webhooks across kill -9 ({}): changes {changes}, pending at the kill {pending_at_kill}, \
         attempts {}, delivered {}, duplicates by id {duplicates}, lost {lost}",
        if on_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        log.len(),
        distinct.len(),
    );
}

#[tokio::test]
async fn retention_never_prunes_what_an_enabled_endpoint_has_not_taken() {
    use orderboard_server::retention::{prune, Retention};
    let s =
        TestServer::start_with_settings(quick(Duration::from_secs(3600), Duration::from_secs(5)))
            .await;
    let hook = Receiver::start(Mode::Fail, Duration::ZERO).await;
    let created = register(&s, &hook.url, &ALL).await;
    hook.trust(&created.secret);
    for _ in 0..10 {
        s.create(None, Channel::Pickup).await;
    }
    let keep_one = Retention {
        keep_days: 0,
        keep_events: 1,
        ..Retention::default()
    };
    let oldest = |s: &TestServer| {
        let db = s.state.store.database().clone();
        async move {
            let oldest: Option<i64> = crate::on_database!(&db, pool => {
                sqlx::query_scalar("SELECT MIN(seq) FROM events").fetch_one(pool).await.unwrap()
            });
            oldest.unwrap_or(0) as u64
        }
    };
    prune(&s.state.store, &keep_one).await.unwrap();
    let first_wanted = created.info.delivered_through + 1;
    assert!(
        oldest(&s).await <= first_wanted,
        "the failing endpoint's next message is still in the log"
    );
    // Once the endpoint is gone, the log is pruned as usual.
    let res = s
        .http
        .delete(s.url(&format!("/api/webhooks/{}", created.info.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    prune(&s.state.store, &keep_one).await.unwrap();
    assert_eq!(oldest(&s).await, first_wanted + 9);
    s.stop().await;
}

/// Item bumps: `order.item_done` for a bump as done, `order.stage_changed`
/// for a bump that moved the order (to an endpoint that does not want
/// item_done), nothing for an item marked not done again, nor for a
/// settings change.
#[tokio::test]
async fn item_bumps_are_sent_as_item_done_and_moves_as_stage_changed() {
    let s = TestServer::start_with_settings(quick(Duration::from_secs(60), Duration::from_secs(5)))
        .await;
    let items = Receiver::start(Mode::Take, Duration::ZERO).await;
    let stages = Receiver::start(Mode::Take, Duration::ZERO).await;
    let a = register(&s, &items.url, &["order.item_done"]).await;
    items.trust(&a.secret);
    let b = register(&s, &stages.url, &["order.stage_changed"]).await;
    stages.trust(&b.secret);

    let o = s.create(None, Channel::Pickup).await;
    let bump = |index: u16, done: bool| {
        let url = s.url(&format!("/api/orders/{}/items/{index}", o.id));
        let http = s.http.clone();
        async move {
            let res = http
                .post(url)
                .json(&serde_json::json!({ "done": done }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
        }
    };
    bump(0, true).await; // received -> preparing
    bump(0, false).await; // nothing to send
    let res = s
        .http
        .put(s.url("/api/settings"))
        .json(&orderboard_model::Settings::default())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    bump(0, true).await; // no move
    bump(1, true).await; // preparing -> ready
    until("the item messages", || items.taken().len() == 3).await;
    until("the stage messages", || stages.taken().len() == 2).await;
    let types =
        |r: &Receiver| -> Vec<String> { r.taken().into_iter().map(|m| m.event_type).collect() };
    assert_eq!(types(&items), ["order.item_done"; 3]);
    assert_eq!(types(&stages), ["order.stage_changed"; 2]);
    let item_seqs: Vec<u64> = items.taken().iter().map(|m| m.seq).collect();
    let stage_seqs: Vec<u64> = stages.taken().iter().map(|m| m.seq).collect();
    assert_eq!((stage_seqs[0], stage_seqs[1]), (item_seqs[0], item_seqs[2]));
    s.stop().await;
}
