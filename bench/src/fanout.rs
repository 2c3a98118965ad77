//! Scenarios 1 and 2: N subscribers on the board stream, then stage changes
//! at a steady rate; per delivery, the time from the change's HTTP request
//! being sent to the event being read by each subscriber.

use crate::processes::ServerProcess;
use crate::report::Percentiles;
use crate::subscribers::{Subscribers, NOT_RECEIVED};
use orderboard_model::{
    BoardEvent, BoardOrder, Change, ChangeKind, Channel, NewItem, NewOrder, Order, Stage,
    StageChangeRequest,
};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Orderboard,
    Nchan,
}

#[derive(Debug, Clone)]
pub struct FanoutResult {
    pub target: Target,
    pub subscribers: usize,
    pub changes: usize,
    pub latency_ms: Percentiles,
    /// Per change, its quickest delivery.
    pub first_screen_ms: Percentiles,
    pub delivered: u64,
    pub missing: u64,
    pub duplicates: u64,
    pub kib_per_connection: f64,
    pub cpu_seconds: f64,
    /// CPU seconds the load generator spent in the same phase.
    pub load_cpu_seconds: f64,
    pub event_bytes: usize,
}

const NAMES: [&str; 8] = [
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "Katherine Johnson",
    "Edsger Dijkstra",
    "Barbara Liskov",
    "Donald Knuth",
    "Frances Allen",
];

pub fn new_order(i: usize) -> NewOrder {
    NewOrder {
        customer: Some(NAMES[i % NAMES.len()].to_string()),
        channel: Channel::Pickup,
        items: vec![
            NewItem::plain("Falafel wrap with tahini", 2),
            NewItem::plain("Fresh mint tea", 1),
        ],
        note: Some("no onions, extra napkins".into()),
        external_ref: None,
        table: None,
        due_at: None,
    }
}

pub struct FanoutSetup<'a> {
    pub server_bin: &'a std::path::Path,
    pub nchan_conf: &'a std::path::Path,
    pub subscribers: usize,
    pub changes: usize,
    pub rate_per_sec: f64,
}

pub async fn run(target: Target, setup: &FanoutSetup<'_>) -> anyhow::Result<FanoutResult> {
    let server = match target {
        Target::Orderboard => ServerProcess::orderboard(setup.server_bin).await?,
        Target::Nchan => ServerProcess::nchan(setup.nchan_conf).await?,
    };
    let http = reqwest::Client::builder().tcp_nodelay(true).build()?;
    let changes = setup.changes;

    // Orderboard: orders to move, two changes each (preparing, ready).
    let mut orders: Vec<Order> = Vec::new();
    let mut first_seq = 1;
    if target == Target::Orderboard {
        for i in 0..changes.div_ceil(2) {
            let res = http
                .post(server.url("/api/orders"))
                .json(&new_order(i))
                .send()
                .await?;
            anyhow::ensure!(res.status() == 201, "creating an order: {}", res.status());
            orders.push(res.json().await?);
        }
        let health: orderboard_model::Health = http
            .get(server.url("/api/health"))
            .send()
            .await?
            .json()
            .await?;
        first_seq = health.head_seq + 1;
    }
    let path = match target {
        Target::Orderboard => "/api/board/events",
        Target::Nchan => "/sub",
    };

    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_before = server.rss_kib();
    let epoch = Instant::now();
    let stop = CancellationToken::new();
    let subs = Subscribers::connect(
        server.addr,
        &[path.to_string()],
        setup.subscribers,
        first_seq,
        changes,
        epoch,
        stop.clone(),
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let rss_after = server.rss_kib();
    let cpu_before = server.cpu_seconds();
    let load_cpu_before = crate::processes::own_cpu_seconds();

    let mut sent_micros = vec![0u32; changes];
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / setup.rate_per_sec));
    let mut event_bytes = 0;
    for i in 0..changes {
        ticker.tick().await;
        let order = &orders.get(i / 2);
        let to = if i % 2 == 0 {
            Stage::Preparing
        } else {
            Stage::Ready
        };
        match target {
            Target::Orderboard => {
                let order = order.unwrap();
                sent_micros[i] = epoch.elapsed().as_micros() as u32;
                let res = http
                    .post(server.url(&format!("/api/orders/{}/stage", order.id)))
                    .json(&StageChangeRequest {
                        to,
                        expected_version: None,
                    })
                    .send()
                    .await?;
                anyhow::ensure!(res.status() == 200, "stage change: {}", res.status());
            }
            Target::Nchan => {
                // The very payload Orderboard's board stream carries for such a change.
                let event = BoardEvent {
                    seq: first_seq + i as u64,
                    change: Change {
                        from: Some(if to == Stage::Ready {
                            Stage::Preparing
                        } else {
                            Stage::Received
                        }),
                        to,
                        kind: ChangeKind::Advance,
                        item: None,
                    },
                    order: BoardOrder {
                        number: (i / 2 + 1) as u32,
                        name: Some(
                            NAMES[(i / 2) % NAMES.len()]
                                .split(' ')
                                .next()
                                .unwrap()
                                .to_string(),
                        ),
                        stage: to,
                    },
                };
                let body = serde_json::to_vec(&event)?;
                event_bytes = body.len();
                sent_micros[i] = epoch.elapsed().as_micros() as u32;
                let res = http.post(server.url("/pub")).body(body).send().await?;
                anyhow::ensure!(res.status().is_success(), "nchan publish: {}", res.status());
            }
        }
    }
    // The delivery phase ends when every subscriber has every event (or
    // after a grace period); only then do they close their connections.
    subs.all_complete(Duration::from_secs(30)).await;
    let cpu_seconds = server.cpu_seconds() - cpu_before;
    let load_cpu_seconds = crate::processes::own_cpu_seconds() - load_cpu_before;
    stop.cancel();
    let received = subs.finish().await?;
    if target == Target::Orderboard {
        // Orderboard's frame data, measured the same way: the board event JSON.
        let last = &orders[0];
        let sample = BoardEvent {
            seq: first_seq,
            change: Change {
                from: Some(Stage::Received),
                to: Stage::Preparing,
                kind: ChangeKind::Advance,
                item: None,
            },
            order: BoardOrder::from(last),
        };
        event_bytes = serde_json::to_vec(&sample)?.len();
    }
    server.stop().await;

    let mut latencies = Vec::with_capacity(setup.subscribers * changes);
    // Per change, the quickest delivery: the time to the first screen, which
    // is the server's work before its fan-out (for Orderboard, the commit).
    let mut first_screen = vec![u32::MAX; changes];
    let (mut missing, mut duplicates) = (0u64, 0u64);
    for r in &received {
        duplicates += r.duplicates as u64;
        for (i, at) in r.at_micros.iter().enumerate() {
            if *at == NOT_RECEIVED {
                missing += 1;
            } else {
                let latency = at.saturating_sub(sent_micros[i]);
                first_screen[i] = first_screen[i].min(latency);
                latencies.push(latency);
            }
        }
    }
    Ok(FanoutResult {
        target,
        subscribers: setup.subscribers,
        changes,
        delivered: latencies.len() as u64,
        latency_ms: Percentiles::of_micros(&mut latencies),
        first_screen_ms: Percentiles::of_micros(&mut first_screen),
        missing,
        duplicates,
        kib_per_connection: (rss_after as f64 - rss_before as f64) / setup.subscribers as f64,
        cpu_seconds,
        load_cpu_seconds,
        event_bytes,
    })
}
