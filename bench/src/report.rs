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
