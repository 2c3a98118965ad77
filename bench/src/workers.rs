//! Subscribers spread over worker processes.
//!
//! A process may hold only so many open files (the hard limit, which only a
//! privileged process can raise, and a container may not be one). The
//! multi-node scenario's 30,000 screens are more sockets than that, so its
//! subscribers run in a few copies of this harness (`--screens-worker`),
//! each with a share of the screens, all in [`crate::subscribers`]. A worker
//! reads its [`WorkerPlan`] as one JSON line on stdin, connects, says
//! `ready`, then reports its counts every 20 ms (`status DELIVERED LOST
//! RESUMED STARTED`) until it reads `stop`; then it writes what each subscriber saw,
//! one JSON line each, and `done`.
//!
//! Times stay comparable across processes: the plan names the shared
//! epoch as Unix time, and each worker sets its own monotonic epoch instant
//! from it once, when it starts.

use crate::subscribers::{Plan, Received, Route, Subscribers, NOT_RECEIVED};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;

/// What one worker is asked to do: a [`Plan`] without its in-process parts.
#[derive(Serialize, Deserialize)]
pub struct WorkerPlan {
    pub routes: Vec<Route>,
    pub first_seq: u64,
    pub count: usize,
    pub resume: bool,
    pub sources: Vec<IpAddr>,
    /// The shared epoch, in microseconds since the Unix epoch.
    pub epoch_unix_micros: i64,
}

/// What a subscriber saw, as a worker sends it: only the events received.
#[derive(Serialize, Deserialize)]
struct Seen {
    /// `(seq - first_seq, microseconds since the epoch)`.
    got: Vec<(u32, u32)>,
    duplicates: u32,
    lost_at: Option<u32>,
    resumed_at: Option<u32>,
    resumed_on: Option<usize>,
    refused: u32,
    restarts: u32,
}

impl Seen {
    fn of(r: &Received) -> Seen {
        Seen {
            got: r
                .at_micros
                .iter()
                .enumerate()
                .filter(|(_, at)| **at != NOT_RECEIVED)
                .map(|(i, at)| (i as u32, *at))
                .collect(),
            duplicates: r.duplicates,
            lost_at: r.lost_at,
            resumed_at: r.resumed_at,
            resumed_on: r.resumed_on,
            refused: r.refused,
            restarts: r.restarts,
        }
    }

    fn into_received(self, count: usize) -> Received {
        let mut at_micros = vec![NOT_RECEIVED; count];
        for (i, at) in self.got {
            if let Some(slot) = at_micros.get_mut(i as usize) {
                *slot = at;
            }
        }
        Received {
            at_micros,
            duplicates: self.duplicates,
            lost_at: self.lost_at,
            resumed_at: self.resumed_at,
            resumed_on: self.resumed_on,
            refused: self.refused,
            restarts: self.restarts,
        }
    }
}

/// The worker's side: `orderboard-bench --screens-worker`.
pub async fn worker_main() -> anyhow::Result<()> {
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    let line = stdin.next_line().await?.context("no plan on stdin")?;
    let plan: WorkerPlan = serde_json::from_str(&line)?;
    let now_unix = SystemTime::now().duration_since(UNIX_EPOCH)?.as_micros() as i64;
    let since_epoch = Duration::from_micros((now_unix - plan.epoch_unix_micros).max(0) as u64);
    let epoch = Instant::now()
        .checked_sub(since_epoch)
        .context("an epoch before this machine's monotonic clock began")?;
    let count = plan.count;
    let stop = CancellationToken::new();
    let subs = Subscribers::start(Plan {
        routes: plan.routes,
        first_seq: plan.first_seq,
        count,
        epoch,
        stop: stop.clone(),
        resume: plan.resume,
        sources: plan.sources,
    })
    .await?;
    let mut out = tokio::io::BufWriter::new(tokio::io::stdout());
    out.write_all(b"ready\n").await?;
    out.flush().await?;
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    loop {
        tokio::select! {
            line = stdin.next_line() => match line? {
                Some(l) if l.trim() != "stop" => continue,
                _ => break,
            },
            _ = tick.tick() => {
                let (lost, resumed) = subs.lost_and_resumed();
                let status = format!("status {} {lost} {resumed} {}\n", subs.delivered(), subs.started());
                out.write_all(status.as_bytes()).await?;
                out.flush().await?;
            }
        }
    }
    stop.cancel();
    for r in subs.finish().await? {
        let mut line = serde_json::to_vec(&Seen::of(&r))?;
        line.push(b'\n');
        out.write_all(&line).await?;
    }
    out.write_all(b"done\n").await?;
    out.flush().await?;
    Ok(())
}

/// The counts a worker last reported.
#[derive(Default)]
struct Counts {
    delivered: AtomicU64,
    lost: AtomicU64,
    resumed: AtomicU64,
    started: AtomicU64,
}

struct Worker {
    child: Child,
    stdin: tokio::process::ChildStdin,
    counts: Arc<Counts>,
    results: tokio::task::JoinHandle<anyhow::Result<Vec<Received>>>,
}

