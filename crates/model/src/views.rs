//! What the public may see of an order.
//!
//! The customer board and the tracking page are open to anyone who can reach
//! them, so they get projections that leave out everything private: items and
//! notes never reach a board, item notes and stations reach no public view,
//! and tracking tokens never leave the staff side.

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
    pub items: Vec<TrackedItem>,
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
            items: o.items.iter().map(TrackedItem::from).collect(),
            stage: o.stage,
            version: o.version,
            created_at: o.created_at,
            updated_at: o.updated_at,
            history: o.history.clone(),
        }
    }
}

/// One item as its customer sees it: what they asked for, not the kitchen's
/// note nor its station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TrackedItem {
    pub name: String,
    pub qty: u8,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<String>,
}

impl From<&Item> for TrackedItem {
    fn from(i: &Item) -> Self {
        TrackedItem {
            name: i.name.clone(),
            qty: i.qty,
            modifiers: i.modifiers.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_views_leave_out_item_notes_and_stations() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let order = Order {
            id: uuid::Uuid::nil(),
            number: 7,
            customer: Some("Ada Lovelace".into()),
            channel: Channel::DineIn,
            items: vec![Item {
                name: "Burger".into(),
                qty: 1,
                modifiers: vec!["no onions".into()],
                note: Some("allergy: sesame".into()),
                station: Some("grill".into()),
                done_at: Some(at),
            }],
            note: Some("by the window".into()),
            stage: Stage::Preparing,
            version: 2,
            created_at: at,
            updated_at: at,
            history: vec![],
            tracking_token: "secret".into(),
            external_ref: None,
            table: Some("12".into()),
            due_at: None,
        };
        let tracked = serde_json::to_string(&TrackedOrder::from(&order)).unwrap();
        assert!(tracked.contains("no onions"));
        for private in [
            "sesame",
            "grill",
            "window",
            "secret",
            "\"table\"",
            "Lovelace",
        ] {
            assert!(!tracked.contains(private), "{private} in {tracked}");
        }
        let board = serde_json::to_string(&BoardOrder::from(&order)).unwrap();
        assert_eq!(board, r#"{"number":7,"name":"Ada","stage":"preparing"}"#);
    }
}
