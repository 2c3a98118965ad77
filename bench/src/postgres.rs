//! The PostgreSQL side of the multi-node scenario: a fresh database per
//! run, what the event log holds (sequence numbers, orders, transactions
//! and commit times), how busy the `log_head` lock is, and the CPU time
//! of PostgreSQL's processes.
//!
//! The cluster is the caller's (`--database-url`, or
//! ORDERBOARD_TEST_DATABASE_URL from `scripts/with-postgres`); only the
//! databases made here are dropped, and PostgreSQL's processes are only
//! read about in /proc.

use anyhow::Context;
use sqlx::{Connection, PgConnection, PgPool};
use std::path::Path;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The URL of database `name` on the cluster of `admin_url` (same user,
/// host and options).
pub fn database_url(admin_url: &str, name: &str) -> String {
    let (path, query) = match admin_url.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (admin_url, None),
    };
    let base = path.rsplit_once('/').map_or(path, |(base, _)| base);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A new, empty database `name` (dropped first if a failed run left it);
/// returns its URL.
pub async fn fresh_database(admin_url: &str, name: &str) -> anyhow::Result<String> {
    let mut conn = PgConnection::connect(admin_url)
        .await
        .context("connecting to PostgreSQL (--database-url or ORDERBOARD_TEST_DATABASE_URL)")?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(database_url(admin_url, name))
}

pub async fn drop_database(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect(admin_url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// Whether PostgreSQL records when each transaction committed
/// (`track_commit_timestamp`, which `bench/run.sh` turns on).
pub async fn commit_times_recorded(pool: &PgPool) -> anyhow::Result<bool> {
    let setting: String = sqlx::query_scalar("SHOW track_commit_timestamp")
        .fetch_one(pool)
        .await?;
    Ok(setting == "on")
}

/// One change in the event log.
pub struct LogEvent {
    pub seq: u64,
    pub order_id: String,
    /// When its transaction committed, in microseconds since the Unix epoch.
    pub committed_unix_micros: Option<i64>,
}

/// The log's head: the last sequence number handed out.
pub async fn head(pool: &PgPool) -> anyhow::Result<u64> {
    let seq: i64 = sqlx::query_scalar("SELECT seq FROM log_head WHERE singleton = 1")
        .fetch_one(pool)
        .await?;
    Ok(seq as u64)
}

/// Every change after `after`, in order, with its commit time when
/// PostgreSQL records it.
pub async fn log_after(
    pool: &PgPool,
    after: u64,
    commit_times: bool,
) -> anyhow::Result<Vec<LogEvent>> {
    let committed = if commit_times {
        "(extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000000)::bigint"
    } else {
        "NULL::bigint"
    };
    let rows: Vec<(i64, String, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT seq, order_id, {committed} FROM events WHERE seq > $1 ORDER BY seq"
    ))
    .bind(after as i64)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, order_id, committed)| LogEvent {
            seq: seq as u64,
            order_id,
            committed_unix_micros: committed,
        })
        .collect())
}

/// The changes with sequence numbers in `after + 1..=upto`, and the
/// transactions that wrote them (each writer's batch is one).
pub async fn changes_and_transactions(
    pool: &PgPool,
    after: u64,
    upto: u64,
) -> anyhow::Result<(u64, u64)> {
    let (changes, transactions): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT xmin::text) FROM events WHERE seq > $1 AND seq <= $2",
    )
    .bind(after as i64)
    .bind(upto as i64)
    .fetch_one(pool)
    .await?;
    Ok((changes as u64, transactions as u64))
}

/// How often, of the samples taken, a node's transaction held the
/// `log_head` row lock, and how often another waited for it.
#[derive(Debug, Clone, Copy, Default)]
pub struct LockUse {
    pub samples: u64,
    pub held: u64,
    pub waited: u64,
}

impl LockUse {
    pub fn held_share(&self) -> f64 {
        self.held as f64 / self.samples.max(1) as f64
    }
    pub fn waited_share(&self) -> f64 {
        self.waited as f64 / self.samples.max(1) as f64
    }
}

/// Samples `pg_stat_activity` every `every` until `stop`: the `log_head`
/// lock is held when one of the nodes' connections (application name
/// `orderboard`) is in a transaction that has a transaction id and is not
/// itself waiting for a lock. Only a node's writer takes one: it locks
/// `log_head` first, and keeps it until its commit has been flushed. Reads
/// (snapshots, the log tailers) are read-only and never get an id.
pub fn sample_lock(
    pool: PgPool,
    database: String,
    every: Duration,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<anyhow::Result<LockUse>> {
    tokio::spawn(async move {
        let mut conn = pool.acquire().await?;
        let mut used = LockUse::default();
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tick.tick() => {}
            }
            let (holding, waiting): (i64, i64) = sqlx::query_as(
                "SELECT count(*) FILTER (WHERE backend_xid IS NOT NULL
                                           AND wait_event_type IS DISTINCT FROM 'Lock'),
                        count(*) FILTER (WHERE wait_event_type = 'Lock')
                 FROM pg_stat_activity
                 WHERE application_name = 'orderboard' AND datname = $1",
            )
            .bind(&database)
            .fetch_one(&mut *conn)
            .await?;
            used.samples += 1;
            used.held += u64::from(holding > 0);
            used.waited += u64::from(waiting > 0);
        }
        Ok(used)
    })
}

/// The postmaster's pid, from the cluster's data folder (the first line of
/// `postmaster.pid`), to read its processes' CPU time.
pub fn postmaster_pid(pgdata: &Path) -> Option<u32> {
    std::fs::read_to_string(pgdata.join("postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}
