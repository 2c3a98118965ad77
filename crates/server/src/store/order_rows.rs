//! Reading orders, on either database.
//!
//! An order is one `orders` row plus its `stage_history` rows, read in one
//! query (see [`super::rows`]). The writes are the writers'.

use super::database::on_conn;
use super::database::{Conn, Dialect};
use super::rows::{order_from_row, ACTIVE, ORDER_COLUMNS, RECENTLY_FINISHED};
use orderboard_model::{ExternalRef, Order};
use uuid::Uuid;

/// `SELECT` of orders, each row with its history: an order and its history
/// in one query. `WHERE ...` follows.
pub fn select_orders(dialect: Dialect) -> String {
    format!(
        "SELECT {ORDER_COLUMNS}, {} AS history FROM orders",
        dialect.history_json()
    )
}

/// Loads the orders `SELECT ... {tail}` selects, with one text argument if given.
async fn load(conn: Conn<'_>, tail: &str, arg: Option<&str>) -> Result<Vec<Order>, sqlx::Error> {
    let sql = format!("{} {tail}", select_orders(conn.dialect()));
    on_conn!(conn, c => {
        let mut query = sqlx::query(&sql);
        if let Some(arg) = arg {
            query = query.bind(arg);
        }
        query.fetch_all(c).await?.iter().map(order_from_row).collect()
    })
}

pub async fn load_order(conn: Conn<'_>, id: Uuid) -> Result<Option<Order>, sqlx::Error> {
    Ok(load(conn, "WHERE id = $1", Some(&id.to_string()))
        .await?
        .pop())
}

pub async fn load_order_by_token(
    conn: Conn<'_>,
    token: &str,
) -> Result<Option<Order>, sqlx::Error> {
    Ok(load(conn, "WHERE tracking_token = $1", Some(token))
        .await?
        .pop())
}

/// The order that carries this external reference, in any stage.
pub async fn load_order_by_external_ref(
    conn: Conn<'_>,
    r: &ExternalRef,
) -> Result<Option<Order>, sqlx::Error> {
    let sql = format!(
        "{} WHERE external_source = $1 AND external_id = $2",
        select_orders(conn.dialect())
    );
    on_conn!(conn, c => {
        sqlx::query(&sql)
            .bind(&r.source)
            .bind(&r.id)
            .fetch_optional(c)
            .await?
            .as_ref()
            .map(order_from_row)
            .transpose()
    })
}

/// Active orders, oldest first.
pub async fn load_active(conn: Conn<'_>) -> Result<Vec<Order>, sqlx::Error> {
    load(
        conn,
        &format!("WHERE {ACTIVE} ORDER BY created_at, rowid"),
        None,
    )
    .await
}

/// The most recently finished orders, newest first.
pub async fn load_recently_finished(conn: Conn<'_>) -> Result<Vec<Order>, sqlx::Error> {
    load(
        conn,
        &format!(
            "WHERE NOT ({ACTIVE}) ORDER BY updated_at DESC, rowid DESC LIMIT {RECENTLY_FINISHED}"
        ),
        None,
    )
    .await
}

/// The orders changed at or after `since_ms` (Unix milliseconds), newest
/// first, at most `limit`: those that may have been readied lately.
pub async fn load_updated_since(
    conn: Conn<'_>,
    since_ms: i64,
    limit: i64,
) -> Result<Vec<Order>, sqlx::Error> {
    let sql = format!(
        "{} WHERE updated_at >= $1 ORDER BY updated_at DESC, rowid DESC LIMIT $2",
        select_orders(conn.dialect())
    );
    on_conn!(conn, c => {
        sqlx::query(&sql)
            .bind(since_ms)
            .bind(limit)
            .fetch_all(c)
            .await?
            .iter()
            .map(order_from_row)
            .collect()
    })
}

/// Whether another active order holds this display number.
pub async fn number_taken_by_other(
    conn: Conn<'_>,
    number: u32,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let sql =
        format!("SELECT EXISTS (SELECT 1 FROM orders WHERE number = $1 AND id <> $2 AND {ACTIVE})");
    on_conn!(conn, c => {
        sqlx::query_scalar(&sql)
            .bind(number as i64)
            .bind(id.to_string())
            .fetch_one(c)
            .await
    })
}
