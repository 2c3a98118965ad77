//! The customer's tracking page: one order, its timeline and its headline.
//!
//! The timeline follows the order's channel (pickup or delivery) and marks
//! each stage done, current or still to come, with the time it was reached.
//! A recall moves the current marker back; a cancel ends the line.

use crate::state::stream_message::{StreamMessage, TrackMessage};
use orderboard_model::{Channel, Stage, StageMachine, TrackedOrder};
use time::OffsetDateTime;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrackState {
    pub order: Option<TrackedOrder>,
    pub last_seq: u64,
}

impl TrackState {
    pub fn apply(&mut self, message: TrackMessage) {
        match message {
            StreamMessage::Snapshot(s) | StreamMessage::Reset(s) => {
                self.order = Some(s.order);
                self.last_seq = s.as_of;
            }
            StreamMessage::Order(e) => {
                if self.order.is_some() && e.seq <= self.last_seq {
                    return;
                }
                self.last_seq = self.last_seq.max(e.seq);
                self.upsert(e.order);
            }
        }
    }

    /// Takes an order fetched outside the stream, unless a newer copy is held.
    pub fn upsert(&mut self, order: TrackedOrder) {
        if self
            .order
            .as_ref()
            .is_none_or(|known| known.version < order.version)
        {
            self.order = Some(order);
        }
    }

    /// Whether the order has reached a final stage (the stream is over).
    pub fn is_final(&self) -> bool {
        self.order.as_ref().is_some_and(|o| o.stage.is_final())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    Done,
    Current,
    Upcoming,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineStep {
    pub stage: Stage,
    pub status: StepStatus,
    /// When the order (last) entered this stage, for steps reached.
    pub at: Option<OffsetDateTime>,
}

/// The order's journey along its channel's path.
pub fn timeline(order: &TrackedOrder) -> Vec<TimelineStep> {
    let entered = |stage: Stage| {
        order
            .history
            .iter()
            .rev()
            .find(|h| h.stage == stage)
            .map(|h| h.at)
    };
    let stages: Vec<Stage> = order.history.iter().map(|h| h.stage).collect();
    let machine = StageMachine::from_history(order.channel, &stages);
    let path = order.channel.path();
    // Where the line stops: the current stage, or the one a cancel came from.
    let reached = if order.stage == Stage::Cancelled {
        machine.cancelled_from
    } else {
        Some(order.stage)
    };
    let reached_pos = reached.and_then(|r| path.iter().position(|s| *s == r));
    let mut steps: Vec<TimelineStep> = path
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let status = match reached_pos {
                Some(p) if i < p => StepStatus::Done,
                Some(p) if i == p && order.stage != Stage::Cancelled => {
                    if stage.is_final() {
                        StepStatus::Done
                    } else {
                        StepStatus::Current
                    }
                }
                Some(p) if i == p => StepStatus::Done,
                _ => StepStatus::Upcoming,
            };
            let at = if status == StepStatus::Upcoming {
                None
            } else {
                entered(*stage)
            };
            TimelineStep {
                stage: *stage,
                status,
                at,
            }
        })
        .collect();
    if order.stage == Stage::Cancelled {
        steps.truncate(reached_pos.map_or(0, |p| p + 1));
        steps.push(TimelineStep {
            stage: Stage::Cancelled,
            status: StepStatus::Current,
            at: entered(Stage::Cancelled),
        });
    }
    steps
}

/// The page's headline and the sentence under it, as catalogue ids.
pub fn headline(order: &TrackedOrder) -> (&'static str, &'static str) {
    match (order.stage, order.channel) {
        (Stage::Scheduled, _) => ("headline-scheduled", "detail-scheduled"),
        (Stage::Received, _) => ("headline-received", "detail-received"),
        (Stage::Preparing, _) => ("headline-preparing", "detail-preparing"),
        (Stage::Ready, Channel::Pickup) => ("headline-ready-pickup", "detail-ready-pickup"),
        (Stage::Ready, Channel::Delivery) => ("headline-ready-delivery", "detail-ready-delivery"),
        (Stage::Ready, Channel::DineIn) => ("headline-ready-dine-in", "detail-ready-dine-in"),
        (Stage::OutForDelivery, _) => ("headline-out", "detail-out"),
        (Stage::Collected, _) => ("headline-collected", "detail-enjoy"),
        (Stage::Delivered, _) => ("headline-delivered", "detail-enjoy"),
        (Stage::Served, _) => ("headline-served", "detail-enjoy"),
        (Stage::Cancelled, _) => ("headline-cancelled", "detail-cancelled"),
    }
}

