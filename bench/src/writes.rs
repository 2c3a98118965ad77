//! Scenario 3: durable stage changes per second over HTTP, with subscribers
//! attached, on the database settings Orderboard ships with.
//!
//! Concurrent writers each create an order and walk it to `collected`; every
//! answered request is one committed, fsynced change. The subscribers are
//! either customer boards, or customers' phones each following an order that
//! is still in the kitchen (so every change the writers make
//! concerns none of them: what they cost is the server's work of not
//! disturbing them).

use crate::processes::ServerProcess;
use crate::subscribers::Subscribers;
use orderboard_model::{Channel, NewItem, NewOrder, Order, Stage, StageChangeRequest};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How many orders the phones follow, two phones or more to an order when
/// there are more phones: display numbers run to 999, and the writers'
/// orders need some of them.
const PHONE_ORDERS: usize = 500;

/// Who is attached while the writers write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Attached {
    /// Customer boards: every change goes to every one.
    Boards,
    /// Phones, each tracking an order that does not change.
    Phones,
}

impl Attached {
    pub fn label(self) -> &'static str {
        match self {
            Attached::Boards => "boards",
            Attached::Phones => "phones tracking orders",
        }
    }
}

#[derive(Debug, Clone)]
pub struct WritesResult {
    pub seconds: f64,
    pub changes: u64,
    pub per_second: f64,
    /// How often a stream had to read what it lacked from the event
    /// log (its screen fell further behind than the server keeps in memory).
    /// `None` from a server that does not count them (an older build).
    pub log_catch_ups: Option<u64>,
}

pub async fn run(
    server_bin: &std::path::Path,
    attached: Attached,
    subscribers: usize,
    writers: usize,
    duration: Duration,
) -> anyhow::Result<WritesResult> {
    // The run before left its database's pages to the kernel: they are
    // written out now, not during this run's commits.
    let synced = tokio::process::Command::new("sync").status().await?;
    anyhow::ensure!(synced.success(), "sync failed: {synced}");
    let server = ServerProcess::orderboard(server_bin).await?;
    let stop_subs = CancellationToken::new();
    let epoch = Instant::now();
    let paths = match attached {
        Attached::Boards => vec!["/api/board/events".to_string()],
        Attached::Phones => {
            let http = reqwest::Client::new();
            let mut paths = Vec::with_capacity(subscribers);
            for i in 0..subscribers.min(PHONE_ORDERS) {
                let new = NewOrder {
                    customer: Some(format!("Phone {i}")),
                    channel: Channel::Pickup,
                    items: vec![NewItem::plain("Oat latte", 1)],
                    note: None,
                    external_ref: None,
                    table: None,
                    due_at: None,
                };
                let res = http
                    .post(server.url("/api/orders"))
                    .json(&new)
                    .send()
                    .await?;
                anyhow::ensure!(res.status() == 201, "create: {}", res.status());
                let order: Order = res.json().await?;
                paths.push(format!("/api/track/{}/events", order.tracking_token));
            }
            paths
        }
    };
    let subs = Subscribers::connect(
        server.addr,
        &paths,
        subscribers,
        1,
        0,
        epoch,
        stop_subs.clone(),
    )
    .await?;
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let http = reqwest::Client::builder().tcp_nodelay(true).build()?;
        let base = server.url("");
        tasks.push(tokio::spawn(write_until(
            http,
            base,
            None,
            format!("Writer {w}"),
            deadline,
            done.clone(),
        )));
    }
    for t in tasks {
        t.await??;
    }
    let seconds = started.elapsed().as_secs_f64();
    let health: serde_json::Value = reqwest::get(server.url("/api/health"))
        .await?
        .json()
        .await?;
    let log_catch_ups = health.get("log_catch_ups").and_then(|n| n.as_u64());
    stop_subs.cancel();
    subs.finish().await?;
    server.stop().await;
    let changes = done.load(Ordering::Relaxed);
    Ok(WritesResult {
        seconds,
        changes,
        per_second: changes as f64 / seconds,
        log_catch_ups,
    })
}

/// One writer: creates an order and walks it to `collected`, again and
/// again, at `base` until `deadline`, counting each answered change in
/// `done`. With a staff session `cookie` (several nodes require one).
pub async fn write_until(
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
    customer: String,
    deadline: Instant,
    done: Arc<AtomicU64>,
) -> anyhow::Result<()> {
    let new = NewOrder {
        customer: Some(customer),
        channel: Channel::Pickup,
        items: vec![NewItem::plain("Flat white", 1)],
        note: None,
        external_ref: None,
        table: None,
        due_at: None,
    };
    let signed = |req: reqwest::RequestBuilder| match &cookie {
        Some(cookie) => req.header("cookie", cookie),
        None => req,
    };
    while Instant::now() < deadline {
        let res = signed(http.post(format!("{base}/api/orders")))
            .json(&new)
            .send()
            .await?;
        anyhow::ensure!(res.status() == 201, "create: {}", res.status());
        let order: Order = res.json().await?;
        done.fetch_add(1, Ordering::Relaxed);
        for to in [Stage::Preparing, Stage::Ready, Stage::Collected] {
            let res = signed(http.post(format!("{base}/api/orders/{}/stage", order.id)))
                .json(&StageChangeRequest {
                    to,
                    expected_version: None,
                })
                .send()
                .await?;
            anyhow::ensure!(res.status() == 200, "stage change: {}", res.status());
            done.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}
