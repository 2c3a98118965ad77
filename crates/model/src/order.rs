//! An order, a new order, and the limits a new order must respect.
//!
//! Validation lives here so that the server refuses exactly what the UI's form
//! warns about, with the same field names and messages.

use crate::stage::{Channel, Stage, StageMachine};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

pub const MAX_CUSTOMER_CHARS: usize = 60;
pub const MAX_NOTE_CHARS: usize = 200;
pub const MAX_ITEM_NAME_CHARS: usize = 80;
pub const MAX_ITEMS: usize = 50;
pub const MAX_QTY: u8 = 99;
/// The most modifiers one item may carry (`no onions`, `extra cheese`).
pub const MAX_MODIFIERS: usize = 10;
/// The longest modifier.
pub const MAX_MODIFIER_CHARS: usize = 60;
/// The longest note on one item (kitchen-facing, never public).
pub const MAX_ITEM_NOTE_CHARS: usize = 120;
/// The longest table name of a dine-in order (`12`, `T4`, `Terrace 3`).
pub const MAX_TABLE_CHARS: usize = 10;
/// How far ahead a scheduled order's `due_at` may be.
pub const MAX_DUE_AHEAD: time::Duration = time::Duration::days(7);
/// The most stage changes one order may take after it is created. Every
/// change is kept in the event log with the order's whole state, its stage
/// history included, so an order moved back and forth without end would
/// make each new event larger than the last. A real order takes a handful
/// of changes, and a few recalls; this bounds what one order can cost.
pub const MAX_CHANGES: u64 = 100;

/// One line of an order, as it is stored and as staff see it. Items written
/// before items had details (`{"name", "qty"}`) read with no modifiers, no
/// note, no station and not done.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub name: String,
    pub qty: u8,
    /// Changes to the item as the customer asked (`no onions`), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<String>,
    /// A note for the kitchen; never shown on public views.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The id of the kitchen station that makes it (see the settings'
    /// stations), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
    /// When the item was bumped as done; `None` while it is still to make.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub done_at: Option<OffsetDateTime>,
}

impl Item {
    /// Whether the item was bumped as done.
    pub fn is_done(&self) -> bool {
        self.done_at.is_some()
    }
}

/// One line of a new order: `{name, qty, modifiers?, note?, station?}`.
/// Without a `station`, the server takes the menu's station for the item's
/// name, if the menu has the item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    pub name: String,
    pub qty: u8,
    /// At most [`MAX_MODIFIERS`], each at most [`MAX_MODIFIER_CHARS`] characters.
    #[serde(default)]
    pub modifiers: Vec<String>,
    /// At most [`MAX_ITEM_NOTE_CHARS`] characters; kitchen-facing only.
    #[serde(default)]
    pub note: Option<String>,
    /// A station id (`[a-z0-9-]{1,32}`); it must be one of the settings' stations.
    #[serde(default)]
    pub station: Option<String>,
}

impl NewItem {
    /// A plain item: a name and a quantity.
    pub fn plain(name: impl Into<String>, qty: u8) -> NewItem {
        NewItem {
            name: name.into(),
            qty,
            ..NewItem::default()
        }
    }
}

impl From<NewItem> for Item {
    fn from(n: NewItem) -> Item {
        Item {
            name: n.name,
            qty: n.qty,
            modifiers: n.modifiers,
            note: n.note,
            station: n.station,
            done_at: None,
        }
    }
}

/// A stage the order entered, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageEntry {
    pub stage: Stage,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// An order as staff see it: everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    pub id: Uuid,
    /// The short number called out at the pass; never shared by two active orders.
    pub number: u32,
    pub customer: Option<String>,
    pub channel: Channel,
    pub items: Vec<Item>,
    pub note: Option<String>,
    pub stage: Stage,
    /// Grows by one with every change; `expected_version` is checked against it.
    pub version: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Every stage entered, oldest first.
    pub history: Vec<StageEntry>,
    /// The secret that lets a customer follow this order, and nothing else.
    pub tracking_token: String,
    /// The order's reference in the system it came from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<ExternalRef>,
    /// The table of a dine-in order (only dine-in orders have one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// When a scheduled order is wanted; such an order starts in `scheduled`.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_at: Option<OffsetDateTime>,
}

