//! Scenario 5: three Orderboard nodes on one PostgreSQL, side by side with
//! one node on SQLite under the same load, all on this machine.
//!
//! Each run has three parts:
//!
//! 1. **Streams on the cluster.** A fresh database, three node processes
//!    (`--database-url`), the orders, then the phones' tracking streams
//!    (`/api/track/{token}/events`) and the boards (`/api/board/events`),
//!    spread evenly over the nodes; memory per stream on each node. Then
//!    stage changes at a steady rate, made on the nodes in turn; each
//!    delivery is timed from the change's HTTP request being sent and,
//!    when PostgreSQL records commit times, from its transaction's commit,
//!    and counted as read on the node that made the change or on another.
//!    Then `kill -9` of one node while changes go on at the same rate on
//!    the other two: its screens reconnect to another node with
//!    `Last-Event-ID` (as they would through the load balancer); how long
//!    until every one of them has a stream again, and whether each screen
//!    got every change of the log that concerns it exactly once.
//! 2. **One node's share of the load on one node on SQLite** (`--db`): the
//!    same orders and changes, and a third of the phones and boards (all of
//!    them would need more open files than one process may have here).
//! 3. **Writes.** A fresh database and three nodes with the boards
//!    attached; writers on 1, 2, then 3 of the nodes at once, each a loop
//!    of creating an order and walking it to `collected`. Acknowledged
//!    changes per second; from the log, how many transactions (each node's
//!    writer applies a batch per transaction); and from `pg_stat_activity`,
//!    sampled, how much of the time a transaction held the `log_head` lock
//!    that every write takes. That lock is the cluster's one serial point,
//!    so the rate at which it would be held all of the time is the
//!    ceiling the sequence allows at that batch size. One node on SQLite
//!    with the same writers is the row beside it.
//!
//! Phones outnumber display numbers (1 to 999 active orders), so several
//! phones follow each order: phone `i` follows order `(i / 3) % orders`
//! from node `i % 3`, so that each node has the same number of phones and
//! every order's phones are spread over all three.

use crate::postgres::{self, LockUse};
use crate::processes::{self, ServerProcess};
use crate::report::Percentiles;
use crate::subscribers::{Plan, Received, Route, Subscribers, NOT_RECEIVED};
use crate::workers::{WorkerPlan, WorkerSubscribers};
use crate::writes::{self, write_until};
use anyhow::Context;
use futures_util::{StreamExt, TryStreamExt};
use orderboard_model::{Order, Stage, StageChangeRequest};
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio_util::sync::CancellationToken;

/// The staff passphrase of the nodes (several nodes require one).
const PASSPHRASE: &str = "benchmarking-the-falafel-counter";

/// Nodes in the cluster; the last one is killed.
pub const NODES: usize = 3;
const KILLED: usize = NODES - 1;

/// How long the cluster is left at rest to measure what open streams cost:
/// the nodes' heartbeat interval (their default), so that every stream is
/// written to once.
const IDLE: Duration = Duration::from_secs(15);

/// How often `pg_stat_activity` is sampled during the writes.
const LOCK_SAMPLE_EVERY: Duration = Duration::from_millis(2);

#[derive(Debug, Clone)]
pub struct Setup<'a> {
    pub server_bin: &'a Path,
    pub admin_url: &'a str,
    /// PostgreSQL's data folder, to read its processes' CPU time.
    pub pgdata: Option<&'a Path>,
    pub phones: usize,
    pub boards: usize,
    pub orders: usize,
    /// Changes timed for delivery, and changes made while a node is down.
    pub changes: usize,
    pub failover_changes: usize,
    pub rate_per_sec: f64,
    pub writers_per_node: usize,
    pub writes_secs: u64,
    /// Screens per worker process (see workers.rs), within the open-file limit.
    pub per_worker: usize,
}

/// The streams on the cluster: delivery, memory, CPU and the failover.
#[derive(Debug, Clone, Default)]
pub struct ClusterRun {
    pub streams_per_node: Vec<usize>,
    pub kib_per_stream: Vec<f64>,
    /// The kernel's slab memory per connection, both ends (client and
    /// node) together, from the machine's count before and after they
    /// connected.
    pub kernel_kib_per_connection: Option<f64>,
    /// Deliveries on the node that made the change, and on the others.
    pub from_request_same: Percentiles,
    pub from_request_other: Percentiles,
    pub from_commit_same: Option<Percentiles>,
    pub from_commit_other: Option<Percentiles>,
    pub deliveries_same: u64,
    pub deliveries_other: u64,
    /// A change's request to its answer.
    pub write_ms: Percentiles,
    /// CPU seconds per node over a quiet heartbeat interval (15 s, no
    /// changes): what the open streams cost at rest.
    pub idle_cpu: Vec<f64>,
    pub idle_secs: f64,
    /// CPU seconds while the timed changes were made and delivered.
    pub node_cpu: Vec<f64>,
    pub postgres_cpu: Option<f64>,
    pub load_cpu: f64,
    pub phase_secs: f64,
    pub failover: Failover,
}

