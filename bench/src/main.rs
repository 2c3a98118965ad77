//! `orderboard-bench`: how many customer screens one Orderboard serves, how
//! fast a change reaches them and at what cost, measured side by side with
//! nginx + Nchan on the same machine, over loopback.
//!
//! Scenarios: `fanout` (1 and 2: board-stream fan-out, Orderboard and Nchan),
//! `writes` (3: durable stage changes per second with subscribers attached),
//! `polling` (4: polling every few seconds against long polling, SSE and WebSocket),
//! `multinode` (5: three nodes on PostgreSQL beside one on SQLite: delivery
//! across nodes, memory per stream, `kill -9` of a node, writes on 1 to 3 nodes).
#![forbid(unsafe_code)]

mod fanout;
mod multinode;
mod polling;
mod postgres;
mod processes;
mod report;
mod subscribers;
mod workers;
mod writes;

use clap::Parser;
use fanout::{FanoutSetup, Target};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "orderboard-bench",
    about = "Orderboard's benchmark harness (loopback only)"
)]
struct Args {
    /// Subscriber counts for the fan-out scenario.
    #[arg(long, value_delimiter = ',', default_values_t = [1000usize, 5000, 10000])]
    subscribers: Vec<usize>,
    /// Stage changes per fan-out run.
    #[arg(long, default_value_t = 200)]
    changes: usize,
    /// Stage changes per second.
    #[arg(long, default_value_t = 20.0)]
    rate: f64,
    /// Runs per configuration; tables show medians.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Leave Nchan out.
    #[arg(long)]
    no_nchan: bool,
    /// Which scenarios to run.
    #[arg(long, value_delimiter = ',', default_values_t = ["fanout".to_string(), "writes".into(), "polling".into(), "multinode".into()])]
    scenarios: Vec<String>,
    /// Subscribers attached during the write scenario.
    #[arg(long, default_value_t = 1000)]
    writes_subscribers: usize,
    /// Who is attached in the write scenario (boards, phones), one row each.
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["boards", "phones"])]
    writes_attached: Vec<writes::Attached>,
    /// Concurrent writers in the write scenario, one row each.
    #[arg(long, value_delimiter = ',', default_values_t = [32usize, 128])]
    writers: Vec<usize>,
    /// Seconds the write scenario runs.
    #[arg(long, default_value_t = 10)]
    writes_secs: u64,
    /// Customers in the polling scenario.
    #[arg(long, default_value_t = 1000)]
    poll_clients: usize,
    /// Seconds between polls.
    #[arg(long, default_value_t = 5)]
    poll_every: u64,
    /// Seconds the polling scenario runs (all four transports at once).
    #[arg(long, default_value_t = 60)]
    poll_secs: u64,
    /// PostgreSQL for the multinode scenario: a URL to a database on a
    /// cluster where this user may create databases (each run makes its own
    /// and drops it). Default: ORDERBOARD_TEST_DATABASE_URL, which
    /// scripts/with-postgres sets (bench/run.sh runs under it when asked for
    /// the multinode scenario without a URL).
    #[arg(long)]
    database_url: Option<String>,
    /// Phones in the multinode scenario, each on a tracking stream.
    #[arg(long, default_value_t = 30_000)]
    mn_phones: usize,
    /// Customer boards in the multinode scenario.
    #[arg(long, default_value_t = 100)]
    mn_boards: usize,
    /// Orders the phones follow (display numbers allow 999 active orders).
    #[arg(long, default_value_t = 750)]
    mn_orders: usize,
    /// Stage changes timed for delivery in the multinode scenario.
    #[arg(long, default_value_t = 600)]
    mn_changes: usize,
    /// Stage changes made on the other nodes after one is killed.
    #[arg(long, default_value_t = 200)]
    mn_failover_changes: usize,
    /// Stage changes per second in the multinode scenario.
    #[arg(long, default_value_t = 20.0)]
    mn_rate: f64,
    /// Concurrent writers per writing node in the multinode write runs.
    #[arg(long, default_value_t = 32)]
    mn_writers: usize,
    /// Seconds each multinode write run lasts.
    #[arg(long, default_value_t = 10)]
    mn_writes_secs: u64,
    /// Run as a worker that holds a share of the multinode scenario's
    /// screens (see workers.rs): its plan on stdin, its reports on stdout.
    #[arg(long, hide = true)]
    screens_worker: bool,
    /// A small, quick run that only checks the harness works (CI); the
    /// multinode scenario only when PostgreSQL is at hand.
    #[arg(long)]
    smoke: bool,
    /// Write docs/benchmarks.md and its plot from this run.
    #[arg(long)]
    write_docs: bool,
    /// The orderboard-server binary (default: beside this one).
    #[arg(long)]
    server_bin: Option<PathBuf>,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    if args.screens_worker {
        raise_open_file_limit()?;
        return workers::worker_main().await;
    }
    if args.smoke {
        args.subscribers = vec![200];
        args.changes = 20;
        args.runs = 1;
        args.no_nchan = true;
        args.writes_subscribers = 100;
        args.writers = vec![4];
        args.writes_secs = 2;
        args.poll_clients = 50;
        args.poll_every = 1;
        args.poll_secs = 4;
        args.mn_phones = 300;
        args.mn_boards = 10;
        args.mn_orders = 30;
        args.mn_changes = 30;
        args.mn_failover_changes = 40;
        args.mn_writers = 4;
        args.mn_writes_secs = 2;
    }
    let limit = raise_open_file_limit()?;
    let server_bin = args.server_bin.clone().unwrap_or_else(|| {
        std::env::current_exe()
            .unwrap()
            .parent()
            .unwrap()
            .join("orderboard-server")
    });
    anyhow::ensure!(
        server_bin.exists(),
        "{} is missing: build it with cargo build --release -p orderboard-server",
        server_bin.display()
    );
    let nchan_conf = repo_root().join("bench/nchan/nginx.conf");
    println!(
        "open-file limit raised to {limit}; server: {}",
        server_bin.display()
    );

    let mut out = String::new();
    let run_fanout = args.scenarios.iter().any(|s| s == "fanout");
    let mut summaries = Vec::new();
    if run_fanout {
        let mut targets = vec![Target::Orderboard];
        if !args.no_nchan {
            targets.push(Target::Nchan);
        }
        for &n in &args.subscribers {
            let setup = FanoutSetup {
                server_bin: &server_bin,
                nchan_conf: &nchan_conf,
                subscribers: n,
                changes: args.changes,
                rate_per_sec: args.rate,
            };
            let mut per_target: Vec<Vec<fanout::FanoutResult>> = vec![Vec::new(); targets.len()];
            for run in 0..args.runs {
                // Side by side: each run measures every target in turn.
                for (t, &target) in targets.iter().enumerate() {
                    let r = fanout::run(target, &setup).await?;
                    println!(
                        "fan-out {} N={n} run {}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (first screen: p50 {:.1}, p99 {:.1}, max {:.1}), {:.1} KiB/conn, {:.2} CPU s (load {:.2}, CPU floor of a pass {:.1} ms), delivered {}, missing {}, duplicates {}",
                        report::target_name(target), run + 1, r.latency_ms.p50, r.latency_ms.p99, r.latency_ms.max, r.first_screen_ms.p50, r.first_screen_ms.p99, r.first_screen_ms.max, r.kib_per_connection, r.cpu_seconds, r.load_cpu_seconds, report::pass_floor_ms(&r), r.delivered, r.missing, r.duplicates
                    );
                    per_target[t].push(r);
                }
            }
            for results in &per_target {
                summaries.push(report::summarize(results));
            }
        }
        let table = report::fanout_table(&summaries);
        println!("\nFan-out, medians of {} run(s):\n{table}", args.runs);
        out += &format!("### Fan-out on the board stream (medians of {} runs)\n\n{} stage changes at {}/s; event data of {} bytes.\n\n{table}\n", args.runs, args.changes, args.rate, summaries.first().map(|s| s.event_bytes).unwrap_or(0));
        if !args.no_nchan {
            let ratios = report::ratio_table(&summaries);
            println!("Orderboard / Nchan:\n{ratios}");
            out += &format!("### Orderboard / Nchan (below 1.0: Orderboard does better)\n\n{ratios}\n![p99 latency against subscribers](benchmarks-p99.svg)\n\n");
        }
        let incomplete: u64 = summaries.iter().map(|s| s.missing + s.duplicates).sum();
        if incomplete > 0 {
            println!("WARNING: {incomplete} deliveries missing or duplicated");
        }
    }
    if args.scenarios.iter().any(|s| s == "writes") {
        let mut table = String::from("| subscribers attached | concurrent writers | durable changes per second (median) | runs | catch-ups from the log, per run |\n|---|---:|---:|---|---|\n");
        for &attached in &args.writes_attached {
            for &writers in &args.writers {
                let mut rs = Vec::new();
                for run in 0..args.runs {
                    let r = writes::run(
                        &server_bin,
                        attached,
                        args.writes_subscribers,
                        writers,
                        Duration::from_secs(args.writes_secs),
                    )
                    .await?;
                    println!("writes, {} {}, {writers} writers, run {}: {} changes in {:.1} s = {:.0}/s, {} catch-ups from the log", args.writes_subscribers, attached.label(), run + 1, r.changes, r.seconds, r.per_second, catch_ups(&r));
                    rs.push(r);
                }
                let med = report::median(rs.iter().map(|r| r.per_second).collect());
                let runs = rs
                    .iter()
                    .map(|r| format!("{:.0}", r.per_second))
                    .collect::<Vec<_>>()
                    .join(", ");
                let catch_ups = rs.iter().map(catch_ups).collect::<Vec<_>>().join(", ");
                table += &format!(
                    "| {} {} | {writers} | {med:.0} | {runs} | {catch_ups} |\n",
                    args.writes_subscribers,
                    attached.label()
                );
            }
        }
        println!("\nDurable writes:\n{table}");
        out +=
            &format!("### Durable stage changes over HTTP (synchronous = FULL, WAL)\n\n{table}\n");
    }
    if args.scenarios.iter().any(|s| s == "polling") {
        let poll_every = Duration::from_secs(args.poll_every);
        let report = polling::run(
            &server_bin,
            args.poll_clients,
            poll_every,
            Duration::from_secs(args.poll_secs),
        )
        .await?;
        println!("\n{}", orderboard_loadgen::render_table(&report));
        for row in report.transports.iter().filter(|r| r.transport.is_push()) {
            anyhow::ensure!(
                row.complete(),
                "{}: not every change reached every customer once: {row:?}",
                row.transport
            );
        }
        let table = polling::table(&report, poll_every);
        out += &format!(
            "### Polling, long polling, SSE and WebSocket ({} customers each, {} s)\n\nThe load generator (`orderboard-loadgen`) runs the four transports at once; every customer follows one of {} orders, and each order changes about every {} s ({} changes in all). Bytes are the server's counts, both directions, headers included. Staleness runs from a change to a customer reading it.\n\n{table}\n",
            args.poll_clients, args.poll_secs, report.orders, args.poll_secs / 4, report.changes_made
        );
    }
    let mut multinode_out = None;
    if args.scenarios.iter().any(|s| s == "multinode") {
        multinode_out = run_multinode(&args, &server_bin, limit).await?;
    }
    if args.write_docs {
        let docs = repo_root().join("docs");
        std::fs::create_dir_all(&docs)?;
        if run_fanout && !args.no_nchan {
            report::plot_p99(&summaries, &docs.join("benchmarks-p99.svg"))?;
        }
        let template = std::fs::read_to_string(repo_root().join("bench/benchmarks.md.in"))?;
        let machine = machine_description();
        let analysis =
            std::fs::read_to_string(repo_root().join("bench/analysis.md")).unwrap_or_default();
        // A run of only some scenarios keeps the other part's figures from
        // the file as it was.
        let before = std::fs::read_to_string(docs.join("benchmarks.md")).unwrap_or_default();
        let single_ran = ["fanout", "writes", "polling"]
            .iter()
            .any(|name| args.scenarios.iter().any(|s| s == name));
        let results = if single_ran {
            out
        } else {
            report::block_in(&before, "results").unwrap_or_default()
        };
        let multinode = multinode_out
            .or_else(|| report::block_in(&before, "multinode"))
            .unwrap_or_default();
        let doc = template
            .replace("@MACHINE@", &machine)
            .replace("@RESULTS@", &report::block("results", &results))
            .replace("@MULTINODE@", &report::block("multinode", &multinode))
            .replace("@ANALYSIS@", &analysis);
        std::fs::write(docs.join("benchmarks.md"), doc)?;
        println!("wrote docs/benchmarks.md");
    }
    Ok(())
}

