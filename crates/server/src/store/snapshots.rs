//! Consistent snapshots for the start of a stream.
//!
//! Each snapshot is read in one SQLite read transaction, so the orders it
//! lists and the sequence number it is "as of" agree exactly: every change up
//! to `as_of` is in it, and none after.

use super::{event_log, order_rows};
use orderboard_model::{BoardOrder, BoardSnapshot, StaffSnapshot, TrackSnapshot, TrackedOrder};
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

pub async fn staff(pool: &SqlitePool) -> Result<StaffSnapshot, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let as_of = event_log::head(&mut tx).await?;
    let orders = order_rows::load_active(&mut tx).await?;
    let recently_finished = order_rows::load_recently_finished(&mut tx).await?;
    tx.commit().await?;
    Ok(StaffSnapshot {
        as_of,
        orders,
        recently_finished,
    })
}

pub async fn board(pool: &SqlitePool) -> Result<BoardSnapshot, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let as_of = event_log::head(&mut tx).await?;
    let sql = format!(
        "SELECT number, customer, stage FROM orders WHERE {} ORDER BY created_at, rowid",
        order_rows::ACTIVE
    );
    let rows = sqlx::query(&sql).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    let orders = rows
        .iter()
        .map(|row| {
            let stage: String = row.try_get("stage")?;
            let customer: Option<String> = row.try_get("customer")?;
            Ok(BoardOrder {
                number: row.try_get::<i64, _>("number")? as u32,
                name: orderboard_model::order::first_name(customer.as_deref()),
                stage: orderboard_model::Stage::parse(&stage)
                    .ok_or_else(|| sqlx::Error::Decode("bad stage in the database".into()))?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(BoardSnapshot { as_of, orders })
}

/// The tracked order, or `None` if it no longer exists.
pub async fn track(pool: &SqlitePool, id: Uuid) -> Result<Option<TrackSnapshot>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let as_of = event_log::head(&mut tx).await?;
    let order = order_rows::load_order(&mut tx, id).await?;
    tx.commit().await?;
    Ok(order.map(|o| TrackSnapshot {
        as_of,
        order: TrackedOrder::from(&o),
    }))
}

/// The state a stream starts from, for whichever audience it is.
#[derive(Debug, Clone)]
pub enum Snapshot {
    Staff(StaffSnapshot),
    Board(BoardSnapshot),
    Track(TrackSnapshot),
}

impl Snapshot {
    /// The sequence number it is as of.
    pub fn as_of(&self) -> u64 {
        match self {
            Snapshot::Staff(s) => s.as_of,
            Snapshot::Board(s) => s.as_of,
            Snapshot::Track(s) => s.as_of,
        }
    }

    /// A tracked order that is already final: nothing more will follow.
    pub fn is_final(&self) -> bool {
        matches!(self, Snapshot::Track(s) if s.order.stage.is_final())
    }
}
