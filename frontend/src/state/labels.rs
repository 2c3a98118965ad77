//! The words on the dispatcher's buttons and badges.
//!
//! Which buttons exist comes from the model's stage machine; this module only
//! names them, so a cook reads "Mark ready" rather than a stage identifier.
//! The words come from the catalogue (`i18n`): the model's English
//! `Stage::label` is the API's, not the UI's.

use crate::i18n::{tr, tr_args, Locale};
use orderboard_model::{ChangeKind, Channel, Stage, Transition};

/// The text of the button that performs `t`.
pub fn transition_label(locale: Locale, t: Transition, from: Stage) -> String {
    let to = || stage_label(locale, t.to);
    match t.kind {
        ChangeKind::Advance => match t.to {
            _ if from == Stage::Scheduled => tr(locale, "action-fire-now"),
            Stage::Served => tr(locale, "action-served"),
            Stage::Preparing => tr(locale, "action-start-preparing"),
            Stage::Ready => tr(locale, "action-mark-ready"),
            Stage::Collected => tr(locale, "action-collected"),
            Stage::OutForDelivery => tr(locale, "action-out-for-delivery"),
            Stage::Delivered => tr(locale, "action-delivered"),
            _ => to(),
        },
        ChangeKind::Recall if from.is_final() => {
            tr_args(locale, "action-recall-to", &[("stage", (&to()).into())])
        }
        ChangeKind::Recall => tr_args(locale, "action-back-to", &[("stage", (&to()).into())]),
        ChangeKind::Cancel => tr(locale, "action-cancel"),
        ChangeKind::Created | ChangeKind::Item | ChangeKind::Settings => to(),
    }
}

/// A stage's name as people read it.
pub fn stage_label(locale: Locale, s: Stage) -> String {
    tr(locale, &format!("stage-{}", s.as_str()))
}

/// The CSS class for a button of this kind.
pub fn transition_class(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Advance | ChangeKind::Created | ChangeKind::Item | ChangeKind::Settings => {
            "btn btn-advance"
        }
        ChangeKind::Recall => "btn btn-recall",
        ChangeKind::Cancel => "btn btn-cancel",
    }
}

/// A channel's name as people read it.
pub fn channel_label(locale: Locale, c: Channel) -> String {
    tr(locale, &format!("channel-{}", c.as_str()))
}

/// A CSS-friendly stage name, for colours.
pub fn stage_class(s: Stage) -> &'static str {
    match s {
        Stage::Scheduled => "stage-scheduled",
        Stage::Received => "stage-received",
        Stage::Preparing => "stage-preparing",
        Stage::Ready => "stage-ready",
        Stage::OutForDelivery => "stage-out",
        Stage::Collected => "stage-collected",
        Stage::Delivered => "stage-delivered",
        Stage::Served => "stage-served",
        Stage::Cancelled => "stage-cancelled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderboard_model::StageMachine;

    #[test]
    fn a_scheduled_order_fires_now() {
        let m = StageMachine::for_new(Channel::DineIn, true);
        let fire = m
            .transitions()
            .into_iter()
            .find(|t| t.kind == ChangeKind::Advance)
            .unwrap();
        assert_eq!(
            transition_label(Locale::En, fire, Stage::Scheduled),
            "Fire now"
        );
        assert_eq!(
            transition_label(Locale::De, fire, Stage::Scheduled),
            "Jetzt starten"
        );
    }

    #[test]
    fn names_every_button_the_machine_offers() {
        let m = StageMachine::from_history(Channel::Pickup, &[Stage::Received, Stage::Preparing]);
        let labels: Vec<String> = m
            .transitions()
            .into_iter()
            .map(|t| transition_label(Locale::En, t, m.stage))
            .collect();
        assert_eq!(labels, vec!["Mark ready", "Back to Received", "Cancel"]);
        let c = StageMachine::from_history(Channel::Delivery, &[Stage::Received, Stage::Cancelled]);
        let labels: Vec<String> = c
            .transitions()
            .into_iter()
            .map(|t| transition_label(Locale::En, t, c.stage))
            .collect();
        assert_eq!(labels, vec!["Recall to Received"]);
        assert_eq!(transition_class(ChangeKind::Cancel), "btn btn-cancel");
        let g: Vec<String> = c
            .transitions()
            .into_iter()
            .map(|t| transition_label(Locale::De, t, c.stage))
            .collect();
        assert_eq!(g, vec!["Zurückholen: Eingegangen"]);
    }

    #[test]
    fn every_stage_and_channel_has_a_name_in_every_language() {
        for locale in Locale::ALL {
            for s in Stage::ALL {
                let label = stage_label(locale, s);
                assert!(!label.starts_with("stage-"), "{label}");
            }
            for c in Channel::ALL {
                assert!(!channel_label(locale, c).starts_with("channel-"));
            }
        }
        assert_eq!(stage_label(Locale::De, Stage::Preparing), "In Zubereitung");
        assert_eq!(channel_label(Locale::Es, Channel::Delivery), "A domicilio");
    }
}
