//! The SQLite writer's statements: an order's row, its history entries and
//! its event log entries, added to a change's [`Writes`]; and the batch's
//! first read.

use super::one_round_trip::Writes;
use crate::store::database::Dialect;
use crate::store::idempotency_rows::{self, Claim};
use crate::store::order_rows::select_orders;
use crate::store::rows::{
    items_json, kind_str, order_from_row, order_json, to_millis, ORDER_COLUMNS,
};
use orderboard_model::{Change, Order, Stage};
use sqlx::SqliteConnection;
use time::OffsetDateTime;
use uuid::Uuid;

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
        select_orders(Dialect::Sqlite)
    );
    sqlx::query(&sql)
        .bind(ids)
        .fetch_all(conn)
        .await?
        .iter()
        .map(order_from_row)
        .collect()
}

/// A new order's row; a scheduled order fires at `fire_at`.
pub fn insert_order(w: &mut Writes, o: &Order, fire_at: Option<OffsetDateTime>) {
    w.push(
        &format!(
            "INSERT INTO orders ({ORDER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        |b| {
            b.bind(o.id.to_string())
                .bind(o.number as i64)
                .bind(o.customer.clone())
                .bind(o.channel.as_str())
                .bind(items_json(o))
                .bind(o.note.clone())
                .bind(o.stage.as_str())
                .bind(o.version as i64)
                .bind(to_millis(o.created_at))
                .bind(to_millis(o.updated_at))
                .bind(o.tracking_token.clone())
                .bind(o.external_ref.as_ref().map(|r| r.source.clone()))
                .bind(o.external_ref.as_ref().map(|r| r.id.clone()))
                .bind(o.table.clone())
                .bind(o.due_at.map(to_millis))
                .bind(fire_at.map(to_millis));
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

/// The newest entry of the order's history.
pub fn insert_history_entry(w: &mut Writes, o: &Order) {
    let position = o.history.len() - 1;
    let entry = &o.history[position];
    w.push(
        "INSERT INTO stage_history (order_id, position, stage, at) VALUES (?, ?, ?, ?)",
        |b| {
            b.bind(o.id.to_string())
                .bind(position as i64)
                .bind(entry.stage.as_str())
                .bind(to_millis(entry.at));
        },
    );
}

/// Adds the change's event log append; its `RETURNING` gives the change's
/// sequence number when the writes run.
pub fn append_event(w: &mut Writes, order: &Order, change: Change, at: OffsetDateTime) {
    w.push(
        "INSERT INTO events (order_id, kind, from_stage, to_stage, at, order_json)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
        |b| {
            b.bind(order.id.to_string())
                .bind(kind_str(change.kind))
                .bind(change.from.map(Stage::as_str))
                .bind(change.to.as_str())
                .bind(to_millis(at))
                .bind(order_json(order));
        },
    );
}

/// The answer to a change asked for under an `Idempotency-Key`.
pub fn keep_answer(w: &mut Writes, claim: &Claim, created: bool, order: &Order) {
    let (status, location, body) = idempotency_rows::answer_for(created, order);
    w.push(idempotency_rows::INSERT_SQLITE, |b| {
        b.bind(claim.caller.clone())
            .bind(claim.key.clone())
            .bind(claim.request_hash.clone())
            .bind(i64::from(status))
            .bind(location)
            .bind(body)
            .bind(idempotency_rows::created_at());
    });
}
