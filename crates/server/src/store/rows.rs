//! Orders and events to and from database rows, for both backends.
//!
//! Both schemas store the same columns with the same types (ids and JSON as
//! text, times as Unix milliseconds in a 64-bit integer), so a row is
//! decoded by one function whichever database it came from. An order is one
//! `orders` row (items as a JSON column) with its `stage_history` rows as a
//! JSON array of `[stage, at]` in a `history` column; an event is one
//! `events` row with the order's full state after the change.

use orderboard_model::{
    Change, ChangeKind, Channel, ExternalRef, Item, Order, OrderEvent, Stage, StageEntry,
};
use sqlx::{ColumnIndex, Decode, Row, Type};
use time::OffsetDateTime;
use uuid::Uuid;

/// The SQL condition for an active (not final) order. It is written exactly
/// as in the migrations' partial indexes, so that the databases use them.
pub const ACTIVE: &str = "stage NOT IN ('collected', 'delivered', 'served', 'cancelled')";

/// How many finished orders staff see for recall.
pub const RECENTLY_FINISHED: i64 = 20;

/// How many events a catch-up reads at a time.
pub const PAGE: i64 = 500;

/// The `orders` columns, in the order inserts bind them.
pub const ORDER_COLUMNS: &str =
    "id, number, customer, channel, items, note, stage, version, created_at, updated_at, tracking_token, external_source, external_id, dine_table, due_at, fire_at";

/// The `events` columns an event is read from.
pub const EVENT_COLUMNS: &str = "seq, kind, from_stage, to_stage, at, order_json";

pub fn to_millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

pub fn kind_str(kind: ChangeKind) -> &'static str {
    kind.as_str()
}

fn parse_kind(s: &str) -> Option<ChangeKind> {
    ChangeKind::parse(s)
}

fn bad_column(column: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unexpected {column} in the database: {value:?}").into())
}

pub fn parse_stage(s: &str) -> Result<Stage, sqlx::Error> {
    Stage::parse(s).ok_or_else(|| bad_column("stage", s))
}

fn history_from_json(json: &str) -> Result<Vec<StageEntry>, sqlx::Error> {
    let entries: Vec<(String, i64)> =
        serde_json::from_str(json).map_err(|_| bad_column("history", json))?;
    entries
        .into_iter()
        .map(|(stage, at)| {
            Ok(StageEntry {
                stage: parse_stage(&stage)?,
                at: from_millis(at),
            })
        })
        .collect()
}

/// The row types both backends give: text and 64-bit integer columns,
/// looked up by name.
pub trait OrderboardRow {
    fn text(&self, column: &str) -> Result<String, sqlx::Error>;
    fn maybe_text(&self, column: &str) -> Result<Option<String>, sqlx::Error>;
    fn int(&self, column: &str) -> Result<i64, sqlx::Error>;
    fn maybe_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error>;
    fn maybe_flag(&self, column: &str) -> Result<Option<bool>, sqlx::Error>;
}

impl<R> OrderboardRow for R
where
    R: Row,
    for<'r> &'r str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
{
    fn text(&self, column: &str) -> Result<String, sqlx::Error> {
        self.try_get(column)
    }
    fn maybe_text(&self, column: &str) -> Result<Option<String>, sqlx::Error> {
        self.try_get(column)
    }
    fn int(&self, column: &str) -> Result<i64, sqlx::Error> {
        self.try_get(column)
    }
    fn maybe_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error> {
        self.try_get(column)
    }
    fn maybe_flag(&self, column: &str) -> Result<Option<bool>, sqlx::Error> {
        self.try_get(column)
    }
}

/// An order row, with its `history` column.
pub fn order_from_row(row: &impl OrderboardRow) -> Result<Order, sqlx::Error> {
    let id = row.text("id")?;
    let channel = row.text("channel")?;
    let items = row.text("items")?;
    Ok(Order {
        id: Uuid::parse_str(&id).map_err(|_| bad_column("id", &id))?,
        number: row.int("number")? as u32,
        customer: row.maybe_text("customer")?,
        channel: Channel::parse(&channel).ok_or_else(|| bad_column("channel", &channel))?,
        items: serde_json::from_str::<Vec<Item>>(&items)
            .map_err(|_| bad_column("items", &items))?,
        note: row.maybe_text("note")?,
        stage: parse_stage(&row.text("stage")?)?,
        version: row.int("version")? as u64,
        created_at: from_millis(row.int("created_at")?),
        updated_at: from_millis(row.int("updated_at")?),
        history: history_from_json(&row.text("history")?)?,
        tracking_token: row.text("tracking_token")?,
        external_ref: match (
            row.maybe_text("external_source")?,
            row.maybe_text("external_id")?,
        ) {
            (Some(source), Some(id)) => Some(ExternalRef { source, id }),
            _ => None,
        },
        table: row.maybe_text("dine_table")?,
        due_at: row.maybe_int("due_at")?.map(from_millis),
    })
}

/// An event row ([`EVENT_COLUMNS`]).
pub fn event_from_row(row: &impl OrderboardRow) -> Result<OrderEvent, sqlx::Error> {
    let kind = row.text("kind")?;
    let json = row.text("order_json")?;
    Ok(OrderEvent {
        seq: row.int("seq")? as u64,
        at: from_millis(row.int("at")?),
        change: Change {
            from: row
                .maybe_text("from_stage")?
                .map(|f| parse_stage(&f))
                .transpose()?,
            to: parse_stage(&row.text("to_stage")?)?,
            kind: parse_kind(&kind).ok_or_else(|| bad_column("kind", &kind))?,
            item: None,
        },
        order: serde_json::from_str(&json).map_err(|_| bad_column("order_json", &json))?,
    })
}

/// The JSON an event keeps of its order.
pub fn order_json(order: &Order) -> String {
    serde_json::to_string(order).expect("orders serialize")
}

/// The JSON an order keeps of its items.
pub fn items_json(order: &Order) -> String {
    serde_json::to_string(&order.items).expect("items serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_condition_names_exactly_the_final_stages() {
        for stage in Stage::ALL {
            assert_eq!(
                ACTIVE.contains(&format!("'{}'", stage.as_str())),
                stage.is_final(),
                "{stage}"
            );
        }
    }

    #[test]
    fn millis_round_trip() {
        let t = from_millis(1_795_000_123_456);
        assert_eq!(to_millis(t), 1_795_000_123_456);
    }

    #[test]
    fn kinds_round_trip() {
        for kind in [
            ChangeKind::Created,
            ChangeKind::Advance,
            ChangeKind::Recall,
            ChangeKind::Cancel,
        ] {
            assert_eq!(parse_kind(kind_str(kind)), Some(kind));
        }
    }
}
