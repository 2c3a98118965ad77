//! The words on the dispatcher's buttons and badges.
//!
//! Which buttons exist comes from the model's stage machine; this module only
//! names them, so a cook reads "Mark ready" rather than a stage identifier.

use orderboard_model::{ChangeKind, Channel, Stage, Transition};

/// The text of the button that performs `t`.
pub fn transition_label(t: Transition, from: Stage) -> String {
    match t.kind {
        ChangeKind::Advance => match t.to {
            _ if from == Stage::Scheduled => "Fire now".into(),
            Stage::Served => "Served".into(),
            Stage::Preparing => "Start preparing".into(),
            Stage::Ready => "Mark ready".into(),
            Stage::Collected => "Collected".into(),
            Stage::OutForDelivery => "Out for delivery".into(),
            Stage::Delivered => "Delivered".into(),
            other => other.label().into(),
        },
        ChangeKind::Recall if from.is_final() => format!("Recall to {}", t.to.label()),
        ChangeKind::Recall => format!("Back to {}", t.to.label()),
        ChangeKind::Cancel => "Cancel".into(),
        ChangeKind::Created | ChangeKind::Item | ChangeKind::Settings => t.to.label().into(),
    }
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

pub fn channel_label(c: Channel) -> &'static str {
    c.label()
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
        assert_eq!(transition_label(fire, Stage::Scheduled), "Fire now");
    }

    #[test]
    fn names_every_button_the_machine_offers() {
        let m = StageMachine::from_history(Channel::Pickup, &[Stage::Received, Stage::Preparing]);
        let labels: Vec<String> = m
            .transitions()
            .into_iter()
            .map(|t| transition_label(t, m.stage))
            .collect();
        assert_eq!(labels, vec!["Mark ready", "Back to Received", "Cancel"]);
        let c = StageMachine::from_history(Channel::Delivery, &[Stage::Received, Stage::Cancelled]);
        let labels: Vec<String> = c
            .transitions()
            .into_iter()
            .map(|t| transition_label(t, c.stage))
            .collect();
        assert_eq!(labels, vec!["Recall to Received"]);
        assert_eq!(transition_class(ChangeKind::Cancel), "btn btn-cancel");
    }
}
