//! The payloads of Orderboard's SSE streams.
//!
//! Every stream speaks the same event names. A fresh connection starts
//! with `snapshot` (the whole state, as of a sequence number); then each change
//! arrives as `order`; `reset` replaces the state when the server cannot replay
//! from the client's last event id. The staff and board streams also carry
//! `settings` when the kitchen's settings change (they are events of the log
//! too). The SSE `id:` of every event is the global sequence number of the
//! event log, so a client resumes with `Last-Event-ID`.

use crate::kitchen::{BoardSettings, Settings};
use crate::order::Order;
use crate::stage::{ChangeKind, Stage};
use crate::views::{BoardOrder, TrackedOrder};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The SSE `event:` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamEventName {
    Snapshot,
    Order,
    Reset,
    /// The kitchen's settings changed: [`SettingsEvent`] on staff streams,
    /// [`BoardSettingsEvent`] on the board's.
    Settings,
}

impl StreamEventName {
    pub fn as_str(self) -> &'static str {
        match self {
            StreamEventName::Snapshot => "snapshot",
            StreamEventName::Order => "order",
            StreamEventName::Reset => "reset",
            StreamEventName::Settings => "settings",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "snapshot" => Some(Self::Snapshot),
            "order" => Some(Self::Order),
            "reset" => Some(Self::Reset),
            "settings" => Some(Self::Settings),
            _ => None,
        }
    }
}

/// What happened to an order: the stage it left (none at creation) and the
/// one it entered. For an item bump (`kind: "item"`), `item` says which item
/// and whether it is now done; `from` and `to` are equal unless the bump
/// moved the order (to `preparing`, or to `ready`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    pub from: Option<Stage>,
    pub to: Stage,
    pub kind: ChangeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<ItemChange>,
}

impl Change {
    /// Whether the change moved the order to another stage.
    pub fn moved(&self) -> bool {
        self.from != Some(self.to)
    }
}

/// The item an item bump is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemChange {
    /// The item's index in the order's `items`.
    pub index: u16,
    pub done: bool,
}

/// Staff stream `settings` event: the kitchen's new settings, as of the
/// sequence number of the change (an event of the log like any other).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettingsEvent {
    pub seq: u64,
    pub settings: Settings,
}

/// Board stream `settings` event: the board's part of the new settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardSettingsEvent {
    pub seq: u64,
    pub settings: BoardSettings,
}

impl From<&SettingsEvent> for BoardSettingsEvent {
    fn from(e: &SettingsEvent) -> Self {
        BoardSettingsEvent {
            seq: e.seq,
            settings: e.settings.board(),
        }
    }
}

/// Staff stream `order` event: one change with the order's full new state.
/// This is also exactly what the event log stores for each sequence number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderEvent {
    pub seq: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub change: Change,
    pub order: Order,
}

/// Board stream `order` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardEvent {
    pub seq: u64,
    pub change: Change,
    pub order: BoardOrder,
}

/// Tracking stream `order` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrackEvent {
    pub seq: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub change: Change,
    pub order: TrackedOrder,
}

impl From<&OrderEvent> for BoardEvent {
    fn from(e: &OrderEvent) -> Self {
        BoardEvent {
            seq: e.seq,
            change: e.change,
            order: BoardOrder::from(&e.order),
        }
    }
}

impl From<&OrderEvent> for TrackEvent {
    fn from(e: &OrderEvent) -> Self {
        TrackEvent {
            seq: e.seq,
            at: e.at,
            change: e.change,
            order: TrackedOrder::from(&e.order),
        }
    }
}

/// Staff `snapshot`/`reset`: the active orders (oldest first) and the most
/// recently finished ones (newest first, so a mistaken bump can be recalled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffSnapshot {
    pub as_of: u64,
    pub orders: Vec<Order>,
    pub recently_finished: Vec<Order>,
    /// The kitchen's settings as of `as_of`.
    #[serde(default)]
    pub settings: Settings,
}

/// Board `snapshot`/`reset`: the active orders, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardSnapshot {
    pub as_of: u64,
    pub orders: Vec<BoardOrder>,
    /// The board's part of the settings as of `as_of`.
    #[serde(default)]
    pub settings: BoardSettings,
}

/// Tracking `snapshot`/`reset`: the one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrackSnapshot {
    pub as_of: u64,
    pub order: TrackedOrder,
}

/// The most orders one multi-order tracking stream
/// (`GET /api/track/events?tokens=…`) follows: one browser's tracking pages.
pub const MAX_TRACKED_ORDERS: usize = 32;

/// One order of a multi-order tracking stream, named by its tracking token
/// (which the client sent, so it learns nothing new).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenOrder {
    pub token: String,
    pub order: TrackedOrder,
}

/// Multi-order tracking `snapshot`/`reset`: every followed order, as of one
/// sequence number, in the order the tokens were given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TracksSnapshot {
    pub as_of: u64,
    pub orders: Vec<TokenOrder>,
}

/// Multi-order tracking `order` event: a tracking event and the token of
/// the order it is about, so a client can route it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TracksEvent {
    pub token: String,
    pub seq: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub change: Change,
    pub order: TrackedOrder,
}

impl From<&OrderEvent> for TracksEvent {
    fn from(e: &OrderEvent) -> Self {
        TracksEvent {
            token: e.order.tracking_token.clone(),
            seq: e.seq,
            at: e.at,
            change: e.change,
            order: TrackedOrder::from(&e.order),
        }
    }
}
