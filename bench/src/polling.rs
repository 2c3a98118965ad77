//! Scenario 4: the same customers following their orders by polling every
//! few seconds, by long polling, on SSE and on a WebSocket; requests and
//! bytes per minute for each.
//!
//! The customers are the load generator's (`orderboard-loadgen`, the same
//! library the workshop page runs), against a release server of its own. All
//! four transports run at once and follow the same orders' changes; bytes
//! are the server's counts, headers included.

use crate::processes::ServerProcess;
use orderboard_loadgen::{HttpDriver, LoadConfig, LoadReport, TransportPlan};
use orderboard_model::Transport;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Runs `clients` customers per transport for `duration`, polling every `poll_every`.
pub async fn run(
    server_bin: &std::path::Path,
    clients: usize,
    poll_every: Duration,
    duration: Duration,
) -> anyhow::Result<LoadReport> {
    let server = ServerProcess::orderboard(server_bin).await?;
    let target = server.url("");
    let plans = Transport::ALL
        .into_iter()
        .map(|transport| TransportPlan {
            transport,
            poll_interval: poll_every,
        })
        .collect();
    let mut config = LoadConfig::new(
        target.trim_end_matches('/'),
        clients as u32,
        plans,
        duration,
    );
    // Each order changes about four times over the run.
    config.stage_every = duration / 4;
    let driver = Arc::new(HttpDriver::connect(&config.target, None).await?);
    let report =
        orderboard_loadgen::run(config, driver, CancellationToken::new(), Arc::new(|_| {})).await;
    server.stop().await;
    report
}

/// The markdown table of a run.
pub fn table(report: &LoadReport, poll_every: Duration) -> String {
    let mut table = String::from(
        "| transport | customers | requests per minute | bytes per minute | updates seen / changes made | answers with no change | staleness p50 / p99 |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in &report.transports {
        let name = match row.transport {
            Transport::Poll => format!("poll every {} s", poll_every.as_secs_f64()),
            t => t.label().to_string(),
        };
        let ms = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.0} ms"));
        table += &format!(
            "| {name} | {} | {:.0} | {} | {} / {} | {} | {} / {} |\n",
            row.clients,
            row.requests_per_min,
            row.bytes_per_min
                .map_or("–".into(), |b| format!("{:.0}", b)),
            row.updates_seen,
            row.updates_expected,
            row.unchanged_answers,
            ms(row.staleness_p50_ms),
            ms(row.staleness_p99_ms),
        );
    }
    table
}
