//! The stage machine: the single statement of which stage changes are legal.
//!
//! The server enforces it before it writes anything; the UI uses the very same
//! rules to decide which buttons to offer. A change goes one step forward along
//! the order's channel, one step back (a recall, to undo a mistake), or to
//! `cancelled` from any stage that is not final. A cancelled order can be
//! recalled to the stage it was cancelled from.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How the customer receives the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Pickup,
    Delivery,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::Pickup, Channel::Delivery];

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
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Pickup => "pickup",
            Channel::Delivery => "delivery",
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
    Received,
    Preparing,
    Ready,
    OutForDelivery,
    Collected,
    Delivered,
    Cancelled,
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Received,
        Stage::Preparing,
        Stage::Ready,
        Stage::OutForDelivery,
        Stage::Collected,
        Stage::Delivered,
        Stage::Cancelled,
    ];

    /// Final stages end an order's life: it leaves every active list.
    pub fn is_final(self) -> bool {
        matches!(self, Stage::Collected | Stage::Delivered | Stage::Cancelled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Received => "received",
            Stage::Preparing => "preparing",
            Stage::Ready => "ready",
            Stage::OutForDelivery => "out_for_delivery",
            Stage::Collected => "collected",
            Stage::Delivered => "delivered",
            Stage::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Words for people, as screens show them.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Received => "Received",
            Stage::Preparing => "Preparing",
            Stage::Ready => "Ready",
            Stage::OutForDelivery => "Out for delivery",
            Stage::Collected => "Collected",
            Stage::Delivered => "Delivered",
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
        StageMachine {
            channel,
            stage: channel.path()[0],
            cancelled_from: None,
        }
    }

    /// Builds the machine from an order's stage history (oldest first).
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
        self.position().and_then(|i| path.get(i + 1).copied())
    }

    /// The stage a recall goes back to, if any.
    pub fn previous(&self) -> Option<Stage> {
        if self.stage == Stage::Cancelled {
            return self.cancelled_from;
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
            delivery in any::<bool>(),
            requests in proptest::collection::vec(any_stage(), 0..60),
        ) {
            let channel = if delivery { Channel::Delivery } else { Channel::Pickup };
            let mut m = StageMachine::new(channel);
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
                            s => {
                                let (a, b) = (pos(before.stage).unwrap() as i64, pos(s).unwrap() as i64);
                                prop_assert_eq!((a - b).abs(), 1);
                            }
                        }
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
