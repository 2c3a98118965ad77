//! One run from start to report: create the orders, connect every client,
//! make changes for the run's length, let the last deliveries land, close the
//! clients and add up what they saw against what the kitchen did.

use crate::accounting::{summarize, Tally};
use crate::clients::{self, ClientContext, Readiness};
use crate::counts;
use crate::driver::OrderDriver;
use crate::kitchen::{self, Kitchen, Refresher};
use crate::plan::LoadConfig;
use orderboard_model::{ComparisonPhase, LoadReport};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The longest wait for every client's first state.
const MAX_CONNECT_WAIT: Duration = Duration::from_secs(300);
/// How long the kitchen's last changes, and the clients' closing, may take.
const FINISH_PATIENCE: Duration = Duration::from_secs(15);

/// Runs the load described by `config` against its target, with `driver`
/// making the changes. `stop` ends the run early (it still reports);
/// `on_phase` hears Starting, Running, Stopping and Finished as they begin.
pub async fn run(
    config: LoadConfig,
    driver: Arc<dyn OrderDriver>,
    stop: CancellationToken,
    on_phase: Arc<dyn Fn(ComparisonPhase) + Send + Sync>,
) -> anyhow::Result<LoadReport> {
    config.validate()?;
    on_phase(ComparisonPhase::Starting);
    let base = config.base_url();
    let staff_http = reqwest::Client::builder()
        .timeout(clients::REQUEST_TIMEOUT)
        .pool_idle_timeout(clients::POOL_IDLE)
        .build()?;
    let before = counts::read(&staff_http, &base).await;

    let kitchen = Kitchen::open(&driver, config.order_count(), config.seed).await?;
    let ledger = kitchen.ledger();

    // Every client, on every transport, follows slot (i mod orders): all
    // transports see the same changes.
    let close = CancellationToken::new();
    let _close_on_drop = close.clone().drop_guard();
    let readiness = Arc::new(Readiness::default());
    let mut seeds = ChaCha8Rng::seed_from_u64(config.seed ^ 0x6c6f_6164_6765_6e00);
    let started = Instant::now();
    let mut clients: Vec<Vec<JoinHandle<Tally>>> = Vec::with_capacity(config.transports.len());
    let total = config.clients_per_transport as u64 * config.transports.len() as u64;
    let sources: Vec<IpAddr> = if config.source_addresses > 1 {
        let used = u64::from(config.source_addresses).min(total) as u32;
        (0..used).map(LoadConfig::source_address).collect()
    } else {
        Vec::new()
    };
    let per_transport = config.clients_per_transport as usize;
    for (t, plan) in config.transports.iter().enumerate() {
        let ctx = ClientContext::new(
            base.clone(),
            config.server_v4(),
            &sources,
            close.clone(),
            readiness.clone(),
        )?;
        let ctx = Arc::new(ctx);
        // Source addresses are dealt out over every transport's customers.
        let handles = (0..per_transport)
            .map(|i| {
                let follow = clients::follow(
                    ctx.clone(),
                    *plan,
                    t * per_transport + i,
                    kitchen.subscribe(i),
                    seeds.random(),
                );
                tokio::spawn(follow)
            })
            .collect();
        clients.push(handles);
    }
    let connect_wait = Duration::from_secs(30)
        .max(Duration::from_millis(total * 5))
        .min(MAX_CONNECT_WAIT);
    let connect_deadline = Instant::now() + connect_wait;
    while readiness.settled() < total && Instant::now() < connect_deadline && !stop.is_cancelled() {
        tokio::select! {
            _ = stop.cancelled() => {}
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
    if readiness.settled() < total {
        tracing::warn!(
            "{} of {total} clients had their first state after {connect_wait:?}",
            readiness.ready()
        );
    }

    on_phase(ComparisonPhase::Running);
    let kitchen_stop = CancellationToken::new();
    let _kitchen_stop_on_drop = kitchen_stop.clone().drop_guard();
    let refresher = Refresher {
        http: staff_http.clone(),
        base: base.clone(),
    };
    let cooking = kitchen.start(
        driver.clone(),
        refresher,
        config.stage_every,
        kitchen_stop.clone(),
    );
    if !stop.is_cancelled() {
        tokio::select! {
            _ = stop.cancelled() => {}
            _ = tokio::time::sleep(config.duration) => {}
        }
    }
    kitchen_stop.cancel();

    on_phase(ComparisonPhase::Stopping);
    let last_orders = cooking.finish(FINISH_PATIENCE).await;
    let final_versions = ledger.versions();
    tokio::time::sleep(config.grace).await;
    close.cancel();
    let deadline = Instant::now() + FINISH_PATIENCE;
    let mut tallies = Vec::with_capacity(clients.len());
    for handles in clients {
        let mut merged = Tally::default();
        for handle in handles {
            let abort = handle.abort_handle();
            match tokio::time::timeout_at(deadline, handle).await {
                Ok(Ok(t)) => merged.merge(t),
                Ok(Err(e)) => merged.error(format_args!("a client failed: {e}")),
                Err(_) => {
                    abort.abort();
                    merged.error("a client did not close in time");
                }
            }
        }
        tallies.push(merged);
    }
    let elapsed = started.elapsed();
    let after = counts::read(&staff_http, &base).await;
    if config.cancel_leftovers {
        kitchen::cancel_all(&driver, &last_orders).await;
    }

    for (plan, tally) in config.transports.iter().zip(&tallies) {
        if let Some(first) = &tally.first_error {
            tracing::warn!(
                "{}: {} errors; the first: {first}",
                plan.transport,
                tally.errors
            );
        }
    }
    let refused: u64 = tallies.iter().map(|t| t.refused).sum();
    if refused > 0 {
        tracing::warn!(
            "the server refused {refused} requests with 503 overloaded: it caps open streams in total and per client \
             address (orderboard-server --max-streams, --max-streams-per-client): raise them, or spread the customers over more \
             loopback source addresses (--sources)"
        );
    }
    let minutes = elapsed.as_secs_f64() / 60.0;
    let transports = config
        .transports
        .iter()
        .zip(tallies)
        .map(|(plan, tally)| {
            let server = counts::delta(before.as_ref(), after.as_ref(), plan.transport);
            summarize(
                plan.transport,
                config.clients_per_transport as u64,
                tally,
                &final_versions,
                minutes,
                server,
            )
        })
        .collect();
    let report = LoadReport {
        duration_secs: elapsed.as_secs_f64(),
        orders: ledger.orders.load(Ordering::Relaxed),
        changes_made: ledger.changes.load(Ordering::Relaxed),
        transports,
    };
    on_phase(ComparisonPhase::Finished);
    Ok(report)
}
