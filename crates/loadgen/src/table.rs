//! The report as a plain-text table for a terminal, one row per transport
//! (with the database queries per second the server made for its clients),
//! and a line per push transport saying whether every change reached every
//! client exactly once.

use orderboard_model::{LoadReport, TransportSummary};

const COLUMNS: usize = 13;

const HEADERS: [&str; COLUMNS] = [
    "transport",
    "clients",
    "requests",
    "req/min",
    "bytes/min",
    "db queries/s",
    "updates seen/expected",
    "unchanged",
    "dup",
    "errors",
    "p50 ms",
    "p99 ms",
    "max ms",
];

fn ms(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |v| format!("{v:.0}"))
}

/// Bytes in decimal units: 950 B, 12.3 kB, 7.4 MB.
pub fn bytes(v: f64) -> String {
    match v {
        v if v >= 1e9 => format!("{:.1} GB", v / 1e9),
        v if v >= 1e6 => format!("{:.1} MB", v / 1e6),
        v if v >= 1e3 => format!("{:.1} kB", v / 1e3),
        v => format!("{v:.0} B"),
    }
}

fn row(s: &TransportSummary) -> [String; COLUMNS] {
    [
        s.transport.to_string(),
        s.clients.to_string(),
        s.requests.to_string(),
        format!("{:.0}", s.requests_per_min),
        s.bytes_per_min.map_or("-".to_string(), bytes),
        s.db_queries_per_sec
            .map_or("-".to_string(), |q| format!("{q:.1}")),
        format!("{}/{}", s.updates_seen, s.updates_expected),
        s.unchanged_answers.to_string(),
        s.duplicates.to_string(),
        s.errors.to_string(),
        ms(s.staleness_p50_ms),
        ms(s.staleness_p99_ms),
        ms(s.staleness_max_ms),
    ]
}

/// The report as a table, with a heading line and the push transports' verdicts.
pub fn render_table(report: &LoadReport) -> String {
    let rows: Vec<[String; COLUMNS]> = report.transports.iter().map(row).collect();
    let mut widths = HEADERS.map(str::len);
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let mut out = format!(
        "{:.1} s, {} orders, {} stage changes\n\n",
        report.duration_secs, report.orders, report.changes_made
    );
    out += &line(&HEADERS.map(String::from));
    out.push('\n');
    out += &line(&widths.map(|w| "-".repeat(w)));
    out.push('\n');
    for r in &rows {
        out += &line(r);
        out.push('\n');
    }
    let push: Vec<&TransportSummary> = report
        .transports
        .iter()
        .filter(|s| s.transport.is_push())
        .collect();
    if !push.is_empty() {
        out.push('\n');
    }
    for s in push {
        if s.complete() && s.errors == 0 {
            out += &format!(
                "{}: complete: every change reached every client once ({} updates)\n",
                s.transport, s.updates_seen
            );
        } else if s.complete() {
            out += &format!(
                "{}: complete while connected: {} updates, each once; but {} errors (failed or dropped connections)\n",
                s.transport, s.updates_seen, s.errors
            );
        } else {
            out += &format!(
                "{}: NOT complete: {} of {} updates seen, {} duplicates or out of order\n",
                s.transport, s.updates_seen, s.updates_expected, s.duplicates
            );
        }
    }
    if report.transports.iter().any(|s| s.bytes_per_min.is_none()) {
        out += "bytes/min, db queries/s: the server's counts (/api/workshop/counts) could not be read\n";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderboard_model::Transport;

    fn lines_with(t: &str, s: &str) -> bool {
        t.lines().nth(2).is_some_and(|header| header.contains(s))
    }

    #[test]
    fn renders_rows_and_verdicts() {
        let report = LoadReport {
            duration_secs: 60.0,
            orders: 50,
            changes_made: 120,
            transports: vec![
                TransportSummary {
                    transport: Transport::Poll,
                    clients: 1000,
                    requests: 12000,
                    requests_per_min: 12000.0,
                    bytes_per_min: Some(7_400_000.0),
                    db_queries_per_sec: Some(0.0),
                    updates_seen: 90,
                    updates_expected: 120,
                    unchanged_answers: 11000,
                    staleness_p50_ms: Some(2500.4),
                    staleness_p99_ms: Some(4950.0),
                    staleness_max_ms: Some(5001.0),
                    ..Default::default()
                },
                TransportSummary {
                    transport: Transport::Sse,
                    clients: 1000,
                    requests: 1000,
                    updates_seen: 120,
                    updates_expected: 120,
                    ..Default::default()
                },
                TransportSummary {
                    transport: Transport::Ws,
                    clients: 1000,
                    requests: 1000,
                    updates_seen: 119,
                    updates_expected: 120,
                    ..Default::default()
                },
                TransportSummary {
                    transport: Transport::SseDbPoll,
                    clients: 1000,
                    requests: 1000,
                    updates_seen: 100,
                    updates_expected: 120,
                    db_queries_per_sec: Some(333.4),
                    ..Default::default()
                },
                TransportSummary {
                    transport: Transport::Sse,
                    clients: 10,
                    requests: 30,
                    updates_seen: 5,
                    updates_expected: 5,
                    errors: 20,
                    ..Default::default()
                },
            ],
        };
        let t = render_table(&report);
        assert!(t.starts_with("60.0 s, 50 orders, 120 stage changes"), "{t}");
        assert!(t.contains("7.4 MB"), "{t}");
        assert!(t.contains("90/120"), "{t}");
        assert!(lines_with(&t, "db queries/s"), "{t}");
        assert!(t.contains("333.4"), "{t}");
        assert!(!t.contains("sse_db_poll: "), "not a push transport: {t}");
        assert!(t.contains("sse: complete"), "{t}");
        assert!(t.contains("ws: NOT complete: 119 of 120"), "{t}");
        assert!(!t.contains("poll: "), "{t}");
        assert!(
            t.contains("sse: complete while connected: 5 updates, each once; but 20 errors"),
            "{t}"
        );
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[2].starts_with("transport"), "{t}");
        assert!(lines[3].starts_with("---------"), "{t}");
    }
}
