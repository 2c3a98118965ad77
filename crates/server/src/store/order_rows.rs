//! Orders to and from their SQLite rows.
//!
//! An order is one `orders` row (items as a JSON column) plus its
//! `stage_history` rows. Times are stored as Unix milliseconds.

use super::one_round_trip::Writes;
use orderboard_model::{Channel, Item, Order, Stage, StageEntry};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use time::OffsetDateTime;
use uuid::Uuid;

/// The SQL condition for an active (not final) order. It is written exactly
/// as in the migration's partial indexes, so that SQLite uses them.
pub const ACTIVE: &str = "stage NOT IN ('collected', 'delivered', 'cancelled')";

/// How many finished orders staff see for recall.
pub const RECENTLY_FINISHED: i64 = 20;

pub fn to_millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn bad_column(column: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unexpected {column} in the database: {value:?}").into())
}

fn parse_stage(s: &str) -> Result<Stage, sqlx::Error> {
    Stage::parse(s).ok_or_else(|| bad_column("stage", s))
}

const ORDER_COLUMNS: &str =
    "id, number, customer, channel, items, note, stage, version, created_at, updated_at, tracking_token";

/// `SELECT` of orders, each row with its history as a JSON array of
/// `[stage, at]`, oldest first: an order and its history in one query (each
/// query is a round trip to SQLite's thread). `WHERE ...` follows.
fn select_orders() -> String {
    format!(
        "SELECT {ORDER_COLUMNS},
           (SELECT json_group_array(json_array(h.stage, h.at) ORDER BY h.position)
            FROM stage_history h WHERE h.order_id = orders.id) AS history
         FROM orders"
    )
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

/// An order row, with its history.
fn order_from_row(row: &SqliteRow) -> Result<Order, sqlx::Error> {
    let id: String = row.try_get("id")?;
    let history: String = row.try_get("history")?;
    let channel: String = row.try_get("channel")?;
    let items: String = row.try_get("items")?;
    let stage: String = row.try_get("stage")?;
    Ok(Order {
        id: Uuid::parse_str(&id).map_err(|_| bad_column("id", &id))?,
        number: row.try_get::<i64, _>("number")? as u32,
        customer: row.try_get("customer")?,
        channel: Channel::parse(&channel).ok_or_else(|| bad_column("channel", &channel))?,
        items: serde_json::from_str::<Vec<Item>>(&items)
            .map_err(|_| bad_column("items", &items))?,
        note: row.try_get("note")?,
        stage: parse_stage(&stage)?,
        version: row.try_get::<i64, _>("version")? as u64,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
        history: history_from_json(&history)?,
        tracking_token: row.try_get("tracking_token")?,
    })
}

/// Loads the orders a query built on [`select_orders`] selects.
async fn load_orders<'q>(
    conn: &mut SqliteConnection,
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
) -> Result<Vec<Order>, sqlx::Error> {
    query
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(order_from_row)
        .collect()
}

pub async fn load_order(
    conn: &mut SqliteConnection,
    id: Uuid,
) -> Result<Option<Order>, sqlx::Error> {
    let sql = format!("{} WHERE id = ?", select_orders());
    Ok(load_orders(conn, sqlx::query(&sql).bind(id.to_string()))
        .await?
        .pop())
}

pub async fn load_order_by_token(
    conn: &mut SqliteConnection,
    token: &str,
) -> Result<Option<Order>, sqlx::Error> {
    let sql = format!("{} WHERE tracking_token = ?", select_orders());
    Ok(load_orders(conn, sqlx::query(&sql).bind(token))
        .await?
        .pop())
}

/// The orders with these ids, in one query (missing ones are left out).
/// `first`, a statement with no arguments, runs just before it in the same
/// request (the writer begins its transaction so).
pub async fn load_orders_by_id(
    conn: &mut SqliteConnection,
    first: &str,
    ids: &[Uuid],
) -> Result<Vec<Order>, sqlx::Error> {
    let ids = serde_json::to_string(&ids.iter().map(Uuid::to_string).collect::<Vec<_>>())
        .expect("ids serialize");
    let sql = format!(
        "{first};\n{} WHERE id IN (SELECT value FROM json_each(?))",
        select_orders()
    );
    load_orders(conn, sqlx::query(&sql).bind(ids)).await
}

/// Active orders, oldest first.
pub async fn load_active(conn: &mut SqliteConnection) -> Result<Vec<Order>, sqlx::Error> {
    let sql = format!(
        "{} WHERE {ACTIVE} ORDER BY created_at, rowid",
        select_orders()
    );
    load_orders(conn, sqlx::query(&sql)).await
}

/// The most recently finished orders, newest first.
pub async fn load_recently_finished(
    conn: &mut SqliteConnection,
) -> Result<Vec<Order>, sqlx::Error> {
    let sql = format!(
        "{} WHERE NOT ({ACTIVE}) ORDER BY updated_at DESC, rowid DESC LIMIT ?",
        select_orders()
    );
    load_orders(conn, sqlx::query(&sql).bind(RECENTLY_FINISHED)).await
}

/// Whether another active order holds this display number.
pub async fn number_taken_by_other(
    conn: &mut SqliteConnection,
    number: u32,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let sql =
        format!("SELECT EXISTS (SELECT 1 FROM orders WHERE number = ? AND id <> ? AND {ACTIVE})");
    sqlx::query_scalar(&sql)
        .bind(number as i64)
        .bind(id.to_string())
        .fetch_one(conn)
        .await
}

pub fn insert_order(w: &mut Writes, o: &Order) {
    w.push(
        &format!("INSERT INTO orders ({ORDER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        |b| {
            b.bind(o.id.to_string())
                .bind(o.number as i64)
                .bind(o.customer.clone())
                .bind(o.channel.as_str())
                .bind(serde_json::to_string(&o.items).expect("items serialize"))
                .bind(o.note.clone())
                .bind(o.stage.as_str())
                .bind(o.version as i64)
                .bind(to_millis(o.created_at))
                .bind(to_millis(o.updated_at))
                .bind(o.tracking_token.clone());
        },
    );
}

pub fn update_stage(w: &mut Writes, o: &Order) {
    w.push(
        "UPDATE orders SET stage = ?, version = ?, updated_at = ? WHERE id = ?",
        |b| {
            b.bind(o.stage.as_str())
                .bind(o.version as i64)
                .bind(to_millis(o.updated_at))
                .bind(o.id.to_string());
        },
    );
}

pub fn insert_history_entry(
    w: &mut Writes,
    order_id: Uuid,
    position: usize,
    stage: Stage,
    at: OffsetDateTime,
) {
    w.push(
        "INSERT INTO stage_history (order_id, position, stage, at) VALUES (?, ?, ?, ?)",
        |b| {
            b.bind(order_id.to_string())
                .bind(position as i64)
                .bind(stage.as_str())
                .bind(to_millis(at));
        },
    );
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
}