#[derive(Debug, Clone, Default)]
pub struct Failover {
    /// Streams on the killed node, and how many of them had one again.
    pub streams: usize,
    pub resumed: usize,
    /// Seconds from the kill to a stream again: median, and the last one.
    pub resume_p50_s: f64,
    pub resume_all_s: f64,
    /// Where they resumed, per surviving node.
    pub resumed_on: Vec<usize>,
    /// Answers other than 200, and connections refused, while resuming.
    pub refused: u64,
    /// Streams on the surviving nodes that lost theirs (none should).
    pub survivors_lost: usize,
    /// Stage changes refused with 503 meanwhile (each made again).
    pub writes_refused: u64,
    /// Delivery of the changes made after the kill, from the request, to
    /// the screens that kept their stream.
    pub kept_from_request: Percentiles,
    /// Connections the kernel refused meanwhile because a listen queue was
    /// full (the machine's count; `None` where it cannot be read).
    pub listen_overflows: Option<u64>,
    /// Over every screen and every change in the log after they connected.
    pub expected: u64,
    pub lost: u64,
    pub duplicates: u64,
    /// Snapshots or resets instead of a replay.
    pub restarts: u64,
    /// The same, for the killed node's screens only.
    pub killed_expected: u64,
    pub killed_lost: u64,
    pub killed_duplicates: u64,
}

/// The same load on one node on SQLite.
#[derive(Debug, Clone, Default)]
pub struct SingleRun {
    pub streams: usize,
    pub kib_per_stream: f64,
    pub from_request: Percentiles,
    pub deliveries: u64,
    pub write_ms: Percentiles,
    pub cpu: f64,
    pub load_cpu: f64,
    pub phase_secs: f64,
    pub expected: u64,
    pub lost: u64,
    pub duplicates: u64,
}

/// Writers on some of the nodes at once.
#[derive(Debug, Clone, Default)]
pub struct WriteRow {
    /// Nodes writing; 0 for the node on SQLite.
    pub nodes: usize,
    pub writers: usize,
    pub per_second: f64,
    /// From the log and `pg_stat_activity` (PostgreSQL only).
    pub transactions_per_second: Option<f64>,
    pub changes_per_transaction: Option<f64>,
    pub lock: Option<LockUse>,
}

impl WriteRow {
    /// The rate if the `log_head` lock were held all of the time, with
    /// transactions as long and as large as in this run.
    pub fn ceiling(&self) -> Option<f64> {
        let held = self.lock?.held_share();
        (held > 0.0).then(|| self.per_second / held)
    }

    /// How long a transaction held the lock, in milliseconds.
    pub fn hold_ms(&self) -> Option<f64> {
        let held = self.lock?.held_share();
        Some(held / self.transactions_per_second? * 1000.0)
    }
}

#[derive(Debug, Clone, Default)]
pub struct MultinodeRun {
    pub cluster: ClusterRun,
    pub single: SingleRun,
    pub writes: Vec<WriteRow>,
}

/// One run of all three parts.
pub async fn run(setup: &Setup<'_>, run: usize) -> anyhow::Result<MultinodeRun> {
    let prefix = format!("orderboard_bench_{}_{run}", std::process::id());
    let cluster = on_fresh_database(setup, &format!("{prefix}_streams"), |url| {
        cluster_streams(setup, url)
    })
    .await?;
    print_cluster(&cluster);
    let single = single_node(setup).await?;
    print_single(&single);
    let mut writes = on_fresh_database(setup, &format!("{prefix}_writes"), |url| {
        cluster_writes(setup, url)
    })
    .await?;
    let sqlite = writes::run(
        setup.server_bin,
        writes::Attached::Boards,
        setup.boards,
        setup.writers_per_node,
        Duration::from_secs(setup.writes_secs),
    )
    .await?;
    writes.insert(
        0,
        WriteRow {
            nodes: 0,
            writers: setup.writers_per_node,
            per_second: sqlite.per_second,
            ..WriteRow::default()
        },
    );
    for row in &writes {
        print_write(row);
    }
    Ok(MultinodeRun {
        cluster,
        single,
        writes,
    })
}

/// Runs `part` on a new database `name`, which is dropped afterwards.
async fn on_fresh_database<'s, T, F, Fut>(
    setup: &'s Setup<'_>,
    name: &str,
    part: F,
) -> anyhow::Result<T>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>> + 's,
{
    let url = postgres::fresh_database(setup.admin_url, name).await?;
    let result = part(url).await;
    postgres::drop_database(setup.admin_url, name).await?;
    result
}

