//! The workshop page's state: the sample history behind the charts, where
//! the comparison stands, the last comparison's report, and the connection
//! drop drill's state.
//!
//! Fed by `GET /api/workshop/events` (`sample` once a second, `comparison`
//! and `drill` when their phase changes) and by the answers to the page's
//! own start and stop requests. The report is kept once seen, even if later states leave
//! it out, until a new comparison starts.

use crate::state::numbers;
use orderboard_model::drill::WORKSHOP_DRILL_EVENT;
use orderboard_model::workshop::{
    DEFAULT_COMPARISON_SECS, DEFAULT_DB_POLL_INTERVAL_MS, WORKSHOP_COMPARISON_EVENT,
    WORKSHOP_SAMPLE_EVENT,
};
use orderboard_model::{
    ComparisonPhase, ComparisonState, DrillState, LoadReport, Transport, WorkshopSample,
};

use crate::state::sample_history::SampleHistory;

/// One event of the workshop stream.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkshopMessage {
    Sample(WorkshopSample),
    Comparison(ComparisonState),
    Drill(DrillState),
}

/// The SSE event names the page listens for.
pub const EVENT_NAMES: [&str; 3] = [
    WORKSHOP_SAMPLE_EVENT,
    WORKSHOP_COMPARISON_EVENT,
    WORKSHOP_DRILL_EVENT,
];

