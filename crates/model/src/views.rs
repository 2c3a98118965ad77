//! What the public may see of an order.
//!
//! The customer board and the tracking page are open to anyone who can reach
//! them, so they get projections that leave out everything private: items and
//! notes never reach a board, and tracking tokens never leave the staff side.

use crate::order::{Item, Order, StageEntry};
use crate::stage::{Channel, Stage};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One order on the public customer board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BoardOrder {
    pub number: u32,
    /// The first word of the customer's name, if one was given.
    pub name: Option<String>,
    pub stage: Stage,
}

impl From<&Order> for BoardOrder {
    fn from(o: &Order) -> Self {
        BoardOrder {
            number: o.number,
            name: o.first_name(),
            stage: o.stage,
        }
    }
}

/// One order as its customer sees it on the tracking page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TrackedOrder {
    pub number: u32,
    pub name: Option<String>,
    pub channel: Channel,
    pub items: Vec<Item>,
    pub stage: Stage,
    pub version: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub history: Vec<StageEntry>,
}

impl From<&Order> for TrackedOrder {
    fn from(o: &Order) -> Self {
        TrackedOrder {
            number: o.number,
            name: o.first_name(),
            channel: o.channel,
            items: o.items.clone(),
            stage: o.stage,
            version: o.version,
            created_at: o.created_at,
            updated_at: o.updated_at,
            history: o.history.clone(),
        }
    }
}
