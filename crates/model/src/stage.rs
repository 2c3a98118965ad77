//! The stage machine: the single statement of which stage changes are legal.
//!
//! The server enforces it before it writes anything; the UI uses the very same
//! rules to decide which buttons to offer. A change goes one step forward along
//! the order's channel, one step back (a recall, to undo a mistake), or to
//! `cancelled` from any stage that is not final. A cancelled order can be
//! recalled to the stage it was cancelled from.
//!
//! A scheduled order (one with a due time) starts in `scheduled`, outside
//! every channel's path: from there it may only advance to `received` (when
//! it fires, or when staff fire it early) or be cancelled. Nothing ever moves
//! back into `scheduled`: `received` has no recall, and a scheduled order
//! that was cancelled stays cancelled.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How the customer receives the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Pickup,
    Delivery,
    /// Eaten in, at a table: the order is served to the table.
    DineIn,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Pickup, Channel::Delivery, Channel::DineIn];

    /// The forward path of an order on this channel, first stage to last.
    pub fn path(self) -> &'static [Stage] {
        match self {
            Channel::Pickup => &[
                Stage::Received,
                Stage::Preparing,
                Stage::Ready,
                Stage::Collected,
            ],
            Channel::Delivery => &[
                Stage::Received,
                Stage::Preparing,
                Stage::Ready,
                Stage::OutForDelivery,
                Stage::Delivered,
            ],
            Channel::DineIn => &[
                Stage::Received,
                Stage::Preparing,
                Stage::Ready,
                Stage::Served,
            ],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Pickup => "pickup",
            Channel::Delivery => "delivery",
            Channel::DineIn => "dine_in",
        }
    }

    /// Words for people, as screens show them.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Pickup => "Pickup",
            Channel::Delivery => "Delivery",
            Channel::DineIn => "Dine-in",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Waiting for its fire time (an order with a due time); not yet in the kitchen.
    Scheduled,
    Received,
    Preparing,
    Ready,
    OutForDelivery,
    Collected,
    Delivered,
    /// A dine-in order brought to its table.
    Served,
    Cancelled,
}

impl Stage {
    pub const ALL: [Stage; 9] = [
        Stage::Scheduled,
        Stage::Received,
        Stage::Preparing,
        Stage::Ready,
        Stage::OutForDelivery,
        Stage::Collected,
        Stage::Delivered,
        Stage::Served,
        Stage::Cancelled,
    ];

    /// Final stages end an order's life: it leaves every active list.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Stage::Collected | Stage::Delivered | Stage::Served | Stage::Cancelled
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Scheduled => "scheduled",
            Stage::Received => "received",
            Stage::Preparing => "preparing",
            Stage::Ready => "ready",
            Stage::OutForDelivery => "out_for_delivery",
            Stage::Collected => "collected",
            Stage::Delivered => "delivered",
            Stage::Served => "served",
            Stage::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Words for people, as screens show them.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Scheduled => "Scheduled",
            Stage::Received => "Received",
            Stage::Preparing => "Preparing",
            Stage::Ready => "Ready",
            Stage::OutForDelivery => "Out for delivery",
            Stage::Collected => "Collected",
            Stage::Delivered => "Delivered",
            Stage::Served => "Served",
            Stage::Cancelled => "Cancelled",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of a change, as events and buttons name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The order was created (it entered its first stage).
    Created,
    /// One step forward along the channel's path.
    Advance,
    /// One step back, to undo a mistake.
    Recall,
    /// To `cancelled`.
    Cancel,
    /// An item was marked done or not done (a bump). The change's `from` and
    /// `to` show the stage move it caused, and are equal when it caused none.
    Item,
    /// The kitchen's settings changed (an event of the log that belongs to
    /// no order).
    Settings,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 6] = [
        ChangeKind::Created,
        ChangeKind::Advance,
        ChangeKind::Recall,
        ChangeKind::Cancel,
        ChangeKind::Item,
        ChangeKind::Settings,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Advance => "advance",
            ChangeKind::Recall => "recall",
            ChangeKind::Cancel => "cancel",
            ChangeKind::Item => "item",
            ChangeKind::Settings => "settings",
        }
    }

    pub fn parse(s: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A legal move from the current stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transition {
    pub to: Stage,
    pub kind: ChangeKind,
}

/// Why a requested stage change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionError {
    pub current: Stage,
    pub requested: Stage,
    pub allowed: Vec<Stage>,
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let allowed: Vec<&str> = self.allowed.iter().map(|s| s.as_str()).collect();
        write!(
            f,
            "cannot move an order from {} to {}; allowed: {}",
            self.current,
            self.requested,
            if allowed.is_empty() {
                "none".to_string()
            } else {
                allowed.join(", ")
            }
        )
    }
}

impl std::error::Error for TransitionError {}

/// The state the stage machine needs to know about one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageMachine {
    pub channel: Channel,
    pub stage: Stage,
    /// For a cancelled order, the stage it was cancelled from (its recall target).
    pub cancelled_from: Option<Stage>,
}

impl StageMachine {
    /// The machine for a fresh order.
    pub fn new(channel: Channel) -> Self {
        StageMachine::for_new(channel, false)
    }

