//! The workshop's connection drop drill, as the page shows it: the phase in
//! words, one table row per group (with and without `Last-Event-ID`) and a
//! headline saying what the numbers show. Fed by the workshop stream's
//! `drill` events and the answer to the page's own start request.

use crate::state::numbers;
use orderboard_model::drill::DEFAULT_DRILL_OUTAGE_SECS;
use orderboard_model::{DrillGroup, DrillPhase, DrillReport, DrillState};

/// The words on the drill's button.
pub fn button_label() -> String {
    format!("Drop every connection for {DEFAULT_DRILL_OUTAGE_SECS} s")
}

/// A CSS class and the words for the drill's phase.
pub fn phase_badge(state: &DrillState) -> (&'static str, String) {
    match state.phase {
        DrillPhase::Idle => ("phase-idle", "No drill yet".into()),
        DrillPhase::Connecting => ("phase-busy", "Connecting the simulated customers…".into()),
        DrillPhase::Outage => (
            "phase-busy",
            "Connections down: orders are moving meanwhile…".into(),
        ),
        DrillPhase::Recovering => (
            "phase-busy",
            "Connections back: the customers reconnect and catch up…".into(),
        ),
        DrillPhase::Finished => ("phase-done", "Finished".into()),
        DrillPhase::Failed => (
            "phase-failed",
            match state
                .error
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
            {
                Some(e) => format!("Failed: {e}"),
                None => "Failed".into(),
            },
        ),
    }
}

/// One group's row, worded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillRow {
    /// `resume` or `no-resume`, for tests and styles.
    pub key: &'static str,
    pub label: &'static str,
    pub clients: String,
    /// Delivered as events, of those owed.
    pub delivered: String,
    pub missed: String,
    pub duplicated: String,
    /// How it got back on: resumed, or a fresh snapshot on each reconnect.
    pub back_on: String,
    pub catch_up_p50: String,
    pub catch_up_max: String,
    /// Whether every change arrived, once.
    pub whole: bool,
}

pub fn rows(report: &DrillReport) -> Vec<DrillRow> {
    report.groups.iter().map(row).collect()
}

fn row(g: &DrillGroup) -> DrillRow {
    let ms = |v: Option<f64>| v.map_or("—".to_string(), numbers::millis);
    DrillRow {
        key: if g.resumes { "resume" } else { "no-resume" },
        label: if g.resumes {
            "With Last-Event-ID"
        } else {
            "Without Last-Event-ID"
        },
        clients: numbers::thousands(g.clients),
        delivered: format!(
            "{} / {}",
            numbers::thousands(g.delivered),
            numbers::thousands(g.changes_owed)
        ),
        missed: numbers::thousands(g.missed),
        duplicated: numbers::thousands(g.duplicated),
        back_on: if g.snapshots_on_reconnect == 0 {
            "resumed after its last event".into()
        } else {
            format!(
                "{} fresh snapshots",
                numbers::thousands(g.snapshots_on_reconnect)
            )
        },
        catch_up_p50: ms(g.catch_up_p50_ms),
        catch_up_max: ms(g.catch_up_max_ms),
        whole: g.missed == 0 && g.duplicated == 0,
    }
}

/// What the run shows, in a sentence.
pub fn headline(report: &DrillReport) -> String {
    let outage = numbers::millis(report.outage_ms as f64);
    let moved = format!(
        "{} {} while the connections were down for {outage}",
        numbers::thousands(report.changes_during_outage),
        if report.changes_during_outage == 1 {
            "change was made to the followed orders"
        } else {
            "changes were made to the followed orders"
        }
    );
    let missed = |resumes: bool| {
        report
            .groups
            .iter()
            .find(|g| g.resumes == resumes)
            .map(|g| (g.missed, g.changes_owed))
    };
    match (missed(true), missed(false)) {
        (Some((r, r_owed)), Some((n, n_owed))) => format!(
            "{moved}. Resuming with Last-Event-ID, the customers missed {} of {}; without it, {} of {}: their fresh snapshot showed where the orders are, not how they got there.",
            numbers::thousands(r),
            numbers::thousands(r_owed),
            numbers::thousands(n),
            numbers::thousands(n_owed),
        ),
        _ => format!("{moved}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> DrillReport {
        DrillReport {
            outage_ms: 5_004,
            orders_followed: 5,
            changes_during_outage: 6,
            groups: vec![
                DrillGroup {
                    resumes: true,
                    clients: 25,
                    changes_owed: 40,
                    delivered: 40,
                    caught_up: 25,
                    catch_up_p50_ms: Some(1_210.0),
                    catch_up_max_ms: Some(2_003.0),
                    ..Default::default()
                },
                DrillGroup {
                    resumes: false,
                    clients: 25,
                    changes_owed: 40,
                    delivered: 10,
                    missed: 30,
                    snapshots_on_reconnect: 25,
                    caught_up: 25,
                    catch_up_p50_ms: Some(1_190.0),
                    catch_up_max_ms: None,
                    ..Default::default()
                },
            ],
        }
    }

    #[test]
    fn groups_are_worded_side_by_side() {
        let rows = rows(&report());
        assert_eq!(rows[0].key, "resume");
        assert_eq!(rows[0].delivered, "40 / 40");
        assert_eq!(rows[0].missed, "0");
        assert_eq!(rows[0].back_on, "resumed after its last event");
        assert_eq!(rows[0].catch_up_p50, "1.21 s");
        assert!(rows[0].whole);
        assert_eq!(rows[1].key, "no-resume");
        assert_eq!(rows[1].missed, "30");
        assert_eq!(rows[1].back_on, "25 fresh snapshots");
        assert_eq!(rows[1].catch_up_max, "—");
        assert!(!rows[1].whole);
    }

    #[test]
    fn the_headline_says_what_each_group_missed() {
        assert_eq!(
            headline(&report()),
            "6 changes were made to the followed orders while the connections were down for 5 s. Resuming with Last-Event-ID, the customers missed 0 of 40; without it, 30 of 40: their fresh snapshot showed where the orders are, not how they got there."
        );
    }

    #[test]
    fn phases_are_worded() {
        let mut s = DrillState::default();
        assert_eq!(phase_badge(&s).0, "phase-idle");
        s.phase = DrillPhase::Outage;
        assert!(phase_badge(&s).1.starts_with("Connections down"));
        s.phase = DrillPhase::Failed;
        s.error = Some("no orders".into());
        assert_eq!(phase_badge(&s).1, "Failed: no orders");
        assert_eq!(button_label(), "Drop every connection for 5 s");
    }
}