/// Local addresses the screens connect from: 127.0.0.2 to 127.0.0.17.
fn sources() -> Vec<IpAddr> {
    (2..18)
        .map(|i| IpAddr::V4(Ipv4Addr::new(127, 0, 0, i)))
        .collect()
}

/// Who follows what, from which node.
struct Screens {
    routes: Vec<Route>,
    /// Per screen: the node it starts on, and the order it follows (none: a board).
    node: Vec<usize>,
    order: Vec<Option<usize>>,
}

impl Screens {
    fn new(addrs: &[SocketAddr], orders: &[Order], phones: usize, boards: usize) -> Screens {
        let n = addrs.len();
        // A screen's route: its node, then the others, half of the screens
        // one way round and half the other, so that a dead node's screens
        // split evenly over the rest.
        let route = |node: usize, i: usize, path: String| {
            let mut nodes: Vec<usize> = (0..n).map(|k| (node + k) % n).collect();
            if i % 2 == 1 {
                nodes[1..].reverse();
            }
            Route {
                path,
                addrs: nodes.into_iter().map(|k| addrs[k]).collect(),
            }
        };
        let mut screens = Screens {
            routes: Vec::with_capacity(boards + phones),
            node: Vec::with_capacity(boards + phones),
            order: Vec::with_capacity(boards + phones),
        };
        for j in 0..boards {
            screens
                .routes
                .push(route(j % n, j, "/api/board/events".into()));
            screens.node.push(j % n);
            screens.order.push(None);
        }
        for i in 0..phones {
            let (node, order) = (i % n, (i / n) % orders.len());
            let path = format!("/api/track/{}/events", orders[order].tracking_token);
            screens.routes.push(route(node, i / n, path));
            screens.node.push(node);
            screens.order.push(Some(order));
        }
        screens
    }

    fn on_node(&self, node: usize) -> usize {
        self.node.iter().filter(|n| **n == node).count()
    }

    /// Whether screen `s` is sent a change of order `order`.
    fn concerns(&self, s: usize, order: usize) -> bool {
        self.order[s].is_none_or(|o| o == order)
    }
}

fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// Signs in with the nodes' passphrase; returns the session cookie, which
/// every node accepts.
async fn sign_in(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let res = http
        .post(format!("{base}/api/session"))
        .json(&serde_json::json!({ "passphrase": PASSPHRASE }))
        .send()
        .await?;
    anyhow::ensure!(res.status() == 204, "signing in: {}", res.status());
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .next()
                .filter(|c| c.starts_with("orderboard_session="))
        })
        .map(str::to_string)
        .context("no session cookie")
}

fn signed(req: reqwest::RequestBuilder, cookie: Option<&str>) -> reqwest::RequestBuilder {
    match cookie {
        Some(cookie) => req.header("cookie", cookie),
        None => req,
    }
}

/// `n` orders, the `i`th made on `bases[i % bases.len()]`, eight at a time.
async fn create_orders(
    http: &reqwest::Client,
    bases: &[String],
    cookie: Option<&str>,
    n: usize,
) -> anyhow::Result<Vec<Order>> {
    futures_util::stream::iter(0..n)
        .map(|i| async move {
            let res = signed(
                http.post(format!("{}/api/orders", bases[i % bases.len()])),
                cookie,
            )
            .json(&crate::fanout::new_order(i))
            .send()
            .await?;
            anyhow::ensure!(res.status() == 201, "creating an order: {}", res.status());
            Ok(res.json::<Order>().await?)
        })
        .buffered(8)
        .try_collect()
        .await
}

/// Stage changes, one at a time at a steady rate: each moves an order
/// between `preparing` and `ready` (forward, then back: a recall), so that
/// no order finishes and no tracking stream ends.
struct Changes<'a> {
    http: reqwest::Client,
    cookie: Option<&'a str>,
    orders: &'a [Order],
    stages: Vec<Stage>,
    epoch: Instant,
    made: Vec<Made>,
    /// Changes refused with 503 (and made again).
    refused: u64,
}

/// One change: its order, the node it was made on, and when its request
/// was sent and answered (microseconds since the epoch instant).
struct Made {
    order: usize,
    node: usize,
    sent: u32,
    answered: u32,
}

impl<'a> Changes<'a> {
    fn new(cookie: Option<&'a str>, orders: &'a [Order], epoch: Instant) -> anyhow::Result<Self> {
        Ok(Changes {
            http: client()?,
            cookie,
            orders,
            stages: orders.iter().map(|o| o.stage).collect(),
            epoch,
            made: Vec::new(),
            refused: 0,
        })
    }