/// Raises this process's open-file limit as far as it may go, and the hard
/// limit too when it is allowed to (as root): each screen is a socket here
/// and, on loopback, another in the server, which inherits the limit.
fn raise_open_file_limit() -> anyhow::Result<u64> {
    const WANTED: u64 = 262_144;
    let (_, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE)?;
    if hard < WANTED {
        // Refused without the privilege: the hard limit stays as it is.
        let _ = rlimit::setrlimit(rlimit::Resource::NOFILE, WANTED, WANTED);
    }
    Ok(rlimit::increase_nofile_limit(u64::MAX)?)
}

/// Scenario 5, if PostgreSQL is at hand; its Markdown for the docs.
async fn run_multinode(
    args: &Args,
    server_bin: &std::path::Path,
    open_files: u64,
) -> anyhow::Result<Option<String>> {
    let Some(admin_url) = args
        .database_url
        .clone()
        .or_else(|| std::env::var("ORDERBOARD_TEST_DATABASE_URL").ok())
    else {
        anyhow::ensure!(
            args.smoke,
            "the multinode scenario needs PostgreSQL: give --database-url, or run it with bench/run.sh (which starts one with scripts/with-postgres)"
        );
        println!("\nmultinode: skipped (no PostgreSQL: ORDERBOARD_TEST_DATABASE_URL is not set)");
        return Ok(None);
    };
    // The screens are spread over worker processes; after the kill, two
    // nodes carry them all (the nodes inherit this process's limit).
    let per_node = (args.mn_phones + args.mn_boards).div_ceil(multinode::NODES - 1) as u64;
    anyhow::ensure!(
        open_files > per_node + 1024,
        "after the kill, a node holds {per_node} streams, and a process may open {open_files} files here: raise the limit (ulimit -Hn, as root) or lower --mn-phones"
    );
    anyhow::ensure!(
        (1..=999).contains(&args.mn_orders),
        "--mn-orders must be 1 to 999: display numbers allow 999 active orders"
    );
    let pgdata = std::env::var_os("ORDERBOARD_TEST_PGDATA").map(PathBuf::from);
    let setup = multinode::Setup {
        server_bin,
        admin_url: &admin_url,
        pgdata: pgdata.as_deref(),
        phones: args.mn_phones,
        boards: args.mn_boards,
        orders: args.mn_orders,
        changes: args.mn_changes,
        failover_changes: args.mn_failover_changes,
        rate_per_sec: args.mn_rate,
        writers_per_node: args.mn_writers,
        writes_secs: args.mn_writes_secs,
        per_worker: 12_000.min(open_files.saturating_sub(1024) as usize).max(1),
    };
    let mut runs = Vec::new();
    for run in 0..args.runs {
        println!(
            "\nmultinode run {}: {} phones and {} boards on {} nodes, {} changes at {}/s",
            run + 1,
            args.mn_phones,
            args.mn_boards,
            multinode::NODES,
            args.mn_changes,
            args.mn_rate
        );
        runs.push(multinode::run(&setup, run + 1).await?);
    }
    let tables = report::multinode_tables(&runs);
    println!(
        "\nSeveral nodes on PostgreSQL, medians of {} run(s):\n{tables}",
        args.runs
    );
    let lost: u64 = runs
        .iter()
        .map(|r| r.cluster.failover.lost + r.single.lost)
        .sum();
    let duplicated: u64 = runs
        .iter()
        .map(|r| r.cluster.failover.duplicates + r.single.duplicates)
        .sum();
    if lost + duplicated > 0 {
        println!("WARNING: {lost} events lost and {duplicated} duplicated");
    }
    Ok(Some(format!(
        "### Measured (medians of {} runs)\n\n{} phones on tracking streams, following {} orders, and {} customer boards, spread evenly over the nodes; {} stage changes at {}/s, made on the nodes in turn, then {} more on the two others after the kill; writers: {} per writing node, {} s per run.\n\n{tables}",
        args.runs,
        args.mn_phones,
        args.mn_orders,
        args.mn_boards,
        args.mn_changes,
        args.mn_rate,
        args.mn_failover_changes,
        args.mn_writers,
        args.mn_writes_secs
    )))
}

fn machine_description() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map(|kib| format!("{:.0} GiB", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let nginx = std::process::Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", "libnginx-mod-nchan"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .unwrap_or_default();
    format!("{cores} cores ({cpu}), {mem} of memory, Debian 12; server and load on the same machine over loopback. Nchan: Debian's libnginx-mod-nchan {nginx}.")
}

/// A write run's count of catch-ups from the log, as printed.
fn catch_ups(r: &writes::WritesResult) -> String {
    r.log_catch_ups
        .map_or("not counted".into(), |n| n.to_string())
}