/// An order's reference in another system (a till, a delivery platform):
/// `{"source": "till-1", "id": "A-1043"}`. Unique per source: a second
/// order with the same reference is refused with the first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExternalRef {
    /// 1 to 64 letters, digits, `.`, `_` or `-`.
    pub source: String,
    /// 1 to 128 visible ASCII characters (no spaces).
    pub id: String,
}

/// The longest `external_ref.source`.
pub const MAX_EXTERNAL_SOURCE_CHARS: usize = 64;
/// The longest `external_ref.id`.
pub const MAX_EXTERNAL_ID_CHARS: usize = 128;

impl ExternalRef {
    /// Checks both parts, naming the one that is wrong.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let source_ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if self.source.is_empty()
            || self.source.len() > MAX_EXTERNAL_SOURCE_CHARS
            || !self.source.chars().all(source_ok)
        {
            return Err(invalid(
                "external_ref.source",
                format!(
                    "must be 1 to {MAX_EXTERNAL_SOURCE_CHARS} letters, digits, '.', '_' or '-'"
                ),
            ));
        }
        if self.id.is_empty()
            || self.id.len() > MAX_EXTERNAL_ID_CHARS
            || !self.id.chars().all(|c| c.is_ascii_graphic())
        {
            return Err(invalid(
                "external_ref.id",
                format!("must be 1 to {MAX_EXTERNAL_ID_CHARS} visible ASCII characters"),
            ));
        }
        Ok(())
    }

    /// Reads the `source:id` form of a search (`till-1:A-1043`); the source
    /// has no `:`, so the first one splits.
    pub fn parse(text: &str) -> Result<ExternalRef, ValidationError> {
        let (source, id) = text.split_once(':').ok_or_else(|| {
            invalid(
                "external_ref",
                "must be written source:id, such as till-1:A-1043",
            )
        })?;
        let r = ExternalRef {
            source: source.into(),
            id: id.into(),
        };
        r.validate()?;
        Ok(r)
    }
}

impl std::fmt::Display for ExternalRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.source, self.id)
    }
}

impl Order {
    /// The stage machine positioned at this order's current stage.
    pub fn machine(&self) -> StageMachine {
        let stages: Vec<Stage> = self.history.iter().map(|h| h.stage).collect();
        let mut m = StageMachine::from_history(self.channel, &stages);
        m.stage = self.stage;
        m
    }

    /// When the order entered its current stage.
    pub fn stage_since(&self) -> OffsetDateTime {
        self.history.last().map(|h| h.at).unwrap_or(self.updated_at)
    }

    /// The first word of the customer's name, which is all a public board shows.
    pub fn first_name(&self) -> Option<String> {
        first_name(self.customer.as_deref())
    }
}

/// The first word of a customer name.
pub fn first_name(customer: Option<&str>) -> Option<String> {
    customer
        .and_then(|c| c.split_whitespace().next())
        .map(str::to_string)
}

/// The body of `POST /api/orders`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    #[serde(default)]
    pub customer: Option<String>,
    pub channel: Channel,
    pub items: Vec<NewItem>,
    #[serde(default)]
    pub note: Option<String>,
    /// The order's reference in the system it came from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<ExternalRef>,
    /// The table: required for `dine_in`, refused on other channels; at
    /// most [`MAX_TABLE_CHARS`] characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// When the order is wanted (RFC 3339), for a scheduled order: in the
    /// future and at most [`MAX_DUE_AHEAD`] ahead. The order waits in
    /// `scheduled` until its fire time.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_at: Option<OffsetDateTime>,
}

/// A field of a new order that breaks a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The JSON path of the field, such as `items[2].qty`.
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ValidationError {}

pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> ValidationError {
    ValidationError {
        field: field.into(),
        message: message.into(),
    }
}

