//! Several Orderboard nodes on one PostgreSQL, behind nginx: real server
//! processes, a real PostgreSQL (the test command's own, from
//! scripts/with-postgres), the shipped nginx configuration, real SSE
//! clients. Each test prints its figures.
//!
//! Run with `scripts/with-postgres cargo test -p orderboard-server --test
//! multinode -- --test-threads=1 --nocapture`: one test at a time, because
//! one of them restarts PostgreSQL. Without ORDERBOARD_TEST_DATABASE_URL
//! each test says so and passes without running.

mod clients;
mod cluster;
// Shared with the API suite, which uses more of it.
#[allow(dead_code)]
#[path = "../common/nginx.rs"]
mod nginx;
#[path = "../common/postgres.rs"]
mod postgres;

use clients::{lost_and_duplicated, strictly_increasing, Screen, Staff, Written};
use cluster::{Cluster, Node, PATIENCE};
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use orderboard_model::Stage;
use postgres::admin_url;
use std::time::{Duration, Instant};

/// The cluster's admin URL, or a note and an early return.
macro_rules! postgres_or_skip {
    () => {
        match admin_url() {
            Some(url) => url,
            None => {
                eprintln!("skipped: ORDERBOARD_TEST_DATABASE_URL is not set (run under scripts/with-postgres)");
                return;
            }
        }
    };
}

/// Every event id in the log, in order.
async fn log_ids(cluster: &Cluster) -> Vec<u64> {
    let pool = cluster.sql().await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT seq FROM events ORDER BY seq")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    ids.into_iter().map(|s| s as u64).collect()
}

fn acknowledged(w: Written) -> orderboard_model::Order {
    match w {
        Written::Acknowledged(order) => *order,
        other => panic!("the write was not acknowledged: {other:?}"),
    }
}

