//! A finished comparison's `LoadReport` as the rows of the summary table,
//! every figure already written out.
//!
//! "Complete" is the model's own test (`TransportSummary::complete`), shown
//! only for the push transports: polling may rightly skip versions that
//! changed between two asks, so a tick or cross there would mislead.

use crate::state::numbers;
use crate::state::transports::transport_class;
use orderboard_model::{LoadReport, Transport, TransportSummary};

/// Whether every change reached every client once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Complete,
    Incomplete,
    /// Polling transports: skipping versions is expected.
    NotApplicable,
}

impl Completeness {
    pub fn of(s: &TransportSummary) -> Self {
        if !s.transport.is_push() {
            Completeness::NotApplicable
        } else if s.complete() {
            Completeness::Complete
        } else {
            Completeness::Incomplete
        }
    }

    pub fn mark(self) -> &'static str {
        match self {
            Completeness::Complete => "✓",
            Completeness::Incomplete => "✗",
            Completeness::NotApplicable => "—",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Completeness::Complete => "complete-yes",
            Completeness::Incomplete => "complete-no",
            Completeness::NotApplicable => "complete-na",
        }
    }

    /// Said aloud (the cell's title and accessible name).
    pub fn words(self) -> &'static str {
        match self {
            Completeness::Complete => "every change reached every client once",
            Completeness::Incomplete => "some changes were missed or seen twice",
            Completeness::NotApplicable => "polling may skip versions between two asks",
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub transport: Transport,
    pub label: &'static str,
    pub class: &'static str,
    pub clients: String,
    pub requests: String,
    pub requests_per_min: String,
    pub bytes_per_min: String,
    /// Database queries per second the server made for these clients.
    pub db_queries_per_sec: String,
    /// `seen / expected`.
    pub updates: String,
    pub unchanged: String,
    pub errors: String,
    pub p50: String,
    pub p99: String,
    pub max: String,
    pub complete: Completeness,
}

pub fn rows(report: &LoadReport) -> Vec<SummaryRow> {
    let mut summaries: Vec<&TransportSummary> = report.transports.iter().collect();
    summaries.sort_by_key(|s| s.transport);
    summaries
        .into_iter()
        .map(|s| SummaryRow {
            transport: s.transport,
            label: s.transport.label(),
            class: transport_class(s.transport),
            clients: numbers::thousands(s.clients),
            requests: numbers::thousands(s.requests),
            requests_per_min: numbers::rate(s.requests_per_min),
            bytes_per_min: s
                .bytes_per_min
                .map(numbers::bytes)
                .unwrap_or_else(|| "—".into()),
            db_queries_per_sec: s
                .db_queries_per_sec
                .map(numbers::rate)
                .unwrap_or_else(|| "—".into()),
            updates: format!(
                "{} / {}",
                numbers::thousands(s.updates_seen),
                numbers::thousands(s.updates_expected)
            ),
            unchanged: numbers::thousands(s.unchanged_answers),
            errors: if s.duplicates > 0 {
                format!(
                    "{} ({} duplicate)",
                    numbers::thousands(s.errors),
                    numbers::thousands(s.duplicates)
                )
            } else {
                numbers::thousands(s.errors)
            },
            p50: numbers::maybe_millis(s.staleness_p50_ms),
            p99: numbers::maybe_millis(s.staleness_p99_ms),
            max: numbers::maybe_millis(s.staleness_max_ms),
            complete: Completeness::of(s),
        })
        .collect()
}

/// The line above the table: `Ran 60 s: 40 orders, 152 stage changes.`
pub fn headline(report: &LoadReport) -> String {
    let orders = if report.orders == 1 {
        "order"
    } else {
        "orders"
    };
    let changes = if report.changes_made == 1 {
        "stage change"
    } else {
        "stage changes"
    };
    format!(
        "Ran {}: {} {orders}, {} {changes}.",
        numbers::millis(report.duration_secs * 1000.0),
        numbers::thousands(report.orders),
        numbers::thousands(report.changes_made),
    )
}

