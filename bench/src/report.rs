//! Figures: percentiles, medians of runs, Markdown tables and the SVG plot.

use crate::fanout::{FanoutResult, Target};
use plotters::prelude::*;

#[derive(Debug, Clone, Copy, Default)]
pub struct Percentiles {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Percentiles {
    /// From raw microseconds, in milliseconds.
    pub fn of_micros(v: &mut [u32]) -> Percentiles {
        if v.is_empty() {
            return Percentiles::default();
        }
        v.sort_unstable();
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0;
        Percentiles {
            p50: at(0.50),
            p99: at(0.99),
            max: *v.last().unwrap() as f64 / 1000.0,
        }
    }
}

pub fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The median over runs of one target at one N.
#[derive(Debug, Clone)]
pub struct FanoutSummary {
    pub target: Target,
    pub subscribers: usize,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
    /// Per change, its quickest delivery (medians over runs).
    pub first_screen_p50: f64,
    pub first_screen_p99: f64,
    pub kib_per_connection: f64,
    pub cpu_seconds: f64,
    pub load_cpu_seconds: f64,
    /// The shortest a pass over all N sockets could be, from the CPU it
    /// costs (see [`pass_floor_ms`]).
    pub pass_floor_ms: f64,
    pub delivered: u64,
    pub expected: u64,
    pub missing: u64,
    pub duplicates: u64,
    pub event_bytes: usize,
}

pub fn summarize(results: &[FanoutResult]) -> FanoutSummary {
    let r0 = &results[0];
    FanoutSummary {
        target: r0.target,
        subscribers: r0.subscribers,
        p50: median(results.iter().map(|r| r.latency_ms.p50).collect()),
        p99: median(results.iter().map(|r| r.latency_ms.p99).collect()),
        max: median(results.iter().map(|r| r.latency_ms.max).collect()),
        first_screen_p50: median(results.iter().map(|r| r.first_screen_ms.p50).collect()),
        first_screen_p99: median(results.iter().map(|r| r.first_screen_ms.p99).collect()),
        kib_per_connection: median(results.iter().map(|r| r.kib_per_connection).collect()),
        cpu_seconds: median(results.iter().map(|r| r.cpu_seconds).collect()),
        load_cpu_seconds: median(results.iter().map(|r| r.load_cpu_seconds).collect()),
        pass_floor_ms: median(results.iter().map(pass_floor_ms).collect()),
        delivered: results.iter().map(|r| r.delivered).sum(),
        expected: results
            .iter()
            .map(|r| (r.subscribers * r.changes) as u64)
            .sum(),
        missing: results.iter().map(|r| r.missing).sum(),
        duplicates: results.iter().map(|r| r.duplicates).sum(),
        event_bytes: r0.event_bytes,
    }
}

/// How long one change's pass over all N sockets would take at the least,
/// if the server and the load generator kept every core busy and wasted
/// none of it: the CPU both spent per delivery, times N, over the cores they
/// share. No p99 can be much below it, and once it nears the time between
/// two changes (50 ms at the default rate), passes start to queue.
pub fn pass_floor_ms(r: &FanoutResult) -> f64 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let per_delivery = (r.cpu_seconds + r.load_cpu_seconds) / r.delivered.max(1) as f64;
    per_delivery * r.subscribers as f64 / cores * 1000.0
}

pub fn target_name(t: Target) -> &'static str {
    match t {
        Target::Orderboard => "Orderboard",
        Target::Nchan => "Nchan",
    }
}

pub fn fanout_table(rows: &[FanoutSummary]) -> String {
    let mut s = String::from(
        "| server | subscribers | p50 ms | p99 ms | max ms | first screen p50 / p99 ms | KiB per connection | CPU s (delivery) | load generator CPU s | CPU floor of a pass ms | delivered / expected | duplicates |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        s += &format!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1} / {:.1} | {:.1} | {:.2} | {:.2} | {:.1} | {} / {} | {} |\n",
            target_name(r.target), r.subscribers, r.p50, r.p99, r.max, r.first_screen_p50, r.first_screen_p99, r.kib_per_connection, r.cpu_seconds, r.load_cpu_seconds, r.pass_floor_ms, r.delivered, r.expected, r.duplicates
        );
    }
    s
}

pub fn ratio_table(rows: &[FanoutSummary]) -> String {
    let mut s = String::from(
        "| subscribers | p99 latency | memory per connection | CPU |\n|---:|---:|---:|---:|\n",
    );
    for ob in rows.iter().filter(|r| r.target == Target::Orderboard) {
        if let Some(nc) = rows
            .iter()
            .find(|r| r.target == Target::Nchan && r.subscribers == ob.subscribers)
        {
            s += &format!(
                "| {} | {:.2} | {:.2} | {:.2} |\n",
                ob.subscribers,
                ob.p99 / nc.p99,
                ob.kib_per_connection / nc.kib_per_connection,
                ob.cpu_seconds / nc.cpu_seconds
            );
        }
    }
    s
}