/// Checks a display text: trimmed, within a length, no control characters
/// (except line breaks where `multiline`).
fn check_text(
    field: &str,
    value: &str,
    max: usize,
    multiline: bool,
) -> Result<(), ValidationError> {
    let chars = value.chars().count();
    if chars > max {
        return Err(invalid(
            field,
            format!("must be at most {max} characters, got {chars}"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !(multiline && c == '\n'))
    {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(())
}

impl NewOrder {
    /// Returns the order with its texts trimmed (empty optional texts become
    /// `None`), or the first field that breaks a limit.
    pub fn normalized(mut self) -> Result<NewOrder, ValidationError> {
        self.customer = self
            .customer
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        self.note = self
            .note
            .map(|n| n.replace("\r\n", "\n").trim().to_string())
            .filter(|n| !n.is_empty());
        self.table = self
            .table
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        for item in &mut self.items {
            item.name = item.name.trim().to_string();
            for m in &mut item.modifiers {
                *m = m.trim().to_string();
            }
            item.note = item
                .note
                .take()
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty());
            item.station = item
                .station
                .take()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
        }
        self.validate()?;
        Ok(self)
    }

    /// Checks `due_at` against the present: in the future, and at most
    /// [`MAX_DUE_AHEAD`] ahead. (The model has no clock; the server passes it.)
    pub fn check_due_at(&self, now: OffsetDateTime) -> Result<(), ValidationError> {
        match self.due_at {
            Some(due) if due <= now => Err(invalid("due_at", "must be in the future")),
            Some(due) if due - now > MAX_DUE_AHEAD => Err(invalid(
                "due_at",
                format!("must be at most {} days ahead", MAX_DUE_AHEAD.whole_days()),
            )),
            _ => Ok(()),
        }
    }

    /// Checks every limit, without changing anything.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Some(c) = &self.customer {
            check_text("customer", c, MAX_CUSTOMER_CHARS, false)?;
        }
        if let Some(n) = &self.note {
            check_text("note", n, MAX_NOTE_CHARS, true)?;
        }
        if let Some(r) = &self.external_ref {
            r.validate()?;
        }
        match (&self.table, self.channel) {
            (Some(t), Channel::DineIn) => {
                if t.trim().is_empty() {
                    return Err(invalid("table", "must not be empty"));
                }
                check_text("table", t, MAX_TABLE_CHARS, false)?;
            }
            (None, Channel::DineIn) => {
                return Err(invalid("table", "a dine-in order needs a table"));
            }
            (Some(_), _) => {
                return Err(invalid("table", "only a dine-in order has a table"));
            }
            (None, _) => {}
        }
        if self.items.is_empty() {
            return Err(invalid("items", "an order needs at least one item"));
        }
        if self.items.len() > MAX_ITEMS {
            return Err(invalid(
                "items",
                format!("at most {MAX_ITEMS} items, got {}", self.items.len()),
            ));
        }
        for (i, item) in self.items.iter().enumerate() {
            let field = format!("items[{i}].name");
            if item.name.trim().is_empty() {
                return Err(invalid(field, "must not be empty"));
            }
            check_text(&field, &item.name, MAX_ITEM_NAME_CHARS, false)?;
            if item.qty == 0 || item.qty > MAX_QTY {
                return Err(invalid(
                    format!("items[{i}].qty"),
                    format!("must be 1 to {MAX_QTY}, got {}", item.qty),
                ));
            }
            if item.modifiers.len() > MAX_MODIFIERS {
                return Err(invalid(
                    format!("items[{i}].modifiers"),
                    format!(
                        "at most {MAX_MODIFIERS} modifiers, got {}",
                        item.modifiers.len()
                    ),
                ));
            }
            for (j, m) in item.modifiers.iter().enumerate() {
                let field = format!("items[{i}].modifiers[{j}]");
                if m.trim().is_empty() {
                    return Err(invalid(field, "must not be empty"));
                }
                check_text(&field, m, MAX_MODIFIER_CHARS, false)?;
            }
            if let Some(n) = &item.note {
                check_text(&format!("items[{i}].note"), n, MAX_ITEM_NOTE_CHARS, false)?;
            }
            if let Some(s) = &item.station {
                check_station_id(&format!("items[{i}].station"), s)?;
            }
        }
        Ok(())
    }
}

/// The longest station id.
pub const MAX_STATION_ID_CHARS: usize = 32;

/// Checks a station id: 1 to 32 of `a-z`, `0-9`, `-`.
pub fn check_station_id(field: &str, id: &str) -> Result<(), ValidationError> {
    let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if id.is_empty() || id.len() > MAX_STATION_ID_CHARS || !id.chars().all(ok) {
        return Err(invalid(
            field,
            format!("must be 1 to {MAX_STATION_ID_CHARS} of a-z, 0-9 and '-'"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(items: Vec<NewItem>) -> NewOrder {
        NewOrder {
            customer: Some("  Ada Lovelace ".into()),
            channel: Channel::Pickup,
            items,
            note: Some("  ".into()),
            external_ref: None,
            table: None,
            due_at: None,
        }
    }

    fn item(name: &str, qty: u8) -> NewItem {
        NewItem::plain(name, qty)
    }

    fn detailed(modifiers: &[&str], note: Option<&str>, station: Option<&str>) -> NewItem {
        NewItem {
            modifiers: modifiers.iter().map(|m| m.to_string()).collect(),
            note: note.map(str::to_string),
            station: station.map(str::to_string),
            ..item("Falafel wrap", 1)
        }
    }

    #[test]
    fn item_details_are_checked_and_named() {
        let ok = order(vec![detailed(
            &[" no onions ", "<b>extra</b> & \"hot\""],
            Some("  allergy: sesame "),
            Some("grill"),
        )])
        .normalized()
        .unwrap();
        assert_eq!(ok.items[0].modifiers[0], "no onions");
        assert_eq!(ok.items[0].note.as_deref(), Some("allergy: sesame"));
        let many = vec!["m"; 11];
        let long_mod = "m".repeat(61);
        let long_note = "n".repeat(121);
        let cases: Vec<(NewItem, &str)> = vec![
            (detailed(&many, None, None), "items[1].modifiers"),
            (
                detailed(&["ok", &long_mod], None, None),
                "items[1].modifiers[1]",
            ),
            (detailed(&["  "], None, None), "items[1].modifiers[0]"),
            (
                detailed(&["bell\u{7}"], None, None),
                "items[1].modifiers[0]",
            ),
            (detailed(&[], Some(&long_note), None), "items[1].note"),
            (detailed(&[], Some("line\nbreak"), None), "items[1].note"),
            (detailed(&[], None, Some("Grill")), "items[1].station"),
            (
                detailed(&[], None, Some(&"g".repeat(33))),
                "items[1].station",
            ),
        ];
        for (bad, field) in cases {
            let o = order(vec![item("ok", 1), bad]);
            assert_eq!(o.normalized().unwrap_err().field, field);
        }
        assert!(
            order(vec![detailed(&["m"; 10], Some(&"n".repeat(120)), None)])
                .normalized()
                .is_ok()
        );
    }

    #[test]
    fn a_table_belongs_to_dine_in_only() {
        let with = |channel: Channel, table: Option<&str>| NewOrder {
            channel,
            table: table.map(str::to_string),
            ..order(vec![item("x", 1)])
        };
        let o = with(Channel::DineIn, Some(" 12 ")).normalized().unwrap();
        assert_eq!(o.table.as_deref(), Some("12"));
        for (channel, table) in [
            (Channel::DineIn, None),
            (Channel::DineIn, Some("   ")),
            (Channel::DineIn, Some("Terrace 123")),
            (Channel::DineIn, Some("T\t4")),
            (Channel::Pickup, Some("4")),
            (Channel::Delivery, Some("4")),
        ] {
            assert_eq!(
                with(channel, table).normalized().unwrap_err().field,
                "table",
                "{channel} {table:?}"
            );
        }
        assert!(with(Channel::DineIn, Some("Terrace 12"))
            .normalized()
            .is_ok());
    }

    #[test]
    fn a_due_time_is_in_the_future_and_within_a_week() {
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let at = |d: time::Duration| NewOrder {
            due_at: Some(now + d),
            ..order(vec![item("x", 1)])
        };
        assert!(order(vec![item("x", 1)]).check_due_at(now).is_ok());
        assert!(at(time::Duration::minutes(30)).check_due_at(now).is_ok());
        assert!(at(MAX_DUE_AHEAD).check_due_at(now).is_ok());
        for d in [
            time::Duration::ZERO,
            -time::Duration::minutes(1),
            MAX_DUE_AHEAD + time::Duration::seconds(1),
        ] {
            assert_eq!(at(d).check_due_at(now).unwrap_err().field, "due_at");
        }
    }

    #[test]
    fn old_items_read_without_details() {
        let i: Item = serde_json::from_str(r#"{"name":"Falafel wrap","qty":2}"#).unwrap();
        assert_eq!(i.modifiers, Vec::<String>::new());
        assert_eq!((&i.note, &i.station, i.is_done()), (&None, &None, false));
        let plain = Item {
            name: "a".into(),
            qty: 1,
            ..Item::default()
        };
        assert_eq!(
            serde_json::to_string(&plain).unwrap(),
            r#"{"name":"a","qty":1}"#
        );
        let done = Item {
            done_at: Some(OffsetDateTime::UNIX_EPOCH),
            station: Some("grill".into()),
            ..plain
        };
        let json = serde_json::to_string(&done).unwrap();
        assert_eq!(
            json,
            r#"{"name":"a","qty":1,"station":"grill","done_at":"1970-01-01T00:00:00Z"}"#
        );
        assert_eq!(serde_json::from_str::<Item>(&json).unwrap(), done);
    }

    #[test]
    fn normalizes_texts() {
        let o = order(vec![item(" Falafel wrap ", 2)]).normalized().unwrap();
        assert_eq!(o.customer.as_deref(), Some("Ada Lovelace"));
        assert_eq!(o.note, None);
        assert_eq!(o.items[0].name, "Falafel wrap");
        assert_eq!(first_name(o.customer.as_deref()).as_deref(), Some("Ada"));
    }

    #[test]
    fn refuses_broken_limits() {
        let cases: Vec<(NewOrder, &str)> = vec![
            (order(vec![]), "items"),
            (order(vec![item("x", 1); 51]), "items"),
            (order(vec![item("   ", 1)]), "items[0].name"),
            (order(vec![item(&"x".repeat(81), 1)]), "items[0].name"),
            (order(vec![item("ok", 1), item("x", 0)]), "items[1].qty"),
            (order(vec![item("x", 100)]), "items[0].qty"),
            (order(vec![item("tab\there", 1)]), "items[0].name"),
            (
                NewOrder {
                    customer: Some("é".repeat(61)),
                    ..order(vec![item("x", 1)])
                },
                "customer",
            ),
            (
                NewOrder {
                    note: Some("n".repeat(201)),
                    ..order(vec![item("x", 1)])
                },
                "note",
            ),
        ];
        for (o, field) in cases {
            assert_eq!(o.normalized().unwrap_err().field, field);
        }
    }

    #[test]
    fn an_external_ref_is_checked_part_by_part() {
        let with = |source: &str, id: &str| NewOrder {
            external_ref: Some(ExternalRef {
                source: source.into(),
                id: id.into(),
            }),
            ..order(vec![item("x", 1)])
        };
        assert!(with("till-1", "A-1043").normalized().is_ok());
        for (source, id, field) in [
            ("", "A", "external_ref.source"),
            ("till 1", "A", "external_ref.source"),
            ("till:1", "A", "external_ref.source"),
            (&*"s".repeat(65), "A", "external_ref.source"),
            ("till", "", "external_ref.id"),
            ("till", "A 1", "external_ref.id"),
            ("till", "é", "external_ref.id"),
            ("till", &*"i".repeat(129), "external_ref.id"),
        ] {
            assert_eq!(with(source, id).normalized().unwrap_err().field, field);
        }
        assert_eq!(
            ExternalRef::parse("till-1:A:1").unwrap(),
            ExternalRef {
                source: "till-1".into(),
                id: "A:1".into()
            }
        );
        assert!(ExternalRef::parse("till-1").is_err());
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        let o = NewOrder {
            customer: Some("é".repeat(60)),
            note: Some("line one\r\nline two".into()),
            ..order(vec![item(&"ü".repeat(80), 99); 50])
        };
        let o = o.normalized().unwrap();
        assert_eq!(o.note.as_deref(), Some("line one\nline two"));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = serde_json::from_str::<NewOrder>(
            r#"{"channel":"pickup","items":[{"name":"a","qty":1}],"price":3}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field"));
    }
}