    /// The machine for a fresh order: in `scheduled` when it has a due
    /// time, else at the first stage of its channel.
    pub fn for_new(channel: Channel, scheduled: bool) -> Self {
        StageMachine {
            channel,
            stage: if scheduled {
                Stage::Scheduled
            } else {
                channel.path()[0]
            },
            cancelled_from: None,
        }
    }

    /// Builds the machine from an order's stage history (oldest first; a
    /// scheduled order's history starts with `scheduled`).
    pub fn from_history(channel: Channel, history: &[Stage]) -> Self {
        let stage = history.last().copied().unwrap_or(channel.path()[0]);
        let cancelled_from = if stage == Stage::Cancelled {
            history.iter().rev().nth(1).copied()
        } else {
            None
        };
        StageMachine {
            channel,
            stage,
            cancelled_from,
        }
    }

    fn position(&self) -> Option<usize> {
        self.channel.path().iter().position(|s| *s == self.stage)
    }

    /// The next stage along the path, if any.
    pub fn next(&self) -> Option<Stage> {
        let path = self.channel.path();
        if self.stage == Stage::Scheduled {
            return Some(path[0]);
        }
        self.position().and_then(|i| path.get(i + 1).copied())
    }

    /// The stage a recall goes back to, if any.
    pub fn previous(&self) -> Option<Stage> {
        if self.stage == Stage::Cancelled {
            // A scheduled order that was cancelled stays cancelled: nothing
            // moves back into `scheduled`.
            return self.cancelled_from.filter(|s| *s != Stage::Scheduled);
        }
        let path = self.channel.path();
        self.position()
            .and_then(|i| i.checked_sub(1))
            .map(|i| path[i])
    }

    /// Every legal move from here: advance, recall, cancel, in that order.
    pub fn transitions(&self) -> Vec<Transition> {
        let mut out = Vec::with_capacity(3);
        if let Some(to) = self.next() {
            out.push(Transition {
                to,
                kind: ChangeKind::Advance,
            });
        }
        if let Some(to) = self.previous() {
            out.push(Transition {
                to,
                kind: ChangeKind::Recall,
            });
        }
        if !self.stage.is_final() {
            out.push(Transition {
                to: Stage::Cancelled,
                kind: ChangeKind::Cancel,
            });
        }
        out
    }

    /// The stages this order may move to now.
    pub fn allowed_targets(&self) -> Vec<Stage> {
        self.transitions().into_iter().map(|t| t.to).collect()
    }

    /// Checks a requested move; on success says what kind of change it is.
    pub fn check(&self, to: Stage) -> Result<Transition, TransitionError> {
        self.transitions()
            .into_iter()
            .find(|t| t.to == to)
            .ok_or_else(|| TransitionError {
                current: self.stage,
                requested: to,
                allowed: self.allowed_targets(),
            })
    }

