//! The geometry of the workshop page's line charts: scales, tick marks and
//! labels, and each transport's line as SVG polyline points.
//!
//! The chart component only draws what this module computes, so the parts
//! that are easy to get subtly wrong (a log scale, "nice" tick steps, gaps
//! where there was nothing to measure) are tested natively.

use crate::state::numbers;
use crate::state::transports::transport_class;
use orderboard_model::Transport;

/// The size of every chart's SVG `viewBox` and its margins, in user units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Default for Frame {
    fn default() -> Self {
        Frame {
            width: 440.0,
            height: 240.0,
            left: 58.0,
            right: 16.0,
            top: 12.0,
            bottom: 28.0,
        }
    }
}

impl Frame {
    pub fn plot_left(&self) -> f64 {
        self.left
    }
    pub fn plot_right(&self) -> f64 {
        self.width - self.right
    }
    pub fn plot_top(&self) -> f64 {
        self.top
    }
    pub fn plot_bottom(&self) -> f64 {
        self.height - self.bottom
    }
}

/// Whether the value axis is linear from zero or logarithmic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleKind {
    Linear,
    Log,
}

/// How the value axis labels its ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueFormat {
    /// Requests and other counts: `250`, `1.5k`.
    Count,
    /// Bytes: `1.5 KB`.
    Bytes,
    /// Milliseconds: `10 ms`, `1 s`.
    Millis,
}

impl ValueFormat {
    pub fn label(self, v: f64) -> String {
        match self {
            ValueFormat::Count => numbers::short(v),
            ValueFormat::Bytes => numbers::bytes(v),
            ValueFormat::Millis => numbers::millis(v),
        }
    }
}

/// A map from a domain of values to a range of pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub kind: ScaleKind,
    pub domain: (f64, f64),
    pub range: (f64, f64),
}

impl Scale {
    pub fn map(&self, v: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        let t = match self.kind {
            ScaleKind::Linear => {
                if d1 == d0 {
                    0.0
                } else {
                    (v - d0) / (d1 - d0)
                }
            }
            ScaleKind::Log => {
                let (l0, l1) = (d0.log10(), d1.log10());
                let lv = v.max(d0).log10();
                if l1 == l0 {
                    0.0
                } else {
                    (lv - l0) / (l1 - l0)
                }
            }
        };
        r0 + t.clamp(0.0, 1.0) * (r1 - r0)
    }
}

/// A step of 1, 2 or 5 times a power of ten, at least `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 + 1e-9 {
        1.0
    } else if fraction <= 2.0 + 1e-9 {
        2.0
    } else if fraction <= 5.0 + 1e-9 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// Ticks from zero to a round top at or above `max`, about `target` steps.
/// With nothing to show the axis still runs 0 to 1.
pub fn linear_ticks(max: f64, target: usize) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let step = nice_step(max / target.max(1) as f64);
    let steps = (max / step - 1e-9).ceil().max(1.0) as usize;
    (0..=steps)
        .map(|i| round_to_step(i as f64 * step, step))
        .collect()
}

fn round_to_step(v: f64, step: f64) -> f64 {
    // Keeps 0.1 * 3 from becoming 0.30000000000000004 in a label.
    let decimals = (-step.log10().floor()).max(0.0) as i32 + 1;
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

/// Powers of ten spanning `[min, max]` (positive values only), at least two.
pub fn log_ticks(min: f64, max: f64) -> Vec<f64> {
    let min = if min.is_finite() && min > 0.0 {
        min
    } else {
        1.0
    };
    let max = if max.is_finite() && max >= min {
        max
    } else {
        min
    };
    let lo = min.log10().floor() as i32;
    let mut hi = (max.log10() - 1e-9).ceil() as i32;
    if hi <= lo {
        hi = lo + 1;
    }
    (lo..=hi).map(|k| 10f64.powi(k)).collect()
}

/// One line to draw: a transport's values over time. `None` values (nothing
/// measured in that second) leave a gap.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub transport: Transport,
    /// Distinguishes two lines of one transport on one chart (`p50`, `p99`);
    /// empty for the only line.
    pub variant: &'static str,
    /// `(time in ms, value)`, oldest first.
    pub points: Vec<(u64, Option<f64>)>,
}

/// A tick on an axis: where, and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub at: f64,
    pub label: String,
}

/// A line as drawn: its CSS classes and one `points` attribute per unbroken run.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub transport: Transport,
    pub class: String,
    pub segments: Vec<String>,
}

/// Everything the chart component draws.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartModel {
    pub frame: Frame,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    pub lines: Vec<Line>,
    /// Whether any line has a point at all.
    pub has_data: bool,
}

/// What a chart shows and how.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartSpec {
    pub frame: Frame,
    pub scale: ScaleKind,
    pub format: ValueFormat,
    /// The time span shown, ending at the newest sample.
    pub window_ms: u64,
    /// A tick on the time axis every this many milliseconds.
    pub x_tick_ms: u64,
}