/// The emphasis of the headline: the moments the customer has to act are loud.
pub fn headline_tone(order: &TrackedOrder) -> &'static str {
    match (order.stage, order.channel) {
        (Stage::Ready, Channel::Pickup) | (Stage::OutForDelivery, _) => "go",
        (Stage::Cancelled, _) => "stop",
        (s, _) if s.is_final() => "done",
        _ => "wait",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::fixtures::*;
    use orderboard_model::{Order, TrackEvent, TrackSnapshot};

    fn tracked(o: &Order) -> TrackedOrder {
        TrackedOrder::from(o)
    }

    fn statuses(o: &Order) -> Vec<(Stage, StepStatus, bool)> {
        timeline(&tracked(o))
            .into_iter()
            .map(|s| (s.stage, s.status, s.at.is_some()))
            .collect()
    }

    #[test]
    fn pickup_timeline_marks_done_current_upcoming() {
        let o = moved(&order(1), Stage::Preparing);
        use StepStatus::*;
        assert_eq!(
            statuses(&o),
            vec![
                (Stage::Received, Done, true),
                (Stage::Preparing, Current, true),
                (Stage::Ready, Upcoming, false),
                (Stage::Collected, Upcoming, false),
            ]
        );
    }

    #[test]
    fn recall_moves_the_marker_back_and_uses_the_latest_time() {
        let p = moved(&order(1), Stage::Preparing);
        let r = moved(&p, Stage::Ready);
        let back = moved(&r, Stage::Preparing);
        let steps = timeline(&tracked(&back));
        assert_eq!(steps[1].status, StepStatus::Current);
        assert_eq!(steps[1].at, Some(back.updated_at));
        assert_eq!(steps[2].status, StepStatus::Upcoming);
        assert_eq!(steps[2].at, None);
    }

    #[test]
    fn final_stage_is_done_and_cancel_ends_the_line() {
        let d = delivery(2);
        let out = moved(
            &moved(&moved(&d, Stage::Preparing), Stage::Ready),
            Stage::OutForDelivery,
        );
        let done = moved(&out, Stage::Delivered);
        assert!(timeline(&tracked(&done))
            .iter()
            .all(|s| s.status == StepStatus::Done));
        let c = moved(&moved(&d, Stage::Preparing), Stage::Cancelled);
        use StepStatus::*;
        assert_eq!(
            statuses(&c),
            vec![
                (Stage::Received, Done, true),
                (Stage::Preparing, Done, true),
                (Stage::Cancelled, Current, true)
            ]
        );
        assert_eq!(headline_tone(&tracked(&c)), "stop");
    }

    #[test]
    fn headlines_make_the_moment_to_act_unmistakable() {
        let ready = moved(&moved(&order(1), Stage::Preparing), Stage::Ready);
        assert_eq!(headline(&tracked(&ready)).0, "headline-ready-pickup");
        assert_eq!(headline_tone(&tracked(&ready)), "go");
        let out = moved(
            &moved(&moved(&delivery(1), Stage::Preparing), Stage::Ready),
            Stage::OutForDelivery,
        );
        assert_eq!(headline(&tracked(&out)).0, "headline-out");
        assert_eq!(headline_tone(&tracked(&out)), "go");
    }

    #[test]
    fn stream_updates_and_finality() {
        let mut s = TrackState::default();
        let o = order(3);
        s.apply(StreamMessage::Snapshot(TrackSnapshot {
            as_of: 7,
            order: tracked(&o),
        }));
        assert!(!s.is_final());
        let ready = moved(&moved(&o, Stage::Preparing), Stage::Ready);
        let stale = TrackEvent::from(&change_event(6, &o, moved(&o, Stage::Cancelled)));
        s.apply(StreamMessage::Order(stale));
        assert_eq!(
            s.order.as_ref().unwrap().stage,
            Stage::Received,
            "a replayed event is skipped"
        );
        s.apply(StreamMessage::Order(TrackEvent::from(&change_event(
            8,
            &o,
            ready.clone(),
        ))));
        assert_eq!(s.order.as_ref().unwrap().stage, Stage::Ready);
        let collected = moved(&ready, Stage::Collected);
        s.upsert(tracked(&collected));
        assert!(s.is_final());
        s.upsert(tracked(&ready));
        assert!(s.is_final(), "an older copy never wins");
    }
}