/// p99 latency against N, one line per server.
pub fn plot_p99(rows: &[FanoutSummary], path: &std::path::Path) -> anyhow::Result<()> {
    let max_n = rows.iter().map(|r| r.subscribers).max().unwrap_or(1) as f64;
    let max_y = rows.iter().map(|r| r.p99).fold(1.0f64, f64::max) * 1.15;
    let root = SVGBackend::new(path, (720, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "p99 delivery latency against subscribers (lower is better)",
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..max_n * 1.05, 0f64..max_y)?;
    chart
        .configure_mesh()
        .x_desc("subscribers on the board stream")
        .y_desc("p99 latency, ms")
        .x_label_formatter(&|x| format!("{:.0}", x))
        .draw()?;
    for (target, color) in [
        (Target::Orderboard, RGBColor(0xd9, 0x4f, 0x00)),
        (Target::Nchan, RGBColor(0x1f, 0x5f, 0xa8)),
    ] {
        let mut pts: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.target == target)
            .map(|r| (r.subscribers as f64, r.p99))
            .collect();
        if pts.is_empty() {
            continue;
        }
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(3)))?
            .label(target_name(target))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
            });
        chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 5, color.filled())))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// The medians over runs of each of `f`'s values.
fn median_of<T>(runs: &[T], f: impl Fn(&T) -> f64) -> f64 {
    median(runs.iter().map(f).collect())
}

/// `p50 / p99 / max` in milliseconds, medians over runs.
fn percentiles_cell<T>(runs: &[T], f: impl Fn(&T) -> Option<Percentiles>) -> String {
    if runs.iter().any(|r| f(r).is_none()) {
        return "–".into();
    }
    format!(
        "{:.1} / {:.1} / {:.1}",
        median_of(runs, |r| f(r).unwrap().p50),
        median_of(runs, |r| f(r).unwrap().p99),
        median_of(runs, |r| f(r).unwrap().max)
    )
}

