//! Consistent snapshots for the start of a stream, on either database.
//!
//! Each snapshot is read in one read transaction (on PostgreSQL
//! `REPEATABLE READ READ ONLY`), so the orders it lists and the sequence
//! number it is "as of" agree exactly: every change up to `as_of` is in it,
//! and none after.

use super::database::on_conn;
use super::database::{Conn, Database};
use super::{event_log, order_rows, rows};
use orderboard_model::{
    BoardOrder, BoardSnapshot, StaffSnapshot, TokenOrder, TrackSnapshot, TrackedOrder,
    TracksSnapshot,
};
use sqlx::Row;
use uuid::Uuid;

/// Reads `read` in one read-only transaction that sees one state of the
/// database throughout.
macro_rules! in_read_transaction {
    ($db:expr, $conn:ident => $read:expr) => {
        match $db {
            Database::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                let value = {
                    let mut $conn = Conn::Sqlite(&mut tx);
                    $read
                };
                tx.commit().await?;
                value
            }
            Database::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
                let value = {
                    let mut $conn = Conn::Postgres(&mut tx);
                    $read
                };
                tx.commit().await?;
                value
            }
        }
    };
}

pub async fn staff(db: &Database) -> Result<StaffSnapshot, sqlx::Error> {
    Ok(in_read_transaction!(db, conn => StaffSnapshot {
        as_of: event_log::head(conn.reborrow()).await?,
        orders: order_rows::load_active(conn.reborrow()).await?,
        recently_finished: order_rows::load_recently_finished(conn.reborrow()).await?,
        settings: Default::default(),
    }))
}

pub async fn board(db: &Database) -> Result<BoardSnapshot, sqlx::Error> {
    let sql = format!(
        "SELECT number, customer, stage FROM orders WHERE {} ORDER BY created_at, rowid",
        rows::ACTIVE
    );
    let (as_of, orders) = in_read_transaction!(db, conn => {
        let as_of = event_log::head(conn.reborrow()).await?;
        let orders = on_conn!(conn, c => {
            sqlx::query(&sql)
                .fetch_all(c)
                .await?
                .iter()
                .map(|row| {
                    let customer: Option<String> = row.try_get("customer")?;
                    Ok(BoardOrder {
                        number: row.try_get::<i64, _>("number")? as u32,
                        name: orderboard_model::order::first_name(customer.as_deref()),
                        stage: rows::parse_stage(&row.try_get::<String, _>("stage")?)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        (as_of, orders)
    });
    Ok(BoardSnapshot {
        as_of,
        orders,
        settings: Default::default(),
    })
}

/// The tracked order, or `None` if it no longer exists.
pub async fn track(db: &Database, id: Uuid) -> Result<Option<TrackSnapshot>, sqlx::Error> {
    let (as_of, order) = in_read_transaction!(db, conn => (
        event_log::head(conn.reborrow()).await?,
        order_rows::load_order(conn.reborrow(), id).await?,
    ));
    Ok(order.map(|o| TrackSnapshot {
        as_of,
        order: TrackedOrder::from(&o),
    }))
}

/// Several tracked orders as of one sequence number (in the order of
/// `ids`), with those not yet final; `None` if none of them exists any more.
pub async fn tracks(db: &Database, ids: &[Uuid]) -> Result<Option<Snapshot>, sqlx::Error> {
    let (as_of, found) = in_read_transaction!(db, conn => {
        let as_of = event_log::head(conn.reborrow()).await?;
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(order) = order_rows::load_order(conn.reborrow(), *id).await? {
                found.push(order);
            }
        }
        (as_of, found)
    });
    if found.is_empty() {
        return Ok(None);
    }
    let unfinished = found
        .iter()
        .filter(|o| !o.stage.is_final())
        .map(|o| o.id)
        .collect();
    let orders = found
        .iter()
        .map(|o| TokenOrder {
            token: o.tracking_token.clone(),
            order: TrackedOrder::from(o),
        })
        .collect();
    Ok(Some(Snapshot::Tracks {
        snapshot: TracksSnapshot { as_of, orders },
        unfinished,
    }))
}

/// The state a stream starts from, for whichever audience it is.
#[derive(Debug, Clone)]
pub enum Snapshot {
    Staff(StaffSnapshot),
    Board(BoardSnapshot),
    Track(TrackSnapshot),
    /// What a multi-order tracking stream sends, and which of its orders
    /// are still to finish.
    Tracks {
        snapshot: TracksSnapshot,
        unfinished: Vec<Uuid>,
    },
}

impl Snapshot {
    /// The sequence number it is as of.
    pub fn as_of(&self) -> u64 {
        match self {
            Snapshot::Staff(s) => s.as_of,
            Snapshot::Board(s) => s.as_of,
            Snapshot::Track(s) => s.as_of,
            Snapshot::Tracks { snapshot, .. } => snapshot.as_of,
        }
    }
}