    /// `count` changes at `rate` a second, on `nodes` in turn (`bases` are
    /// every node's URLs); orders in turn.
    async fn make(
        &mut self,
        bases: &[String],
        nodes: &[usize],
        count: usize,
        rate: f64,
    ) -> anyhow::Result<()> {
        let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let until = self.made.len() + count;
        // A change refused with 503 is not stored (the node says so); it is
        // made again at the next tick, on the next node, as staff would.
        let mut tries = 0;
        while self.made.len() < until {
            ticker.tick().await;
            let c = self.made.len();
            let order = c % self.orders.len();
            let node = nodes[(c + tries) % nodes.len()];
            let to = if self.stages[order] == Stage::Preparing {
                Stage::Ready
            } else {
                Stage::Preparing
            };
            let url = format!("{}/api/orders/{}/stage", bases[node], self.orders[order].id);
            let sent = self.epoch.elapsed().as_micros() as u32;
            let res = signed(self.http.post(url), self.cookie)
                .json(&StageChangeRequest {
                    to,
                    expected_version: None,
                })
                .send()
                .await?;
            if res.status() == 503 && tries < 20 {
                self.refused += 1;
                tries += 1;
                continue;
            }
            anyhow::ensure!(res.status() == 200, "stage change: {}", res.status());
            res.bytes().await?;
            tries = 0;
            let answered = self.epoch.elapsed().as_micros() as u32;
            self.stages[order] = to;
            self.made.push(Made {
                order,
                node,
                sent,
                answered,
            });
        }
        Ok(())
    }

    fn write_ms(&self) -> Percentiles {
        let mut v: Vec<u32> = self
            .made
            .iter()
            .map(|m| m.answered.saturating_sub(m.sent))
            .collect();
        Percentiles::of_micros(&mut v)
    }
}