/// Reads `/api/board/events` at `base` after `last_event_id` until `until`;
/// returns the ids and the names of the events sent.
async fn read_after(base: &str, last_event_id: u64, until: u64) -> Vec<(String, u64)> {
    let res = reqwest::Client::new()
        .get(format!("{base}/api/board/events"))
        .header("last-event-id", last_event_id.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut events = res.bytes_stream().eventsource();
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while got.last().map(|(_, id)| *id) != Some(until) {
        let event = tokio::time::timeout_at(deadline, events.next())
            .await
            .expect("the events after the id arrive")
            .expect("the stream stays open")
            .unwrap();
        if let Ok(id) = event.id.parse() {
            if !event.data.is_empty() {
                got.push((event.event, id));
            }
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_on_one_node_reaches_every_node_and_resumes_exactly_on_another() {
    let admin = postgres_or_skip!();
    let cluster = Cluster::start(&admin, "mn_reach", 3).await;
    let [a, b, c] = [0, 1, 2].map(|i| cluster.nodes[i].url(""));
    let screens: Vec<Screen> = [&a, &b, &c]
        .iter()
        .map(|base| Screen::follow(base.to_string(), base.to_string()))
        .collect();
    for s in &screens {
        s.ready().await;
    }
    // A session made on A is valid on B and C.
    let staff = Staff::sign_in(&a).await;
    assert!(staff.signed_in_at(&b).await && staff.signed_in_at(&c).await);

    // Changes on A, then some on B and C as well.
    let started = Instant::now();
    let mut orders = Vec::new();
    for _ in 0..5 {
        orders.push(acknowledged(staff.create(&a).await).id);
    }
    for (i, id) in orders.iter().enumerate() {
        let node = [&a, &b, &c][i % 3];
        for to in [Stage::Preparing, Stage::Ready, Stage::Collected] {
            acknowledged(staff.move_to(node, *id, to).await);
        }
    }
    let log = log_ids(&cluster).await;
    assert_eq!(log, (1..=20).collect::<Vec<u64>>(), "gap-free, in order");
    let head = *log.last().unwrap();
    for s in &screens {
        s.until_seen(head).await;
    }
    let spread = started.elapsed();
    for (s, name) in screens.iter().zip(["A", "B", "C"]) {
        let seen = s.seen();
        assert!(
            strictly_increasing(&seen.ids),
            "node {name}: {:?}",
            seen.ids
        );
        assert_eq!(seen.ids, log, "node {name} saw every change once, in order");
    }

    // A client that read up to N on B reconnects to C with Last-Event-ID: N.
    let n = 7;
    let resumed_at = Instant::now();
    let after = read_after(&c, n, head).await;
    let resume_time = resumed_at.elapsed();
    assert!(
        after.iter().all(|(name, _)| name == "order"),
        "a replay, not a reset: {after:?}"
    );
    let ids: Vec<u64> = after.iter().map(|(_, id)| *id).collect();
    assert_eq!(ids, ((n + 1)..=head).collect::<Vec<u64>>());
    println!(
        "3 nodes: {head} changes made on A, B and C reached every node's stream, each once and in order \
         ({:.0} ms for all of them); resuming on C after {n} (read on B) replayed exactly {} changes in {:.1} ms",
        spread.as_secs_f64() * 1000.0,
        ids.len(),
        resume_time.as_secs_f64() * 1000.0
    );
    for s in screens {
        s.stop().await;
    }
    for node in cluster.nodes {
        node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn staff_sessions_hold_on_every_node_and_survive_restarting_them_all() {
    let admin = postgres_or_skip!();
    let mut cluster = Cluster::start(&admin, "mn_sessions", 3).await;
    let staff = Staff::sign_in(&cluster.nodes[0].url("")).await;
    for node in &cluster.nodes {
        assert!(staff.signed_in_at(&node.url("")).await, "{}", node.name);
    }
    // Every node stops; three new ones start on the same database.
    for node in std::mem::take(&mut cluster.nodes) {
        node.stop().await;
    }
    for i in 0..3 {
        cluster
            .nodes
            .push(Node::start(&format!("node{}b", i + 1), &cluster.database_url).await);
    }
    for node in &cluster.nodes {
        assert!(
            staff.signed_in_at(&node.url("")).await,
            "{} after the restart",
            node.name
        );
    }
    acknowledged(staff.create(&cluster.nodes[1].url("")).await);

    // Signed out on one node, the session ends on the others too.
    let res = staff
        .http
        .delete(cluster.nodes[0].url("/api/session"))
        .header("cookie", &staff.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let signed_out = Instant::now();
    for node in &cluster.nodes {
        while staff.signed_in_at(&node.url("")).await {
            assert!(
                signed_out.elapsed() < PATIENCE,
                "{} keeps a signed-out session",
                node.name
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let took = signed_out.elapsed();
    let refused = staff.create(&cluster.nodes[2].url("")).await;
    assert!(matches!(refused, Written::Refused(401, _)), "{refused:?}");

    // Failed sign-ins count on every node: three wrong ones on node 1, and
    // node 2 makes the same address wait.
    let http = reqwest::Client::new();
    let wrong = |base: String| {
        let http = http.clone();
        async move {
            http.post(format!("{base}/api/session"))
                .json(&serde_json::json!({ "passphrase": "wrong" }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    for _ in 0..3 {
        assert_eq!(wrong(cluster.nodes[0].url("")).await, 401);
    }
    assert_eq!(wrong(cluster.nodes[1].url("")).await, 429);
    println!(
        "a session made on node 1 held on all 3 nodes and after restarting all of them; signed out on node 1, \
         every node refused it within {:.1} s; failed sign-ins on node 1 made node 2 answer 429",
        took.as_secs_f64()
    );
    for node in cluster.nodes {
        node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_of_a_node_during_a_burst_of_writes_loses_nothing() {
    let admin = postgres_or_skip!();
    let mut cluster = Cluster::start(&admin, "mn_kill", 3).await;
    let lb = nginx::Nginx::start(&cluster.addrs()).await;
    let front = lb.url("");
    // Screens through the load balancer, and one on each node directly;
    // all reconnect through the load balancer.
    let mut screens: Vec<Screen> = (0..6)
        .map(|_| Screen::follow(front.clone(), front.clone()))
        .collect();
    for node in &cluster.nodes {
        screens.push(Screen::follow(node.url(""), front.clone()));
    }
    for s in &screens {
        s.ready().await;
    }
    let staff = Staff::sign_in(&front).await;

    // Writers on every node, each making orders and moving them along,
    // for a few seconds; node 2 is killed in the middle.
    let bases: Vec<String> = cluster.nodes.iter().map(|n| n.url("")).collect();
    let burst = Duration::from_secs(4);
    let start = Instant::now();
    let mut writers = Vec::new();
    for (i, base) in bases.iter().enumerate() {
        for _ in 0..3 {
            let staff = staff.clone();
            let base = base.clone();
            writers.push(tokio::spawn(async move {
                let mut acked: Vec<(uuid::Uuid, u64)> = Vec::new();
                let mut no_answer = 0usize;
                while start.elapsed() < burst {
                    let Written::Acknowledged(order) = staff.create(&base).await else {
                        no_answer += 1;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    };
                    acked.push((order.id, order.version));
                    for to in [Stage::Preparing, Stage::Ready, Stage::Collected] {
                        match staff.move_to(&base, order.id, to).await {
                            Written::Acknowledged(o) => acked.push((o.id, o.version)),
                            _ => {
                                no_answer += 1;
                                break;
                            }
                        }
                    }
                }
                (i, acked, no_answer)
            }));
        }
    }
    tokio::time::sleep(burst / 2).await;
    let killed_at = Instant::now();
    cluster.nodes[1].kill().await;
    let mut acked = Vec::new();
    let mut no_answer = 0;
    for w in writers {
        let (_, a, n) = w.await.unwrap();
        acked.extend(a);
        no_answer += n;
    }

    // Every acknowledged write is in the log.
    let pool = cluster.sql().await;
    let logged: Vec<(String, String)> =
        sqlx::query_as("SELECT order_id, order_json FROM events ORDER BY seq")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    let logged: std::collections::HashSet<(uuid::Uuid, u64)> = logged
        .iter()
        .map(|(id, json)| {
            let order: orderboard_model::Order = serde_json::from_str(json).unwrap();
            (id.parse().unwrap(), order.version)
        })
        .collect();
    let missing: Vec<_> = acked.iter().filter(|a| !logged.contains(a)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged but not in the log: {missing:?}"
    );

    // Every screen gets every change after its start exactly once: the
    // killed node's screens through the others.
    let log = log_ids(&cluster).await;
    let head = *log.last().unwrap();
    for s in &screens {
        s.until_seen(head).await;
    }
    let mut lost = 0;
    let mut duplicated = 0;
    let mut resumes = Vec::new();
    let mut moved = 0;
    for s in screens {
        let seen = s.stop().await;
        let (l, d) = lost_and_duplicated(&seen, &log);
        assert!(strictly_increasing(&seen.ids));
        assert_eq!(
            seen.restarts, 0,
            "resumed exactly, without a reset: {seen:?}"
        );
        lost += l.len();
        duplicated += d.len();
        if !seen.resumes.is_empty() {
            moved += 1;
        }
        resumes.extend(seen.resumes);
    }
    assert_eq!((lost, duplicated), (0, 0));
    assert!(
        moved >= 1,
        "the killed node's own screen moved to another node"
    );
    let slowest = resumes.iter().max().copied().unwrap_or_default();
    println!(
        "kill -9 of 1 of 3 nodes {:.1} s into a {:.0} s burst: {} writes acknowledged, all {} found in the log \
         ({} changes logged in all; {no_answer} writes got no answer or a refusal), 9 screens: lost 0, duplicated 0; \
         {moved} screens lost their node and resumed through nginx, the slowest in {:.2} s",
        killed_at.duration_since(start).as_secs_f64(),
        burst.as_secs_f64(),
        acked.len(),
        acked.len(),
        log.len(),
        slowest.as_secs_f64()
    );
    lb.stop();
    for node in cluster.nodes {
        node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn display_numbers_stay_unique_under_concurrent_creates_on_every_node() {
    let admin = postgres_or_skip!();
    let cluster = Cluster::start(&admin, "mn_numbers", 3).await;
    let staff = Staff::sign_in(&cluster.nodes[0].url("")).await;
    let mut creates = Vec::new();
    for node in &cluster.nodes {
        for _ in 0..60 {
            let staff = staff.clone();
            let base = node.url("");
            creates.push(tokio::spawn(async move { staff.create(&base).await }));
        }
    }
    let mut numbers = Vec::new();
    for c in creates {
        numbers.push(acknowledged(c.await.unwrap()).number);
    }
    let made = numbers.len();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), made, "every active order has its own number");
    assert_eq!(
        log_ids(&cluster).await,
        (1..=made as u64).collect::<Vec<_>>()
    );
    println!("{made} orders created at once over 3 nodes: {made} distinct display numbers, event ids 1..{made} without a gap");
    for node in cluster.nodes {
        node.stop().await;
    }
}

/// Runs `pg_ctl` on the test cluster, as PostgreSQL's own user.
fn pg_ctl(args: &[&str]) {
    let bin = std::env::var("ORDERBOARD_TEST_PGBIN").expect("ORDERBOARD_TEST_PGBIN");
    let data = std::env::var("ORDERBOARD_TEST_PGDATA").expect("ORDERBOARD_TEST_PGDATA");
    let status = std::process::Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(format!("{bin}/pg_ctl"))
        .args(["-D", &data, "-w", "-l", &format!("{data}/../server.log")])
        .args(args)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "pg_ctl {args:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_going_down_answers_503_keeps_streams_and_recovers_by_itself() {
    let admin = postgres_or_skip!();
    let cluster = Cluster::start(&admin, "mn_pg_down", 2).await;
    let bases: Vec<String> = cluster.nodes.iter().map(|n| n.url("")).collect();
    let screens: Vec<Screen> = bases
        .iter()
        .map(|b| Screen::follow(b.clone(), b.clone()))
        .collect();
    for s in &screens {
        s.ready().await;
    }
    let staff = Staff::sign_in(&bases[0]).await;
    let first = acknowledged(staff.create(&bases[0]).await);

    // PostgreSQL stops at once (as in a crash), and is started again below.
    pg_ctl(&["stop", "-m", "immediate"]);
    let down_at = Instant::now();
    let mut slowest_answer = Duration::ZERO;
    for base in &bases {
        for _ in 0..3 {
            let asked = Instant::now();
            let answer = staff.move_to(base, first.id, Stage::Preparing).await;
            slowest_answer = slowest_answer.max(asked.elapsed());
            match answer {
                Written::Refused(503, body) => {
                    assert!(body.contains("\"code\":\"unavailable\""), "{body}");
                    assert!(body.contains("retry-after: Some(\"2\")"), "{body}");
                }
                other => panic!("a write while PostgreSQL is down: {other:?}"),
            }
        }
        let res = staff
            .http
            .get(format!("{base}/api/orders"))
            .header("cookie", &staff.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 503, "a read while PostgreSQL is down");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let down_for = down_at.elapsed();
    pg_ctl(&["start"]);
    let up_at = Instant::now();

    // Everything recovers by itself: the first write that works, and its
    // change on both nodes' streams.
    let moved = loop {
        match staff.move_to(&bases[1], first.id, Stage::Preparing).await {
            Written::Acknowledged(order) => break *order,
            Written::Refused(503, _) | Written::NoAnswer => {
                assert!(up_at.elapsed() < PATIENCE, "writes never worked again");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => panic!("{other:?}"),
        }
    };
    let recovered = up_at.elapsed();
    assert_eq!(moved.stage, Stage::Preparing);

    // And a restart as pg_ctl does it (immediate: no clean shutdown), with
    // the streams open: the next write, once it is back, reaches them too.
    pg_ctl(&["restart", "-m", "immediate"]);
    let restarted_at = Instant::now();
    loop {
        match staff.move_to(&bases[0], first.id, Stage::Ready).await {
            Written::Acknowledged(_) => break,
            Written::Refused(503, _) | Written::NoAnswer => {
                assert!(
                    restarted_at.elapsed() < PATIENCE,
                    "writes never worked again"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => panic!("{other:?}"),
        }
    }
    let after_restart = restarted_at.elapsed();
    let log = log_ids(&cluster).await;
    let head = *log.last().unwrap();
    for s in &screens {
        s.until_seen(head).await;
    }
    let delivered = up_at.elapsed();
    let mut reconnects = 0;
    for s in screens {
        let seen = s.stop().await;
        let (lost, duplicated) = lost_and_duplicated(&seen, &log);
        assert!(lost.is_empty() && duplicated.is_empty(), "{seen:?}");
        assert_eq!(seen.restarts, 0);
        reconnects += seen.resumes.len();
    }
    println!(
        "PostgreSQL down for {:.1} s: every write and read answered 503 with Retry-After (slowest answer {:.2} s); \
         streams stayed open ({reconnects} reconnects); after the start, writes worked again in {:.2} s and the \
         change was on both nodes' streams in {:.2} s; after `pg_ctl restart -m immediate` the next write worked \
         in {:.2} s; lost 0, duplicated 0",
        down_for.as_secs_f64(),
        slowest_answer.as_secs_f64(),
        recovered.as_secs_f64(),
        delivered.as_secs_f64(),
        after_restart.as_secs_f64()
    );
    for node in cluster.nodes {
        node.stop().await;
    }
}
