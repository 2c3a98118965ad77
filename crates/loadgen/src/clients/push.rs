//! The bookkeeping both push transports share: one order followed over one
//! connection or several, its first state, and whether its final stage has
//! arrived (after which the server ends the stream).

use super::First;
use crate::accounting::{Follow, Tally};
use orderboard_model::TrackedOrder;
use uuid::Uuid;

/// One order followed on a push transport, over one connection or several
/// (a dropped one is resumed from the last event id).
pub struct PushSession {
    order: Uuid,
    follow: Option<Follow>,
    /// The newest state seen is the order's final stage: the stream ends now.
    pub finished: bool,
}

impl PushSession {
    pub fn new(order: Uuid) -> Self {
        PushSession {
            order,
            follow: None,
            finished: false,
        }
    }

    pub fn started(&self) -> bool {
        self.follow.is_some()
    }

    /// A `snapshot`, `reset` or `order` payload's order state.
    pub fn state(&mut self, tally: &mut Tally, first: &mut First, state: &TrackedOrder) {
        match &mut self.follow {
            None => {
                self.follow = Some(tally.begin(self.order, state));
                first.ok();
            }
            Some(f) => tally.pushed(f, state),
        }
        if self.follow.is_some_and(|f| f.last == state.version) {
            self.finished = state.stage.is_final();
        }
    }

    /// The connection failed or dropped before the order's end (`refused`:
    /// the server answered `503 overloaded`).
    pub fn failed(&self, tally: &mut Tally, first: &mut First, refused: bool, why: &str) {
        tally.error(why);
        tally.refused += u64::from(refused);
        if !self.started() {
            first.failed();
        }
    }
}
