//! One entry of the event log: a change to an order, or a change to the
//! kitchen's settings. Both get the next sequence number, are published
//! once, and are replayed on resume alike.

use orderboard_model::{BoardSettingsEvent, BoardSnapshot, OrderEvent, SettingsEvent};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    /// A change to an order (created, moved, an item bumped).
    Order {
        event: OrderEvent,
        /// Whether customer boards are sent it: not for a scheduled order
        /// (not in the kitchen yet), an item bump that did not move the
        /// order, nor a dine-in order while dine-in orders are off the
        /// board. Decided when it is written, with the settings of then.
        board: bool,
    },
    /// The kitchen's settings changed.
    Settings {
        event: SettingsEvent,
        at: OffsetDateTime,
        /// When the change alters which orders boards show (dine-in
        /// orders on or off), their new state as of this change: boards
        /// are sent it as a `reset`.
        board_reset: Option<BoardSnapshot>,
    },
}

impl LogEvent {
    pub fn seq(&self) -> u64 {
        match self {
            LogEvent::Order { event, .. } => event.seq,
            LogEvent::Settings { event, .. } => event.seq,
        }
    }

    pub fn set_seq(&mut self, seq: u64) {
        match self {
            LogEvent::Order { event, .. } => event.seq = seq,
            LogEvent::Settings {
                event, board_reset, ..
            } => {
                event.seq = seq;
                if let Some(b) = board_reset {
                    b.as_of = seq;
                }
            }
        }
    }

    pub fn at(&self) -> OffsetDateTime {
        match self {
            LogEvent::Order { event, .. } => event.at,
            LogEvent::Settings { at, .. } => *at,
        }
    }

    /// The order change, if it is one.
    pub fn order_event(&self) -> Option<&OrderEvent> {
        match self {
            LogEvent::Order { event, .. } => Some(event),
            LogEvent::Settings { .. } => None,
        }
    }

    /// The order it changed, if any.
    pub fn order_id(&self) -> Option<Uuid> {
        self.order_event().map(|e| e.order.id)
    }

    /// The order reached a final stage with this change.
    pub fn is_final(&self) -> bool {
        self.order_event().is_some_and(|e| e.order.stage.is_final())
    }

    /// What boards are sent of a settings change.
    pub fn board_settings(&self) -> Option<BoardSettingsEvent> {
        match self {
            LogEvent::Settings { event, .. } => Some(BoardSettingsEvent::from(event)),
            LogEvent::Order { .. } => None,
        }
    }
}

impl From<OrderEvent> for LogEvent {
    /// An order change that boards are sent.
    fn from(event: OrderEvent) -> Self {
        LogEvent::Order { event, board: true }
    }
}
