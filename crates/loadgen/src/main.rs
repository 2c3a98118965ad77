//! The `orderboard-loadgen` command: parses the command line, refuses targets
//! that are not this computer unless told otherwise, runs the load and prints
//! the table (or the report as JSON).
#![forbid(unsafe_code)]

use clap::Parser;
use orderboard_loadgen::{
    ensure_loopback, parse_duration, parse_transports, render_table, run, ComparisonPhase,
    HttpDriver, LoadConfig,
};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Simulated customers following their orders on an Orderboard server, by
/// polling, long polling, SSE and WebSocket side by side; prints what each
/// transport cost and whether every change reached every customer.
#[derive(Debug, Parser)]
#[command(name = "orderboard-loadgen", version, about)]
struct Args {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:7878")]
    target: String,
    /// Simulated customers on each transport (1 to 50,000).
    #[arg(long, default_value_t = 100)]
    clients: u32,
    /// Transports to compare, e.g. poll:5s,longpoll,sse,ws,sse-db-poll:3s (poll's
    /// interval defaults to 5s; sse-db-poll, SSE over database polling, queries the
    /// database every 3s by default).
    #[arg(long, default_value = "poll:5s,longpoll,sse,ws,sse-db-poll:3s")]
    transport: String,
    /// How long to make changes (e.g. 60s, 2m; at most 1h).
    #[arg(long, default_value = "60s", value_parser = duration)]
    duration: Duration,
    /// Orders followed at once (default: one per customer, at most 50).
    #[arg(long)]
    orders: Option<u32>,
    /// Mean time between two stage changes of one order (±50%).
    #[arg(long, default_value = "20s", value_parser = duration)]
    stage_every: Duration,
    /// Seeds the orders and the schedule: the same seed, the same run.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Time for the last deliveries to land after the last change.
    #[arg(long, default_value = "3s", value_parser = duration)]
    grace: Duration,
    /// The staff passphrase, if the server has one.
    #[arg(long, env = "ORDERBOARD_STAFF_PASSPHRASE", hide_env_values = true)]
    passphrase: Option<String>,
    /// Allow a target that is not this computer.
    #[arg(long)]
    allow_remote: bool,
    /// Spread each transport's customers over this many loopback source
    /// addresses (127.0.0.1, .2, …): one address runs out of ports near
    /// 28,000 connections, and the server caps open streams per address.
    #[arg(long, default_value_t = 1)]
    sources: u32,
    /// Leave the run's unfinished orders on the server instead of cancelling them.
    #[arg(long)]
    keep_orders: bool,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn duration(s: &str) -> Result<Duration, String> {
    parse_duration(s).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    if let Err(e) = ensure_loopback(&args.target, args.allow_remote) {
        eprintln!("error: {e:#}");
        return ExitCode::from(2);
    }
    let transports = match parse_transports(&args.transport) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: --transport: {e:#}");
            return ExitCode::from(2);
        }
    };
    let mut config = LoadConfig::new(&args.target, args.clients, transports, args.duration);
    config.orders = args.orders;
    config.stage_every = args.stage_every;
    config.seed = args.seed;
    config.grace = args.grace;
    config.cancel_leftovers = !args.keep_orders;
    config.source_addresses = args.sources;
    if let Err(e) = config.validate() {
        eprintln!("error: {e:#}");
        return ExitCode::from(2);
    }
    // Every customer holds a socket: lift the open-file limit as far as allowed.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("warning: could not raise the open-file limit: {e}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(load(config, args.passphrase, args.json)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn load(config: LoadConfig, passphrase: Option<String>, json: bool) -> anyhow::Result<()> {
    let driver = Arc::new(HttpDriver::connect(&config.target, passphrase).await?);
    let stop = CancellationToken::new();
    let on_ctrl_c = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
            // A second Ctrl-C does not wait for the report.
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let on_phase = Arc::new(|phase: ComparisonPhase| {
        let what = match phase {
            ComparisonPhase::Starting => "creating orders and connecting the customers",
            ComparisonPhase::Running => "running: changing orders",
            ComparisonPhase::Stopping => "stopping: waiting for the last deliveries",
            ComparisonPhase::Finished => "finished",
            ComparisonPhase::Idle | ComparisonPhase::Failed => return,
        };
        eprintln!("{what}");
    });
    let report = run(config, driver, stop, on_phase).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render_table(&report));
    }
    Ok(())
}