pub fn parse_workshop_message(event: &str, data: &str) -> Result<WorkshopMessage, String> {
    let bad = |e: serde_json::Error| format!("malformed `{event}` event: {e}");
    match event {
        WORKSHOP_SAMPLE_EVENT => Ok(WorkshopMessage::Sample(
            serde_json::from_str(data).map_err(bad)?,
        )),
        WORKSHOP_COMPARISON_EVENT => Ok(WorkshopMessage::Comparison(
            serde_json::from_str(data).map_err(bad)?,
        )),
        WORKSHOP_DRILL_EVENT => Ok(WorkshopMessage::Drill(
            serde_json::from_str(data).map_err(bad)?,
        )),
        other => Err(format!("unknown workshop event `{other}`")),
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkshopState {
    pub history: SampleHistory,
    pub comparison: ComparisonState,
    /// The newest finished comparison's report.
    pub report: Option<LoadReport>,
    /// The connection drop drill, with its report once it has one.
    pub drill: DrillState,
}

impl WorkshopState {
    pub fn apply(&mut self, message: WorkshopMessage) {
        match message {
            WorkshopMessage::Sample(s) => {
                self.history.push(&s);
                self.set_comparison(s.comparison);
            }
            WorkshopMessage::Comparison(c) => self.set_comparison(c),
            WorkshopMessage::Drill(d) => self.drill = d,
        }
    }

    /// Takes the server's word on the comparison (an event, or the answer to a start or stop).
    pub fn set_comparison(&mut self, mut c: ComparisonState) {
        match (c.phase, c.report.take()) {
            (_, Some(report)) => self.report = Some(report),
            (ComparisonPhase::Starting | ComparisonPhase::Running, None) => self.report = None,
            _ => {}
        }
        self.comparison = c;
    }

    /// Whether a comparison is under way (Start is off, Stop is on).
    pub fn busy(&self) -> bool {
        matches!(
            self.comparison.phase,
            ComparisonPhase::Starting | ComparisonPhase::Running | ComparisonPhase::Stopping
        )
    }

    pub fn can_stop(&self) -> bool {
        matches!(
            self.comparison.phase,
            ComparisonPhase::Starting | ComparisonPhase::Running
        )
    }

    /// A CSS class and the words for the phase badge.
    pub fn phase_badge(&self) -> (&'static str, String) {
        let c = &self.comparison;
        match c.phase {
            ComparisonPhase::Idle => ("phase-idle", "No comparison yet".into()),
            ComparisonPhase::Starting => (
                "phase-busy",
                "Starting: creating orders and connecting clients…".into(),
            ),
            ComparisonPhase::Running => {
                let total = c
                    .request
                    .as_ref()
                    .and_then(|r| r.duration_secs)
                    .unwrap_or(DEFAULT_COMPARISON_SECS);
                let elapsed = (c.elapsed_ms / 1000).min(total);
                ("phase-busy", format!("Running: {elapsed} s of {total} s"))
            }
            ComparisonPhase::Stopping => (
                "phase-busy",
                "Stopping: waiting for the last updates…".into(),
            ),
            ComparisonPhase::Finished => ("phase-done", "Finished".into()),
            ComparisonPhase::Failed => (
                "phase-failed",
                match c.error.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
                    Some(e) => format!("Failed: {e}"),
                    None => "Failed".into(),
                },
            ),
        }
    }

    /// How far the running comparison is, from 0 to 1.
    pub fn progress(&self) -> Option<f64> {
        let c = &self.comparison;
        if c.phase != ComparisonPhase::Running {
            return None;
        }
        let total = c
            .request
            .as_ref()
            .and_then(|r| r.duration_secs)
            .unwrap_or(DEFAULT_COMPARISON_SECS);
        Some((c.elapsed_ms as f64 / (total.max(1) * 1000) as f64).clamp(0.0, 1.0))
    }

    /// What the comparison runs, in a line: `100 clients per transport,
    /// polling every 5 s: Polling, SSE` (and how often SSE over database
    /// polling queries, when it runs).
    pub fn request_line(&self) -> Option<String> {
        let r = self.comparison.request.as_ref()?;
        let transports = match r.transports.as_deref() {
            None => "all five transports".to_string(),
            Some(ts) => ts.iter().map(|t| t.label()).collect::<Vec<_>>().join(", "),
        };
        let runs_db_poll = r
            .transports
            .as_deref()
            .is_none_or(|ts| ts.contains(&Transport::SseDbPoll));
        let db_poll = if runs_db_poll {
            let ms = r.db_poll_interval_ms.unwrap_or(DEFAULT_DB_POLL_INTERVAL_MS);
            format!(
                ", querying the database every {}",
                numbers::millis(ms as f64)
            )
        } else {
            String::new()
        };
        Some(format!(
            "{} clients per transport, polling every {}{db_poll}: {transports}",
            numbers::thousands(r.clients_per_transport as u64),
            numbers::millis(r.poll_interval_ms as f64),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderboard_model::{ComparisonRequest, Transport, TransportSummary};

    fn state(phase: ComparisonPhase) -> ComparisonState {
        ComparisonState {
            phase,
            ..Default::default()
        }
    }

    fn report() -> LoadReport {
        LoadReport {
            duration_secs: 8.0,
            orders: 5,
            changes_made: 12,
            transports: vec![TransportSummary {
                transport: Transport::Sse,
                ..Default::default()
            }],
        }
    }

    #[test]
    fn parses_both_events() {
        let sample = serde_json::to_string(&WorkshopSample {
            uptime_ms: 5,
            ..Default::default()
        })
        .unwrap();
        assert!(
            matches!(parse_workshop_message("sample", &sample), Ok(WorkshopMessage::Sample(s)) if s.uptime_ms == 5)
        );
        let c = serde_json::to_string(&state(ComparisonPhase::Running)).unwrap();
        assert!(matches!(
            parse_workshop_message("comparison", &c),
            Ok(WorkshopMessage::Comparison(c)) if c.phase == ComparisonPhase::Running
        ));
        let d = serde_json::to_string(&DrillState::default()).unwrap();
        assert!(matches!(
            parse_workshop_message("drill", &d),
            Ok(WorkshopMessage::Drill(_))
        ));
        assert!(parse_workshop_message("order", "{}")
            .unwrap_err()
            .contains("unknown"));
        assert!(parse_workshop_message("sample", "{")
            .unwrap_err()
            .contains("malformed"));
    }

    #[test]
    fn the_report_is_kept_until_a_new_comparison_starts() {
        let mut s = WorkshopState::default();
        s.apply(WorkshopMessage::Comparison(ComparisonState {
            phase: ComparisonPhase::Finished,
            report: Some(report()),
            ..Default::default()
        }));
        assert_eq!(s.report, Some(report()));
        assert_eq!(s.comparison.report, None, "kept once, beside the state");
        // A later sample that leaves the report out does not lose it.
        s.apply(WorkshopMessage::Sample(WorkshopSample {
            uptime_ms: 1_000,
            comparison: state(ComparisonPhase::Finished),
            ..Default::default()
        }));
        assert!(s.report.is_some());
        assert_eq!(s.history.len(), 1);
        s.set_comparison(state(ComparisonPhase::Starting));
        assert_eq!(s.report, None);
        assert!(s.busy() && s.can_stop());
    }

    #[test]
    fn phases_are_worded_with_progress() {
        let mut s = WorkshopState::default();
        assert_eq!(
            s.phase_badge(),
            ("phase-idle", "No comparison yet".to_string())
        );
        assert!(!s.busy());
        s.set_comparison(ComparisonState {
            phase: ComparisonPhase::Running,
            elapsed_ms: 12_400,
            request: Some(ComparisonRequest {
                clients_per_transport: 1_000,
                poll_interval_ms: 5_000,
                db_poll_interval_ms: None,
                transports: Some(vec![Transport::Poll, Transport::Sse]),
                duration_secs: Some(60),
            }),
            ..Default::default()
        });
        assert_eq!(s.phase_badge().1, "Running: 12 s of 60 s");
        assert!((s.progress().unwrap() - 12.4 / 60.0).abs() < 1e-9);
        assert_eq!(
            s.request_line().unwrap(),
            "1,000 clients per transport, polling every 5 s: Polling, SSE"
        );
        s.set_comparison(ComparisonState {
            phase: ComparisonPhase::Running,
            request: Some(ComparisonRequest {
                clients_per_transport: 1_000,
                poll_interval_ms: 5_000,
                db_poll_interval_ms: Some(1_500),
                transports: None,
                duration_secs: Some(60),
            }),
            ..Default::default()
        });
        assert_eq!(
            s.request_line().unwrap(),
            "1,000 clients per transport, polling every 5 s, querying the database every 1.5 s: all five transports"
        );
        s.set_comparison(state(ComparisonPhase::Stopping));
        assert!(s.busy() && !s.can_stop());
        assert_eq!(s.progress(), None);
        s.set_comparison(ComparisonState {
            phase: ComparisonPhase::Failed,
            error: Some("could not create orders".into()),
            ..Default::default()
        });
        assert_eq!(
            s.phase_badge(),
            (
                "phase-failed",
                "Failed: could not create orders".to_string()
            )
        );
        assert!(!s.busy());
    }
}