/// The multi-node scenario's tables, medians of the runs (the failover
/// table has a row per run).
pub fn multinode_tables(runs: &[crate::multinode::MultinodeRun]) -> String {
    use crate::multinode::NODES;
    let c: Vec<_> = runs.iter().map(|r| &r.cluster).collect();
    let s: Vec<_> = runs.iter().map(|r| &r.single).collect();
    let mut out = String::from(
        "| server | screen on | deliveries per run | from the write request: p50 / p99 / max ms | from the commit: p50 / p99 / max ms | the write's request to its answer: p50 / p99 ms |\n|---|---|---:|---:|---:|---:|\n",
    );
    let write_ms = |p: Vec<Percentiles>| {
        format!(
            "{:.1} / {:.1}",
            median(p.iter().map(|p| p.p50).collect()),
            median(p.iter().map(|p| p.p99).collect())
        )
    };
    let cluster_write = write_ms(c.iter().map(|r| r.write_ms).collect());
    out += &format!(
        "| {NODES} nodes on PostgreSQL | the node that made the change | {:.0} | {} | {} | {cluster_write} |\n",
        median_of(&c, |r| r.deliveries_same as f64),
        percentiles_cell(&c, |r| Some(r.from_request_same)),
        percentiles_cell(&c, |r| r.from_commit_same),
    );
    out += &format!(
        "| {NODES} nodes on PostgreSQL | another node | {:.0} | {} | {} | {cluster_write} |\n",
        median_of(&c, |r| r.deliveries_other as f64),
        percentiles_cell(&c, |r| Some(r.from_request_other)),
        percentiles_cell(&c, |r| r.from_commit_other),
    );
    out += &format!(
        "| 1 node on SQLite | the node | {:.0} | {} | – | {} |\n\n",
        median_of(&s, |r| r.deliveries as f64),
        percentiles_cell(&s, |r| Some(r.from_request)),
        write_ms(s.iter().map(|r| r.write_ms).collect()),
    );

    out += &format!("| process | streams | KiB per stream | CPU s at rest, {:.0} s | CPU s while the timed changes were made and delivered, {:.0} s |\n|---|---:|---:|---:|---:|\n",
        median_of(&c, |r| r.idle_secs), median_of(&c, |r| r.phase_secs));
    for k in 0..NODES {
        out += &format!(
            "| node {} on PostgreSQL | {:.0} | {:.1} | {:.2} | {:.2} |\n",
            k + 1,
            median_of(&c, |r| r.streams_per_node[k] as f64),
            median_of(&c, |r| r.kib_per_stream[k]),
            median_of(&c, |r| r.idle_cpu[k]),
            median_of(&c, |r| r.node_cpu[k]),
        );
    }
    let pg_cpu = if c.iter().all(|r| r.postgres_cpu.is_some()) {
        format!("{:.2}", median_of(&c, |r| r.postgres_cpu.unwrap()))
    } else {
        "not read".into()
    };
    if c.iter().all(|r| r.kernel_kib_per_connection.is_some()) {
        out += &format!(
            "| the kernel (slab), per connection with both ends | | {:.1} | | |\n",
            median_of(&c, |r| r.kernel_kib_per_connection.unwrap())
        );
    }
    out += &format!("| PostgreSQL (every process) | | | | {pg_cpu} |\n");
    out += &format!(
        "| load generator, with {NODES} nodes | | | | {:.2} |\n",
        median_of(&c, |r| r.load_cpu)
    );
    out += &format!(
        "| 1 node on SQLite | {:.0} | {:.1} | | {:.2} |\n",
        median_of(&s, |r| r.streams as f64),
        median_of(&s, |r| r.kib_per_stream),
        median_of(&s, |r| r.cpu)
    );
    out += &format!(
        "| load generator, with 1 node | | | | {:.2} |\n\n",
        median_of(&s, |r| r.load_cpu)
    );

    out += "| run | streams on the killed node | resumed on another node (per node) | seconds from the kill until resumed: median / all | failed connections or starts (the whole run) | listen queue overflows | its screens: events lost / duplicated, of expected | every screen: lost / duplicated, of expected | snapshots instead of a replay | streams on the other nodes that lost theirs | stage changes refused with 503 | the other screens' deliveries meanwhile, from the request: p50 / p99 / max ms |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (i, r) in c.iter().enumerate() {
        let f = &r.failover;
        let on: Vec<String> = f
            .resumed_on
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != NODES - 1)
            .map(|(_, n)| n.to_string())
            .collect();
        out += &format!(
            "| {} | {} | {} ({}) | {:.2} / {:.2} | {} | {} | {} / {} of {} | {} / {} of {} | {} | {} | {} | {:.0} / {:.0} / {:.0} |\n",
            i + 1,
            f.streams,
            f.resumed,
            on.join(" + "),
            f.resume_p50_s,
            f.resume_all_s,
            f.refused,
            f.listen_overflows.map_or("–".into(), |n| n.to_string()),
            f.killed_lost,
            f.killed_duplicates,
            f.killed_expected,
            f.lost,
            f.duplicates,
            f.expected,
            f.restarts,
            f.survivors_lost,
            f.writes_refused,
            f.kept_from_request.p50,
            f.kept_from_request.p99,
            f.kept_from_request.max
        );
    }
    out += "\n";

    out += "| writing | concurrent writers | acknowledged changes/s | transactions/s | changes per transaction | `log_head` held (share of samples) | held per transaction, ms | ceiling at that batch size, changes/s |\n|---|---:|---:|---:|---:|---:|---:|---:|\n";
    let rows = runs.first().map_or(0, |r| r.writes.len());
    for i in 0..rows {
        let w: Vec<_> = runs.iter().filter_map(|r| r.writes.get(i)).collect();
        let opt = |f: &dyn Fn(&crate::multinode::WriteRow) -> Option<f64>, digits: usize| {
            if w.iter().all(|r| f(r).is_some()) {
                format!("{:.*}", digits, median_of(&w, |r| f(r).unwrap()))
            } else {
                "–".into()
            }
        };
        let who = match w[0].nodes {
            0 => "1 node on SQLite".to_string(),
            1 => "1 of 3 nodes on PostgreSQL".to_string(),
            n => format!("{n} of 3 nodes on PostgreSQL"),
        };
        out += &format!(
            "| {who} | {} | {:.0} | {} | {} | {} | {} | {} |\n",
            w[0].writers,
            median_of(&w, |r| r.per_second),
            opt(&|r| r.transactions_per_second, 0),
            opt(&|r| r.changes_per_transaction, 1),
            match opt(&|r| r.lock.map(|l| l.held_share() * 100.0), 0).as_str() {
                "–" => "–".to_string(),
                held => format!("{held} %"),
            },
            opt(&|r| r.hold_ms(), 2),
            opt(&|r| r.ceiling(), 0),
        );
    }
    out
}

/// Generated text between markers, so that a later run of only some
/// scenarios can keep the rest.
pub fn block(name: &str, content: &str) -> String {
    format!("<!-- begin {name} -->\n{content}<!-- end {name} -->\n")
}

/// The text of block `name` in `doc`, as [`block`] wrote it.
pub fn block_in(doc: &str, name: &str) -> Option<String> {
    let begin = format!("<!-- begin {name} -->\n");
    let start = doc.find(&begin)? + begin.len();
    let end = start + doc[start..].find(&format!("<!-- end {name} -->"))?;
    Some(doc[start..end].to_string())
}