/// Waits until `subs` have delivered `expected` events in all, or `limit`
/// has passed.
async fn until_delivered(subs: &WorkerSubscribers, expected: u64, limit: Duration) {
    let deadline = Instant::now() + limit;
    while subs.delivered() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn postgres_cpu(setup: &Setup<'_>) -> Option<f64> {
    let pid = postgres::postmaster_pid(setup.pgdata?)?;
    Some(processes::tree_cpu_seconds(pid))
}

async fn harness_pool(url: &str) -> anyhow::Result<PgPool> {
    Ok(PgPoolOptions::new().max_connections(2).connect(url).await?)
}

/// Part 1: the streams on three nodes, the timed changes, and the kill.
async fn cluster_streams(setup: &Setup<'_>, url: String) -> anyhow::Result<ClusterRun> {
    let mut nodes = Vec::with_capacity(NODES);
    for _ in 0..NODES {
        // One at a time: each migrates (the first does the work).
        nodes.push(ServerProcess::orderboard_node(setup.server_bin, &url, PASSPHRASE).await?);
    }
    let bases: Vec<String> = nodes.iter().map(|n| n.url("")).collect();
    let addrs: Vec<SocketAddr> = nodes.iter().map(|n| n.addr).collect();
    let http = client()?;
    let cookie = sign_in(&http, &bases[0]).await?;
    let pool = harness_pool(&url).await?;
    let commit_times = postgres::commit_times_recorded(&pool).await?;
    let orders = create_orders(&http, &bases, Some(&cookie), setup.orders).await?;
    let head = postgres::head(&pool).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_before: Vec<u64> = nodes.iter().map(|n| n.rss_kib()).collect();
    let slab_before = processes::kernel_slab_kib();

    let screens = Screens::new(&addrs, &orders, setup.phones, setup.boards);
    let epoch = Instant::now();
    let epoch_unix_micros = SystemTime::now().duration_since(UNIX_EPOCH)?.as_micros() as i64;
    let subs = connect_screens(
        WorkerPlan {
            routes: screens.routes.clone(),
            first_seq: head + 1,
            count: setup.changes + setup.failover_changes,
            resume: true,
            sources: sources(),
            epoch_unix_micros,
        },
        setup.per_worker,
        &format!("{NODES} nodes"),
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let streams_per_node: Vec<usize> = (0..NODES).map(|k| screens.on_node(k)).collect();
    let kib_per_stream: Vec<f64> = nodes
        .iter()
        .zip(&rss_before)
        .zip(&streams_per_node)
        .map(|((node, before), n)| (node.rss_kib() as f64 - *before as f64) / *n as f64)
        .collect();
    let kernel_kib_per_connection = processes::kernel_slab_kib()
        .zip(slab_before)
        .map(|(after, before)| (after as f64 - before as f64) / screens.routes.len() as f64);

    // At rest for one heartbeat interval: what open streams cost.
    let idle = Instant::now();
    let idle_before: Vec<f64> = nodes.iter().map(|n| n.cpu_seconds()).collect();
    tokio::time::sleep(IDLE).await;
    let idle_secs = idle.elapsed().as_secs_f64();
    let idle_cpu: Vec<f64> = nodes
        .iter()
        .zip(&idle_before)
        .map(|(n, before)| n.cpu_seconds() - before)
        .collect();

    // The timed changes, on the nodes in turn.
    let cpu_before: Vec<f64> = nodes.iter().map(|n| n.cpu_seconds()).collect();
    let pg_before = postgres_cpu(setup);
    let load_before = processes::own_cpu_seconds() + subs.cpu_seconds();
    let phase = Instant::now();
    let mut changes = Changes::new(Some(&cookie), &orders, epoch)?;
    let all: Vec<usize> = (0..NODES).collect();
    changes
        .make(&bases, &all, setup.changes, setup.rate_per_sec)
        .await?;
    let expected: u64 = changes
        .made
        .iter()
        .map(|m| {
            (0..screens.node.len())
                .filter(|s| screens.concerns(*s, m.order))
                .count() as u64
        })
        .sum();
    until_delivered(&subs, expected, Duration::from_secs(30)).await;
    let phase_secs = phase.elapsed().as_secs_f64();
    let node_cpu: Vec<f64> = nodes
        .iter()
        .zip(&cpu_before)
        .map(|(n, before)| n.cpu_seconds() - before)
        .collect();
    let postgres_cpu = postgres_cpu(setup)
        .zip(pg_before)
        .map(|(after, before)| after - before);
    let load_cpu = processes::own_cpu_seconds() + subs.cpu_seconds() - load_before;
    let timed = changes.made.len();

    // kill -9 of the last node; changes go on on the others.
    let overflows_before = processes::listen_overflows();
    let refused_before_kill = changes.refused;
    let killed = nodes.pop().context("a node to kill")?;
    let kill_at = epoch.elapsed().as_micros() as u32;
    killed.kill9().await?;
    let survivors: Vec<usize> = (0..NODES).filter(|k| *k != KILLED).collect();
    changes
        .make(
            &bases,
            &survivors,
            setup.failover_changes,
            setup.rate_per_sec,
        )
        .await?;
    let killed_streams = screens.on_node(KILLED) as u64;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (lost, resumed) = subs.lost_and_resumed();
        if (lost >= killed_streams && resumed >= lost) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let listen_overflows = processes::listen_overflows()
        .zip(overflows_before)
        .map(|(after, before)| after - before);
    let log = postgres::log_after(&pool, head, commit_times).await?;
    anyhow::ensure!(
        log.len() == changes.made.len()
            && log
                .iter()
                .zip(&changes.made)
                .enumerate()
                .all(|(c, (e, m))| {
                    e.seq == head + 1 + c as u64 && e.order_id == orders[m.order].id.to_string()
                }),
        "the log after {head} is not the changes made, in order: {} events for {} changes",
        log.len(),
        changes.made.len()
    );
    let mut per_order: HashMap<usize, u64> = HashMap::new();
    for m in &changes.made {
        *per_order.entry(m.order).or_default() += 1;
    }
    let all_expected: u64 = (0..screens.node.len())
        .map(|s| match screens.order[s] {
            None => changes.made.len() as u64,
            Some(o) => per_order.get(&o).copied().unwrap_or(0),
        })
        .sum();
    until_delivered(&subs, all_expected, Duration::from_secs(30)).await;
    let received = subs.finish().await?;
    for node in nodes {
        node.stop().await;
    }
    pool.close().await;

    // Deliveries of the timed changes, by where they were read.
    let committed: Vec<Option<u32>> = log
        .iter()
        .map(|e| {
            e.committed_unix_micros
                .map(|c| (c - epoch_unix_micros).max(0) as u32)
        })
        .collect();
    let (mut req_same, mut req_other, mut com_same, mut com_other) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (s, r) in received.iter().enumerate() {
        for (c, m) in changes.made[..timed].iter().enumerate() {
            if !screens.concerns(s, m.order) || r.at_micros[c] == NOT_RECEIVED {
                continue;
            }
            let at = r.at_micros[c];
            let same = screens.node[s] == m.node;
            let from_request = at.saturating_sub(m.sent);
            let from_commit = committed[c].map(|t| at.saturating_sub(t));
            if same {
                req_same.push(from_request);
                com_same.extend(from_commit);
            } else {
                req_other.push(from_request);
                com_other.extend(from_commit);
            }
        }
    }
    let mut failover = failover(&screens, &received, &changes.made, kill_at);
    failover.listen_overflows = listen_overflows;
    failover.writes_refused = changes.refused - refused_before_kill;
    let mut kept = Vec::new();
    for (s, r) in received.iter().enumerate() {
        if screens.node[s] == KILLED || r.lost_at.is_some() {
            continue;
        }
        for (c, m) in changes.made.iter().enumerate().skip(timed) {
            if screens.concerns(s, m.order) && r.at_micros[c] != NOT_RECEIVED {
                kept.push(r.at_micros[c].saturating_sub(m.sent));
            }
        }
    }
    failover.kept_from_request = Percentiles::of_micros(&mut kept);
    Ok(ClusterRun {
        streams_per_node,
        kib_per_stream,
        kernel_kib_per_connection,
        deliveries_same: req_same.len() as u64,
        deliveries_other: req_other.len() as u64,
        from_request_same: Percentiles::of_micros(&mut req_same),
        from_request_other: Percentiles::of_micros(&mut req_other),
        from_commit_same: commit_times.then(|| Percentiles::of_micros(&mut com_same)),
        from_commit_other: commit_times.then(|| Percentiles::of_micros(&mut com_other)),
        write_ms: {
            let mut v: Vec<u32> = changes.made[..timed]
                .iter()
                .map(|m| m.answered.saturating_sub(m.sent))
                .collect();
            Percentiles::of_micros(&mut v)
        },
        idle_cpu,
        idle_secs,
        node_cpu,
        postgres_cpu,
        load_cpu,
        phase_secs,
        failover,
    })
}

/// What the kill did to the screens: how soon the killed node's were
/// back, and whether every screen got every change that concerns it once.
fn failover(screens: &Screens, received: &[Received], made: &[Made], kill_at: u32) -> Failover {
    let mut f = Failover {
        resumed_on: vec![0; NODES],
        ..Failover::default()
    };
    let mut resume_micros = Vec::new();
    for (s, r) in received.iter().enumerate() {
        let killed = screens.node[s] == KILLED;
        let mut expected = 0;
        let mut lost = 0;
        for (c, m) in made.iter().enumerate() {
            if screens.concerns(s, m.order) {
                expected += 1;
                lost += u64::from(r.at_micros[c] == NOT_RECEIVED);
            }
        }
        f.expected += expected;
        f.lost += lost;
        f.duplicates += u64::from(r.duplicates);
        f.restarts += u64::from(r.restarts);
        f.refused += u64::from(r.refused);
        if killed {
            f.streams += 1;
            f.killed_expected += expected;
            f.killed_lost += lost;
            f.killed_duplicates += u64::from(r.duplicates);
            if let (Some(at), Some(on)) = (r.resumed_at, r.resumed_on) {
                f.resumed += 1;
                resume_micros.push(at.saturating_sub(kill_at));
                // The route's index `on` names a node: its route began at the killed node.
                let node = route_node(screens, s, on);
                f.resumed_on[node] += 1;
            }
        } else if r.lost_at.is_some() {
            f.survivors_lost += 1;
        }
    }
    let p = Percentiles::of_micros(&mut resume_micros);
    f.resume_p50_s = p.p50 / 1000.0;
    f.resume_all_s = p.max / 1000.0;
    f
}

/// The node of the `on`th address of screen `s`'s route.
fn route_node(screens: &Screens, s: usize, on: usize) -> usize {
    let i = if screens.order[s].is_none() {
        s
    } else {
        // Phones are numbered after the boards.
        let boards = screens.order.iter().filter(|o| o.is_none()).count();
        (s - boards) / NODES
    };
    let mut nodes: Vec<usize> = (0..NODES).map(|k| (screens.node[s] + k) % NODES).collect();
    if i % 2 == 1 {
        nodes[1..].reverse();
    }
    nodes[on]
}

/// Part 2: the same orders, streams and changes on one node on SQLite.
async fn single_node(setup: &Setup<'_>) -> anyhow::Result<SingleRun> {
    let server = ServerProcess::orderboard(setup.server_bin).await?;
    let base = server.url("");
    let http = client()?;
    let orders = create_orders(&http, std::slice::from_ref(&base), None, setup.orders).await?;
    let health: orderboard_model::Health = http
        .get(server.url("/api/health"))
        .send()
        .await?
        .json()
        .await?;
    let head = health.head_seq;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_before = server.rss_kib();
    let screens = Screens::new(
        &[server.addr],
        &orders,
        setup.phones / NODES,
        setup.boards.div_ceil(NODES),
    );
    let epoch = Instant::now();
    let epoch_unix_micros = SystemTime::now().duration_since(UNIX_EPOCH)?.as_micros() as i64;
    let subs = connect_screens(
        WorkerPlan {
            routes: screens.routes.clone(),
            first_seq: head + 1,
            count: setup.changes,
            resume: false,
            sources: sources(),
            epoch_unix_micros,
        },
        setup.per_worker,
        "one node on SQLite",
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let streams = screens.routes.len();
    let kib_per_stream = (server.rss_kib() as f64 - rss_before as f64) / streams as f64;
    let cpu_before = server.cpu_seconds();
    let load_before = processes::own_cpu_seconds() + subs.cpu_seconds();
    let phase = Instant::now();
    let mut changes = Changes::new(None, &orders, epoch)?;
    changes
        .make(
            std::slice::from_ref(&base),
            &[0],
            setup.changes,
            setup.rate_per_sec,
        )
        .await?;
    let expected: u64 = changes
        .made
        .iter()
        .map(|m| {
            (0..streams)
                .filter(|s| screens.concerns(*s, m.order))
                .count() as u64
        })
        .sum();
    until_delivered(&subs, expected, Duration::from_secs(30)).await;
    let phase_secs = phase.elapsed().as_secs_f64();
    let cpu = server.cpu_seconds() - cpu_before;
    let load_cpu = processes::own_cpu_seconds() + subs.cpu_seconds() - load_before;
    let received = subs.finish().await?;
    server.stop().await;
    let mut latencies = Vec::new();
    let (mut lost, mut duplicates) = (0, 0);
    for (s, r) in received.iter().enumerate() {
        duplicates += u64::from(r.duplicates);
        for (c, m) in changes.made.iter().enumerate() {
            if !screens.concerns(s, m.order) {
                continue;
            }
            match r.at_micros[c] {
                NOT_RECEIVED => lost += 1,
                at => latencies.push(at.saturating_sub(m.sent)),
            }
        }
    }
    Ok(SingleRun {
        streams,
        kib_per_stream,
        deliveries: latencies.len() as u64,
        from_request: Percentiles::of_micros(&mut latencies),
        write_ms: changes.write_ms(),
        cpu,
        load_cpu,
        phase_secs,
        expected,
        lost,
        duplicates,
    })
}

/// Part 3: writers on 1, 2 and 3 nodes at once, the boards attached.
async fn cluster_writes(setup: &Setup<'_>, url: String) -> anyhow::Result<Vec<WriteRow>> {
    let mut nodes = Vec::with_capacity(NODES);
    for _ in 0..NODES {
        nodes.push(ServerProcess::orderboard_node(setup.server_bin, &url, PASSPHRASE).await?);
    }
    let bases: Vec<String> = nodes.iter().map(|n| n.url("")).collect();
    let addrs: Vec<SocketAddr> = nodes.iter().map(|n| n.addr).collect();
    let http = client()?;
    let cookie = sign_in(&http, &bases[0]).await?;
    let pool = harness_pool(&url).await?;
    let database: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&pool)
        .await?;
    let stop_boards = CancellationToken::new();
    let boards = Subscribers::start(Plan {
        routes: Screens::new(&addrs, &[], 0, setup.boards).routes,
        first_seq: 1,
        count: 0,
        epoch: Instant::now(),
        stop: stop_boards.clone(),
        resume: false,
        sources: sources(),
    })
    .await?;
    let mut rows = Vec::new();
    for writing in 1..=NODES {
        // What the run before left to write out is written now, not during
        // this run's commits.
        sqlx::query("CHECKPOINT").execute(&pool).await?;
        let synced = tokio::process::Command::new("sync").status().await?;
        anyhow::ensure!(synced.success(), "sync failed: {synced}");
        let before = postgres::head(&pool).await?;
        let stop_sampling = CancellationToken::new();
        let sampler = postgres::sample_lock(
            pool.clone(),
            database.clone(),
            LOCK_SAMPLE_EVERY,
            stop_sampling.clone(),
        );
        let done = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let deadline = started + Duration::from_secs(setup.writes_secs);
        let mut tasks = Vec::new();
        for (node, base) in bases.iter().enumerate().take(writing) {
            for w in 0..setup.writers_per_node {
                tasks.push(tokio::spawn(write_until(
                    client()?,
                    base.clone(),
                    Some(cookie.clone()),
                    format!("Writer {node}-{w}"),
                    deadline,
                    done.clone(),
                )));
            }
        }
        for t in tasks {
            t.await??;
        }
        let seconds = started.elapsed().as_secs_f64();
        stop_sampling.cancel();
        let lock = sampler.await??;
        let after = postgres::head(&pool).await?;
        let (changes, transactions) =
            postgres::changes_and_transactions(&pool, before, after).await?;
        let acknowledged = done.load(std::sync::atomic::Ordering::Relaxed);
        rows.push(WriteRow {
            nodes: writing,
            writers: writing * setup.writers_per_node,
            per_second: acknowledged as f64 / seconds,
            transactions_per_second: Some(transactions as f64 / seconds),
            changes_per_transaction: Some(changes as f64 / transactions.max(1) as f64),
            lock: Some(lock),
        });
    }
    stop_boards.cancel();
    boards.finish().await?;
    for node in nodes {
        node.stop().await;
    }
    pool.close().await;
    Ok(rows)
}

fn print_cluster(r: &ClusterRun) {
    let ms = |p: &Percentiles| {
        format!(
            "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            p.p50, p.p99, p.max
        )
    };
    println!(
        "  {NODES} nodes: streams per node {:?}, KiB per stream {:?}",
        r.streams_per_node,
        r.kib_per_stream
            .iter()
            .map(|k| format!("{k:.1}"))
            .collect::<Vec<_>>()
    );
    println!(
        "  from the request: same node {} ({} deliveries); another node {} ({})",
        ms(&r.from_request_same),
        r.deliveries_same,
        ms(&r.from_request_other),
        r.deliveries_other
    );
    if let (Some(same), Some(other)) = (&r.from_commit_same, &r.from_commit_other) {
        println!(
            "  from the commit: same node {}; another node {}",
            ms(same),
            ms(other)
        );
    }
    if let Some(k) = r.kernel_kib_per_connection {
        println!("  kernel slab per connection, both ends: {k:.1} KiB");
    }
    println!(
        "  at rest for {:.1} s: CPU s per node {:?}",
        r.idle_secs,
        r.idle_cpu
            .iter()
            .map(|c| format!("{c:.2}"))
            .collect::<Vec<_>>()
    );
    println!(
        "  a change's request to its answer: {}; CPU s over {:.1} s: nodes {:?}, PostgreSQL {}, load generator {:.2}",
        ms(&r.write_ms),
        r.phase_secs,
        r.node_cpu.iter().map(|c| format!("{c:.2}")).collect::<Vec<_>>(),
        r.postgres_cpu.map_or("not read".into(), |c| format!("{c:.2}")),
        r.load_cpu
    );
    let f = &r.failover;
    println!(
        "  kill -9: {} of {} streams resumed (on the others: {:?}), p50 {:.2} s, all {:.2} s after the kill; {} failed connections or starts in the whole run; {} listen queue overflows; {} streams on surviving nodes lost theirs",
        f.resumed, f.streams, f.resumed_on, f.resume_p50_s, f.resume_all_s, f.refused,
        f.listen_overflows.map_or("unknown".into(), |n| n.to_string()), f.survivors_lost
    );
    println!(
        "  after the kill: {} stage changes refused with 503 (made again); the screens that kept their stream got the changes in p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms from the request",
        f.writes_refused, f.kept_from_request.p50, f.kept_from_request.p99, f.kept_from_request.max
    );
    println!(
        "  every screen: {} expected, {} lost, {} duplicated, {} snapshots instead of a replay; the killed node's screens: {} expected, {} lost, {} duplicated",
        f.expected, f.lost, f.duplicates, f.restarts, f.killed_expected, f.killed_lost, f.killed_duplicates
    );
}

fn print_single(r: &SingleRun) {
    println!(
        "  one node on SQLite: {} streams, {:.1} KiB per stream; from the request p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} deliveries of {} expected, {} lost, {} duplicated); request to answer p50 {:.1} ms; CPU s {:.2} over {:.1} s, load generator {:.2}",
        r.streams, r.kib_per_stream, r.from_request.p50, r.from_request.p99, r.from_request.max, r.deliveries, r.expected, r.lost, r.duplicates, r.write_ms.p50, r.cpu, r.phase_secs, r.load_cpu
    );
}

fn print_write(r: &WriteRow) {
    match (&r.lock, r.transactions_per_second, r.changes_per_transaction) {
        (Some(lock), Some(tps), Some(per)) => println!(
            "  writes, {} node(s) on PostgreSQL, {} writers: {:.0} changes/s; {tps:.0} transactions/s of {per:.1} changes; log_head held {:.0}% of {} samples (a writer waiting {:.0}%), {:.2} ms per transaction; ceiling {:.0} changes/s",
            r.nodes,
            r.writers,
            r.per_second,
            lock.held_share() * 100.0,
            lock.samples,
            lock.waited_share() * 100.0,
            r.hold_ms().unwrap_or(f64::NAN),
            r.ceiling().unwrap_or(f64::NAN)
        ),
        _ => println!(
            "  writes, one node on SQLite, {} writers: {:.0} changes/s",
            r.writers, r.per_second
        ),
    }
}

/// Connects the screens of `plan` in worker processes and waits (at most two
/// minutes) until every stream has its snapshot; says how long that took.
async fn connect_screens(
    plan: WorkerPlan,
    per_worker: usize,
    connected_to: &str,
) -> anyhow::Result<WorkerSubscribers> {
    let streams = plan.routes.len();
    let connecting = Instant::now();
    let subs = WorkerSubscribers::start(plan, per_worker).await?;
    let heads = connecting.elapsed().as_secs_f64();
    anyhow::ensure!(
        subs.all_started(streams, Duration::from_secs(120)).await,
        "not every stream had its snapshot within 2 minutes"
    );
    println!(
        "  {streams} streams connected to {connected_to}: their heads in {heads:.1} s, their snapshots in {:.1} s",
        connecting.elapsed().as_secs_f64()
    );
    Ok(subs)
}