/// The plain lesson of the run, comparing polling's requests with SSE's when
/// both took part: `Polling made 40× the requests of SSE.`
pub fn takeaway(report: &LoadReport) -> Option<String> {
    let find = |t| report.transports.iter().find(|s| s.transport == t);
    let (poll, sse) = (find(Transport::Poll)?, find(Transport::Sse)?);
    if sse.requests_per_min <= 0.0 || poll.requests_per_min <= 0.0 {
        return None;
    }
    let ratio = poll.requests_per_min / sse.requests_per_min;
    if ratio < 1.5 {
        return None;
    }
    Some(format!(
        "Polling made {}× the requests of SSE for the same orders; most of its answers were “no change”.",
        numbers::rate(ratio)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(t: Transport) -> TransportSummary {
        TransportSummary {
            transport: t,
            clients: 1_000,
            requests: 14_000,
            requests_per_min: 14_000.0,
            bytes_sent: Some(5_000_000),
            bytes_received: Some(2_400_000),
            bytes_per_min: Some(7_400_000.0),
            updates_seen: 980,
            updates_expected: 1_000,
            unchanged_answers: 12_000,
            duplicates: 0,
            errors: 0,
            db_queries: Some(0),
            db_queries_per_sec: Some(0.0),
            staleness_p50_ms: Some(2_400.0),
            staleness_p99_ms: Some(4_900.0),
            staleness_max_ms: Some(5_100.0),
        }
    }

    #[test]
    fn rows_are_written_out_in_the_model_order() {
        let mut sse = summary(Transport::Sse);
        sse.updates_seen = 1_000;
        sse.requests_per_min = 350.0;
        sse.staleness_p50_ms = Some(1.2);
        let mut ws = summary(Transport::Ws);
        ws.duplicates = 2;
        ws.updates_seen = 1_000;
        ws.bytes_per_min = None;
        let report = LoadReport {
            duration_secs: 60.0,
            orders: 40,
            changes_made: 152,
            transports: vec![ws, sse, summary(Transport::Poll)],
        };
        let r = rows(&report);
        assert_eq!(
            r.iter().map(|r| r.transport).collect::<Vec<_>>(),
            vec![Transport::Poll, Transport::Sse, Transport::Ws]
        );
        let poll = &r[0];
        assert_eq!(poll.label, "Polling");
        assert_eq!(poll.class, "tx-poll");
        assert_eq!(poll.clients, "1,000");
        assert_eq!(poll.requests_per_min, "14,000");
        assert_eq!(poll.bytes_per_min, "7.4 MB");
        assert_eq!(poll.updates, "980 / 1,000");
        assert_eq!(poll.unchanged, "12,000");
        assert_eq!(poll.db_queries_per_sec, "0");
        assert_eq!(
            (poll.p50.as_str(), poll.p99.as_str(), poll.max.as_str()),
            ("2.4 s", "4.9 s", "5.1 s")
        );
        assert_eq!(poll.complete, Completeness::NotApplicable);
        assert_eq!(r[1].complete, Completeness::Complete);
        assert_eq!(r[1].p50, "1.2 ms");
        assert_eq!(
            r[2].complete,
            Completeness::Incomplete,
            "duplicates break completeness"
        );
        assert_eq!(r[2].errors, "0 (2 duplicate)");
        assert_eq!(r[2].bytes_per_min, "—");
        assert_eq!(headline(&report), "Ran 60 s: 40 orders, 152 stage changes.");
        assert_eq!(
            takeaway(&report).unwrap(),
            "Polling made 40× the requests of SSE for the same orders; most of its answers were “no change”."
        );
    }

    #[test]
    fn marks_and_headline_edge_cases() {
        assert_eq!(Completeness::Complete.mark(), "✓");
        assert_eq!(Completeness::Incomplete.mark(), "✗");
        assert_eq!(Completeness::NotApplicable.mark(), "—");
        let mut missed = summary(Transport::Sse);
        missed.updates_seen = 999;
        assert_eq!(Completeness::of(&missed), Completeness::Incomplete);
        let one = LoadReport {
            duration_secs: 8.2,
            orders: 1,
            changes_made: 1,
            transports: vec![],
        };
        assert_eq!(headline(&one), "Ran 8.2 s: 1 order, 1 stage change.");
        assert_eq!(takeaway(&one), None);
    }
}