    /// Applies a move, returning the machine after it.
    pub fn apply(&self, to: Stage) -> Result<StageMachine, TransitionError> {
        let t = self.check(to)?;
        let cancelled_from = if t.to == Stage::Cancelled {
            Some(self.stage)
        } else {
            None
        };
        Ok(StageMachine {
            channel: self.channel,
            stage: t.to,
            cancelled_from,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pickup_runs_its_path() {
        let mut m = StageMachine::new(Channel::Pickup);
        assert_eq!(m.stage, Stage::Received);
        for to in [Stage::Preparing, Stage::Ready, Stage::Collected] {
            assert_eq!(m.check(to).unwrap().kind, ChangeKind::Advance);
            m = m.apply(to).unwrap();
        }
        assert!(m.stage.is_final());
        assert_eq!(m.next(), None);
        assert_eq!(m.allowed_targets(), vec![Stage::Ready]);
    }

    #[test]
    fn delivery_goes_out_before_delivered() {
        let m = StageMachine::from_history(
            Channel::Delivery,
            &[Stage::Received, Stage::Preparing, Stage::Ready],
        );
        assert_eq!(
            m.allowed_targets(),
            vec![Stage::OutForDelivery, Stage::Preparing, Stage::Cancelled]
        );
        assert!(m.check(Stage::Collected).is_err());
        assert!(m.check(Stage::Delivered).is_err());
    }

    #[test]
    fn pickup_never_goes_out_for_delivery() {
        let m = StageMachine::from_history(
            Channel::Pickup,
            &[Stage::Received, Stage::Preparing, Stage::Ready],
        );
        let err = m.check(Stage::OutForDelivery).unwrap_err();
        assert_eq!(err.current, Stage::Ready);
        assert_eq!(
            err.allowed,
            vec![Stage::Collected, Stage::Preparing, Stage::Cancelled]
        );
        assert!(err
            .to_string()
            .contains("allowed: collected, preparing, cancelled"));
    }

    #[test]
    fn received_cannot_be_recalled_or_skipped() {
        let m = StageMachine::new(Channel::Pickup);
        assert_eq!(m.previous(), None);
        assert!(m.check(Stage::Ready).is_err());
        assert!(
            m.check(Stage::Received).is_err(),
            "staying put is not a change"
        );
    }

    #[test]
    fn cancel_from_any_active_stage_and_recall_restores_it() {
        for channel in Channel::ALL {
            for (i, stage) in channel.path().iter().enumerate() {
                let m = StageMachine::from_history(channel, &channel.path()[..=i]);
                if stage.is_final() {
                    assert!(m.check(Stage::Cancelled).is_err(), "{stage} is final");
                    continue;
                }
                let c = m.apply(Stage::Cancelled).unwrap();
                assert_eq!(c.allowed_targets(), vec![*stage]);
                assert_eq!(c.check(*stage).unwrap().kind, ChangeKind::Recall);
                let mut hist = channel.path()[..=i].to_vec();
                hist.push(Stage::Cancelled);
                assert_eq!(StageMachine::from_history(channel, &hist), c);
            }
        }
    }

    #[test]
    fn dine_in_is_served_at_the_table() {
        let mut m = StageMachine::new(Channel::DineIn);
        for to in [Stage::Preparing, Stage::Ready, Stage::Served] {
            m = m.apply(to).unwrap();
        }
        assert!(m.stage.is_final());
        assert_eq!(m.allowed_targets(), vec![Stage::Ready]);
        let ready = StageMachine::from_history(
            Channel::DineIn,
            &[Stage::Received, Stage::Preparing, Stage::Ready],
        );
        assert!(ready.check(Stage::Collected).is_err());
        assert!(ready.check(Stage::OutForDelivery).is_err());
        assert_eq!(Channel::parse("dine_in"), Some(Channel::DineIn));
        assert_eq!(Channel::DineIn.label(), "Dine-in");
    }

    #[test]
    fn a_scheduled_order_only_fires_or_is_cancelled() {
        for channel in Channel::ALL {
            let m = StageMachine::for_new(channel, true);
            assert_eq!(m.stage, Stage::Scheduled);
            assert!(!m.stage.is_final());
            assert_eq!(m.allowed_targets(), vec![Stage::Received, Stage::Cancelled]);
            assert_eq!(m.check(Stage::Received).unwrap().kind, ChangeKind::Advance);
            assert!(m.check(Stage::Preparing).is_err());

            // Fired: no recall back into scheduled.
            let fired = StageMachine::from_history(channel, &[Stage::Scheduled, Stage::Received]);
            assert_eq!(fired.previous(), None);
            assert!(fired.check(Stage::Scheduled).is_err());
            assert_eq!(fired, m.apply(Stage::Received).unwrap());

            // Cancelled while scheduled: stays cancelled.
            let c = StageMachine::from_history(channel, &[Stage::Scheduled, Stage::Cancelled]);
            assert_eq!(c.allowed_targets(), vec![]);
            assert_eq!(m.apply(Stage::Cancelled).unwrap().allowed_targets(), vec![]);
        }
        assert_eq!(
            StageMachine::new(Channel::Pickup),
            StageMachine::for_new(Channel::Pickup, false)
        );
    }

    #[test]
    fn change_kinds_round_trip() {
        for k in ChangeKind::ALL {
            assert_eq!(ChangeKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
    }

    #[test]
    fn stage_names_round_trip() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert_eq!(Stage::parse("READY"), None);
    }

    fn any_stage() -> impl Strategy<Value = Stage> {
        proptest::sample::select(Stage::ALL.to_vec())
    }

    proptest! {
        /// No sequence of requests reaches a stage the rules forbid: every accepted
        /// move is one step along the path, one step back, or a cancel, and the
        /// stage always belongs to the order's channel.
        #[test]
        fn random_requests_stay_within_the_rules(
            channel_index in 0..Channel::ALL.len(),
            scheduled in any::<bool>(),
            requests in proptest::collection::vec(any_stage(), 0..60),
        ) {
            let channel = Channel::ALL[channel_index];
            let mut m = StageMachine::for_new(channel, scheduled);
            let mut history = vec![m.stage];
            for to in requests {
                let before = m;
                match m.apply(to) {
                    Ok(next) => {
                        let path = channel.path();
                        let pos = |s: Stage| path.iter().position(|p| *p == s);
                        match next.stage {
                            Stage::Cancelled => prop_assert!(!before.stage.is_final()),
                            s if before.stage == Stage::Cancelled => prop_assert_eq!(Some(s), before.cancelled_from),
                            s if before.stage == Stage::Scheduled => prop_assert_eq!(s, channel.path()[0]),
                            s => {
                                let (a, b) = (pos(before.stage).unwrap() as i64, pos(s).unwrap() as i64);
                                prop_assert_eq!((a - b).abs(), 1);
                            }
                        }
                        prop_assert!(next.stage != Stage::Scheduled, "nothing moves into scheduled");
                        prop_assert!(next.stage == Stage::Cancelled || channel.path().contains(&next.stage));
                        m = next;
                        history.push(m.stage);
                        prop_assert_eq!(StageMachine::from_history(channel, &history), m);
                    }
                    Err(e) => {
                        prop_assert_eq!(e.current, before.stage);
                        prop_assert!(!e.allowed.contains(&to));
                    }
                }
            }
        }
    }
}