/// The time axis's labels: `now`, `−30 s`, `−1 min`, `−1.5 min`.
pub fn time_label(ms_before_now: u64) -> String {
    if ms_before_now == 0 {
        "now".into()
    } else if ms_before_now < 60_000 {
        format!("−{} s", numbers::trimmed(ms_before_now as f64 / 1000.0, 0))
    } else {
        format!(
            "−{} min",
            numbers::trimmed(ms_before_now as f64 / 60_000.0, 1)
        )
    }
}

/// Lays out a chart of `series` over the window ending at `end_ms`.
pub fn build(spec: &ChartSpec, series: &[Series], end_ms: u64) -> ChartModel {
    let f = spec.frame;
    let start_ms = end_ms.saturating_sub(spec.window_ms);
    let x = Scale {
        kind: ScaleKind::Linear,
        domain: (end_ms as f64 - spec.window_ms as f64, end_ms as f64),
        range: (f.plot_left(), f.plot_right()),
    };
    let visible = || {
        series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|(t, _)| *t >= start_ms && *t <= end_ms)
            .filter_map(|(_, v)| *v)
            .filter(|v| v.is_finite())
    };
    let (y, y_values) = match spec.scale {
        ScaleKind::Linear => {
            let max = visible().fold(0.0f64, f64::max);
            let ticks = linear_ticks(max, 4);
            let top = *ticks.last().unwrap_or(&1.0);
            let scale = Scale {
                kind: ScaleKind::Linear,
                domain: (0.0, top),
                range: (f.plot_bottom(), f.plot_top()),
            };
            (scale, ticks)
        }
        ScaleKind::Log => {
            let positive = || visible().filter(|v| *v > 0.0);
            let min = positive().fold(f64::INFINITY, f64::min);
            let max = positive().fold(0.0f64, f64::max);
            let ticks = if min.is_finite() {
                log_ticks(min, max)
            } else {
                log_ticks(1.0, 1000.0)
            };
            let domain = (ticks[0], *ticks.last().unwrap_or(&10.0));
            let scale = Scale {
                kind: ScaleKind::Log,
                domain,
                range: (f.plot_bottom(), f.plot_top()),
            };
            (scale, ticks)
        }
    };
    let y_ticks = y_values
        .iter()
        .map(|v| Tick {
            at: round1(y.map(*v)),
            label: spec.format.label(*v),
        })
        .collect();
    let x_tick_ms = spec.x_tick_ms.max(1);
    let x_ticks = (0..=spec.window_ms / x_tick_ms)
        .map(|i| i * x_tick_ms)
        .map(|before| Tick {
            at: round1(x.map(end_ms as f64 - before as f64)),
            label: time_label(before),
        })
        .collect();
    let mut has_data = false;
    let lines = series
        .iter()
        .map(|s| {
            let mut segments = Vec::new();
            let mut run: Vec<(f64, f64)> = Vec::new();
            let flush = |run: &mut Vec<(f64, f64)>, segments: &mut Vec<String>| {
                if run.len() == 1 {
                    // A lone point: doubled, so its round line cap draws a dot.
                    let p = run[0];
                    run.push(p);
                }
                if !run.is_empty() {
                    segments.push(points_attr(run));
                }
                run.clear();
            };
            for (t, v) in &s.points {
                if *t < start_ms || *t > end_ms {
                    continue;
                }
                match v.filter(|v| v.is_finite()) {
                    Some(v) => run.push((round1(x.map(*t as f64)), round1(y.map(v)))),
                    None => flush(&mut run, &mut segments),
                }
            }
            flush(&mut run, &mut segments);
            has_data |= !segments.is_empty();
            let mut class = format!("series {}", transport_class(s.transport));
            if !s.variant.is_empty() {
                class.push_str(" series-");
                class.push_str(s.variant);
            }
            Line {
                transport: s.transport,
                class,
                segments,
            }
        })
        .collect();
    ChartModel {
        frame: f,
        x_ticks,
        y_ticks,
        lines,
        has_data,
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn points_attr(points: &[(f64, f64)]) -> String {
    points
        .iter()
        .map(|(x, y)| format!("{},{}", numbers::trimmed(*x, 1), numbers::trimmed(*y, 1)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(scale: ScaleKind) -> ChartSpec {
        ChartSpec {
            frame: Frame {
                width: 200.0,
                height: 120.0,
                left: 40.0,
                right: 10.0,
                top: 10.0,
                bottom: 10.0,
            },
            scale,
            format: ValueFormat::Count,
            window_ms: 120_000,
            x_tick_ms: 30_000,
        }
    }

    #[test]
    fn steps_are_one_two_or_five() {
        assert_eq!(nice_step(0.3), 0.5);
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(nice_step(1.2), 2.0);
        assert_eq!(nice_step(2.6), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(3_400.0), 5_000.0);
        assert_eq!(nice_step(0.0), 1.0);
    }

    #[test]
    fn linear_ticks_start_at_zero_and_cover_the_maximum() {
        assert_eq!(linear_ticks(0.0, 4), vec![0.0, 0.5, 1.0]);
        assert_eq!(linear_ticks(87.0, 4), vec![0.0, 50.0, 100.0]);
        assert_eq!(linear_ticks(100.0, 4), vec![0.0, 50.0, 100.0]);
        assert_eq!(
            linear_ticks(2_000.0, 4),
            vec![0.0, 500.0, 1_000.0, 1_500.0, 2_000.0]
        );
        assert_eq!(linear_ticks(0.3, 4), vec![0.0, 0.1, 0.2, 0.3]);
        assert_eq!(linear_ticks(f64::NAN, 4), vec![0.0, 0.5, 1.0]);
    }

    #[test]
    fn log_ticks_are_powers_of_ten_around_the_data() {
        assert_eq!(log_ticks(3.0, 450.0), vec![1.0, 10.0, 100.0, 1_000.0]);
        assert_eq!(log_ticks(10.0, 100.0), vec![10.0, 100.0]);
        assert_eq!(log_ticks(5.0, 5.0), vec![1.0, 10.0]);
        assert_eq!(log_ticks(0.0, 0.0), vec![1.0, 10.0]);
    }

    #[test]
    fn scales_map_their_domain_onto_the_range() {
        let lin = Scale {
            kind: ScaleKind::Linear,
            domain: (0.0, 100.0),
            range: (200.0, 0.0),
        };
        assert_eq!(lin.map(0.0), 200.0);
        assert_eq!(lin.map(25.0), 150.0);
        assert_eq!(lin.map(250.0), 0.0, "clamped to the plot");
        let log = Scale {
            kind: ScaleKind::Log,
            domain: (1.0, 1000.0),
            range: (0.0, 300.0),
        };
        assert!((log.map(10.0) - 100.0).abs() < 1e-9);
        assert!((log.map(100.0) - 200.0).abs() < 1e-9);
        assert_eq!(log.map(0.0), 0.0, "zero sits on the floor of a log axis");
    }

    #[test]
    fn time_labels_count_back_from_now() {
        assert_eq!(time_label(0), "now");
        assert_eq!(time_label(30_000), "−30 s");
        assert_eq!(time_label(60_000), "−1 min");
        assert_eq!(time_label(90_000), "−1.5 min");
    }

    #[test]
    fn builds_lines_ticks_and_gaps() {
        let series = vec![
            Series {
                transport: Transport::Sse,
                variant: "",
                points: vec![
                    (100_000, Some(0.0)),
                    (110_000, Some(50.0)),
                    (120_000, Some(100.0)),
                ],
            },
            Series {
                transport: Transport::Poll,
                variant: "p99",
                points: vec![
                    (100_000, Some(10.0)),
                    (110_000, None),
                    (120_000, Some(20.0)),
                    (999_999, Some(1e9)),
                ],
            },
        ];
        let m = build(&spec(ScaleKind::Linear), &series, 120_000);
        assert!(m.has_data);
        // The window is 0..120 s over x 40..190; values 0..100 over y 110..10.
        assert_eq!(
            m.lines[0].segments,
            vec!["165,110 177.5,60 190,10".to_string()]
        );
        assert_eq!(m.lines[0].class, "series tx-sse");
        // A gap splits the line; lone points are doubled into dots; points
        // after the window's end are left out.
        assert_eq!(m.lines[1].class, "series tx-poll series-p99");
        assert_eq!(
            m.lines[1].segments,
            vec!["165,100 165,100".to_string(), "190,90 190,90".to_string()]
        );
        let y: Vec<_> = m.y_ticks.iter().map(|t| (t.at, t.label.as_str())).collect();
        assert_eq!(y, vec![(110.0, "0"), (60.0, "50"), (10.0, "100")]);
        let x: Vec<_> = m.x_ticks.iter().map(|t| (t.at, t.label.as_str())).collect();
        assert_eq!(
            x,
            vec![
                (190.0, "now"),
                (152.5, "−30 s"),
                (115.0, "−1 min"),
                (77.5, "−1.5 min"),
                (40.0, "−2 min")
            ]
        );
    }

    #[test]
    fn an_empty_log_chart_still_has_an_axis() {
        let s = ChartSpec {
            format: ValueFormat::Millis,
            ..spec(ScaleKind::Log)
        };
        let m = build(
            &s,
            &[Series {
                transport: Transport::Ws,
                variant: "p50",
                points: vec![(1, None)],
            }],
            1_000,
        );
        assert!(!m.has_data);
        assert!(m.lines[0].segments.is_empty());
        let labels: Vec<_> = m.y_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, vec!["1 ms", "10 ms", "100 ms", "1 s"]);
    }
}
