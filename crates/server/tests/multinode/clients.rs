//! Real HTTP clients: staff signing in and making changes, and screens
//! following the board stream the way EventSource does (reconnecting with
//! `Last-Event-ID`), recording every event id they are sent.

use super::cluster::{PASSPHRASE, PATIENCE};
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use orderboard_model::{Channel, NewItem, NewOrder, Order, Stage, StageChangeRequest};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// A signed-in member of staff, with the session cookie.
#[derive(Clone)]
pub struct Staff {
    pub http: reqwest::Client,
    pub cookie: String,
}

/// How a write ended.
#[derive(Debug)]
pub enum Written {
    /// 2xx: the change is acknowledged.
    Acknowledged(Box<Order>),
    /// An answer in the API's error shape.
    Refused(u16, String),
    /// No answer (the node was killed mid-request, or refused the connection).
    NoAnswer,
}

impl Staff {
    /// Signs in through `base` (a node, or the load balancer).
    pub async fn sign_in(base: &str) -> Staff {
        let http = reqwest::Client::builder()
            .timeout(PATIENCE)
            .build()
            .unwrap();
        let res = http
            .post(format!("{base}/api/session"))
            .json(&serde_json::json!({ "passphrase": PASSPHRASE }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204, "{:?}", res.text().await);
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| {
                v.split(';')
                    .next()
                    .filter(|c| c.starts_with("orderboard_session="))
            })
            .expect("a session cookie")
            .to_string();
        Staff { http, cookie }
    }

    /// Whether `base` takes this session as signed in.
    pub async fn signed_in_at(&self, base: &str) -> bool {
        let res = self
            .http
            .get(format!("{base}/api/session"))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        let status: serde_json::Value = res.json().await.unwrap();
        status["signed_in"] == true
    }

    pub async fn create(&self, base: &str) -> Written {
        let new = NewOrder {
            customer: Some("Ada Lovelace".into()),
            channel: Channel::Pickup,
            items: vec![NewItem::plain("Falafel wrap", 1)],
            note: None,
            external_ref: None,
            table: None,
            due_at: None,
        };
        self.send(self.http.post(format!("{base}/api/orders")).json(&new))
            .await
    }

    pub async fn move_to(&self, base: &str, id: uuid::Uuid, to: Stage) -> Written {
        let body = StageChangeRequest {
            to,
            expected_version: None,
        };
        self.send(
            self.http
                .post(format!("{base}/api/orders/{id}/stage"))
                .json(&body),
        )
        .await
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Written {
        match req.header("cookie", &self.cookie).send().await {
            Err(_) => Written::NoAnswer,
            Ok(res) if res.status().is_success() => match res.json().await {
                Ok(order) => Written::Acknowledged(Box::new(order)),
                Err(_) => Written::NoAnswer,
            },
            Ok(res) => {
                let status = res.status().as_u16();
                let retry_after = res
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap_or("").to_string());
                let body = res.text().await.unwrap_or_default();
                Written::Refused(status, format!("{body} (retry-after: {retry_after:?})"))
            }
        }
    }
}

/// What one screen has seen.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    /// The sequence number of the first snapshot.
    pub started_at: Option<u64>,
    /// The ids of the `order` events, in the order they came.
    pub ids: Vec<u64>,
    /// Snapshots or resets after the first (a resume that was not exact).
    pub restarts: usize,
    /// Times from losing the stream to having it back.
    pub resumes: Vec<Duration>,
    /// Which base each connection went to.
    pub connections: Vec<String>,
}

/// A board screen: follows `/api/board/events` at `first`; when the stream
/// is lost it reconnects to `then` with `Last-Event-ID`, as EventSource does.
pub struct Screen {
    pub seen: Arc<Mutex<Seen>>,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Screen {
    pub fn follow(first: String, then: String) -> Screen {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let stop = CancellationToken::new();
        let task = tokio::spawn(run(first, then, seen.clone(), stop.clone()));
        Screen { seen, stop, task }
    }

    pub fn seen(&self) -> Seen {
        self.seen.lock().unwrap().clone()
    }

    /// Waits until the screen has its first snapshot.
    pub async fn ready(&self) {
        let deadline = Instant::now() + PATIENCE;
        while self.seen().started_at.is_none() {
            assert!(
                Instant::now() < deadline,
                "the screen never got its snapshot"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until it has seen `id` (or fails).
    pub async fn until_seen(&self, id: u64) {
        let deadline = Instant::now() + PATIENCE;
        while !self.seen().ids.contains(&id) {
            assert!(
                Instant::now() < deadline,
                "the screen never saw {id}: {:?}",
                self.seen()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn stop(self) -> Seen {
        self.stop.cancel();
        let _ = self.task.await;
        self.seen.lock().unwrap().clone()
    }
}

async fn run(first: String, then: String, seen: Arc<Mutex<Seen>>, stop: CancellationToken) {
    let http = reqwest::Client::new();
    let mut last_id: Option<String> = None;
    let mut base = first;
    let mut lost_at: Option<Instant> = None;
    loop {
        let mut req = http
            .get(format!("{base}/api/board/events"))
            .header("accept", "text/event-stream");
        if let Some(id) = &last_id {
            req = req.header("last-event-id", id);
        }
        let res = tokio::select! {
            _ = stop.cancelled() => return,
            res = req.send() => res,
        };
        match res {
            Ok(res) if res.status() == 200 => {
                {
                    let mut s = seen.lock().unwrap();
                    s.connections.push(base.clone());
                    if let Some(at) = lost_at.take() {
                        s.resumes.push(at.elapsed());
                    }
                }
                let mut events = res.bytes_stream().eventsource();
                loop {
                    let event = tokio::select! {
                        _ = stop.cancelled() => return,
                        e = events.next() => e,
                    };
                    let Some(Ok(event)) = event else { break };
                    if !event.id.is_empty() {
                        last_id = Some(event.id.clone());
                    }
                    let id: Option<u64> = event.id.parse().ok();
                    let mut s = seen.lock().unwrap();
                    match (event.event.as_str(), id) {
                        ("snapshot" | "reset", Some(id)) => {
                            if s.started_at.is_none() {
                                s.started_at = Some(id);
                            } else {
                                s.restarts += 1;
                            }
                        }
                        ("order", Some(id)) => s.ids.push(id),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        // Lost: reconnect (to `then` from now on), as EventSource would
        // after its retry interval.
        lost_at.get_or_insert_with(Instant::now);
        base = then.clone();
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}

/// Lost and duplicated ids: what `seen` lacks of `expected` (every id of
/// the log after the screen's start), and what it got more than once.
pub fn lost_and_duplicated(seen: &Seen, expected: &[u64]) -> (Vec<u64>, Vec<u64>) {
    let start = seen.started_at.unwrap_or(0);
    let mut counts = std::collections::BTreeMap::<u64, usize>::new();
    for id in &seen.ids {
        *counts.entry(*id).or_default() += 1;
    }
    let lost = expected
        .iter()
        .copied()
        .filter(|id| *id > start && !counts.contains_key(id))
        .collect();
    let duplicated = counts
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(id, _)| id)
        .collect();
    (lost, duplicated)
}

/// Whether the ids only ever go up.
pub fn strictly_increasing(ids: &[u64]) -> bool {
    ids.windows(2).all(|w| w[0] < w[1])
}
