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
/// The most stage changes one order may take after it is created. Every
/// change is kept in the event log with the order's whole state, its stage
/// history included, so an order moved back and forth without end would
/// make each new event larger than the last. A real order takes a handful
/// of changes, and a few recalls; this bounds what one order can cost.
pub const MAX_CHANGES: u64 = 100;

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub name: String,
    pub qty: u8,
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
    pub items: Vec<Item>,
    #[serde(default)]
    pub note: Option<String>,
    /// The order's reference in the system it came from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<ExternalRef>,
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
        for item in &mut self.items {
            item.name = item.name.trim().to_string();
        }
        self.validate()?;
        Ok(self)
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
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(items: Vec<Item>) -> NewOrder {
        NewOrder {
            customer: Some("  Ada Lovelace ".into()),
            channel: Channel::Pickup,
            items,
            note: Some("  ".into()),
            external_ref: None,
        }
    }

    fn item(name: &str, qty: u8) -> Item {
        Item {
            name: name.into(),
            qty,
        }
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