/// Subscribers in worker processes, with [`Subscribers`]' ways of asking.
pub struct WorkerSubscribers {
    workers: Vec<Worker>,
}

impl WorkerSubscribers {
    /// Spreads the plan's subscribers over workers of at most `per_worker`
    /// each (in order: results come back in the plan's order), and waits
    /// until every one is connected.
    pub async fn start(plan: WorkerPlan, per_worker: usize) -> anyhow::Result<WorkerSubscribers> {
        let exe = std::env::current_exe()?;
        let n = plan.routes.len();
        let mut workers = Vec::new();
        let mut readies = Vec::new();
        for chunk in plan.routes.chunks(per_worker.max(1)) {
            let mut child = Command::new(&exe)
                .arg("--screens-worker")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .context("starting a screens worker")?;
            let mut stdin = child.stdin.take().context("the worker's stdin")?;
            let share = WorkerPlan {
                routes: chunk.to_vec(),
                first_seq: plan.first_seq,
                count: plan.count,
                resume: plan.resume,
                sources: plan.sources.clone(),
                epoch_unix_micros: plan.epoch_unix_micros,
            };
            let mut line = serde_json::to_vec(&share)?;
            line.push(b'\n');
            stdin.write_all(&line).await?;
            stdin.flush().await?;
            let mut lines =
                BufReader::new(child.stdout.take().context("the worker's stdout")?).lines();
            let counts = Arc::new(Counts::default());
            let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
            let count = plan.count;
            let reported = counts.clone();
            let results = tokio::spawn(async move {
                let mut ready = Some(ready_tx);
                let mut seen = Vec::new();
                while let Some(line) = lines.next_line().await? {
                    if line == "ready" {
                        if let Some(tx) = ready.take() {
                            let _ = tx.send(());
                        }
                    } else if let Some(status) = line.strip_prefix("status ") {
                        let v: Vec<u64> =
                            status.split(' ').filter_map(|x| x.parse().ok()).collect();
                        if let [delivered, lost, resumed, started] = v[..] {
                            reported.delivered.store(delivered, Ordering::Relaxed);
                            reported.lost.store(lost, Ordering::Relaxed);
                            reported.resumed.store(resumed, Ordering::Relaxed);
                            reported.started.store(started, Ordering::Relaxed);
                        }
                    } else if line == "done" {
                        return Ok(seen);
                    } else {
                        let s: Seen = serde_json::from_str(&line)
                            .with_context(|| format!("a worker said: {line}"))?;
                        seen.push(s.into_received(count));
                    }
                }
                anyhow::bail!("a screens worker ended before it was done")
            });
            readies.push(ready_rx);
            workers.push(Worker {
                child,
                stdin,
                counts,
                results,
            });
        }
        // As long as a worker may take to connect, and a little more.
        let limit = Duration::from_secs(150) + Duration::from_millis(5) * n as u32;
        for ready in readies {
            tokio::time::timeout(limit, ready)
                .await
                .context("a screens worker did not connect its subscribers in time")?
                .context("a screens worker failed before it was ready")?;
        }
        Ok(WorkerSubscribers { workers })
    }

    /// Events received so far, each counted once per subscriber (as last
    /// reported: at most 20 ms old).
    pub fn delivered(&self) -> u64 {
        self.workers
            .iter()
            .map(|w| w.counts.delivered.load(Ordering::Relaxed))
            .sum()
    }

    /// Subscribers that lost their stream, and those of them that have one again.
    pub fn lost_and_resumed(&self) -> (u64, u64) {
        self.workers.iter().fold((0, 0), |(l, r), w| {
            (
                l + w.counts.lost.load(Ordering::Relaxed),
                r + w.counts.resumed.load(Ordering::Relaxed),
            )
        })
    }

    /// Waits until every subscriber's stream has started (it read its
    /// snapshot: a stream's head comes before the node has read what it
    /// sends), or `limit` has passed; says which.
    pub async fn all_started(&self, n: usize, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let started: u64 = self
                .workers
                .iter()
                .map(|w| w.counts.started.load(Ordering::Relaxed))
                .sum();
            if started >= n as u64 {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// CPU seconds the workers have used.
    pub fn cpu_seconds(&self) -> f64 {
        self.workers
            .iter()
            .filter_map(|w| w.child.id())
            .map(crate::processes::tree_cpu_seconds)
            .sum()
    }

    /// Stops every subscriber; what each saw, in the plan's order.
    pub async fn finish(mut self) -> anyhow::Result<Vec<Received>> {
        for w in &mut self.workers {
            w.stdin.write_all(b"stop\n").await?;
            w.stdin.flush().await?;
        }
        let mut all = Vec::new();
        for mut w in self.workers {
            all.extend(w.results.await??);
            let status = w.child.wait().await?;
            anyhow::ensure!(status.success(), "a screens worker failed: {status}");
        }
        Ok(all)
    }
}
