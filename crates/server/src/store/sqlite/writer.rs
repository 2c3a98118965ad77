//! The SQLite writer: one task that applies every write.
//!
//! It takes whatever writes are waiting (up to [`MAX_BATCH`]) and applies
//! them in one SQLite transaction; one commit (one fsync) then makes the
//! whole batch durable. A refused change leaves the others alone, because
//! every check comes before a change's first write. The batch's stage
//! changes read their orders in one query, and their writes go to SQLite
//! together ([`Pending`], [`one_round_trip`](super::one_round_trip)). Only
//! after the commit are the changes published, in sequence order, and only
//! then is each request answered.

use super::display_numbers;
use super::one_round_trip::Writes;
use super::writes;
use crate::feed::LogEvent;
use crate::feed::{ChangeFeed, Committed};
use crate::store::database::Conn;
use crate::store::kitchen_rows;
use crate::store::{
    changes, now, order_rows, Reply, StoreError, WriteJob, WriteRequest, MAX_BATCH,
};
use orderboard_model::{
    Change, Channel, ItemBumpRequest, Menu, NewOrder, Order, OrderEvent, Settings,
    StageChangeRequest,
};
use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;
use uuid::Uuid;

/// The writer task's state.
pub struct Writer {
    pub pool: SqlitePool,
    pub feed: Arc<dyn ChangeFeed>,
    pub last_published: Arc<AtomicU64>,
    pub write_lock: Arc<tokio::sync::Mutex<()>>,
}

impl Writer {
    pub(crate) async fn run(self, mut queue: mpsc::Receiver<WriteJob>) {
        // The writer keeps a connection of its own, so that readers (a
        // thousand screens catching up at once) never keep it waiting for one.
        // It lets go of it when the pool closes (shutdown waits for every
        // connection to come back).
        let mut own: Option<PoolConnection<Sqlite>> = match self.pool.acquire().await {
            Ok(mut conn) => {
                match crate::store::event_log::head(Conn::Sqlite(&mut conn)).await {
                    Ok(head) => self.last_published.store(head, Ordering::Release),
                    Err(e) => tracing::warn!(error = %e, "reading the event log head"),
                }
                Some(conn)
            }
            Err(e) => {
                tracing::warn!(error = %e, "reading the event log head");
                None
            }
        };
        let mut closing = std::pin::pin!(self.pool.close_event());
        let mut batch = Vec::with_capacity(MAX_BATCH);
        loop {
            let taken = tokio::select! {
                taken = queue.recv_many(&mut batch, MAX_BATCH) => taken,
                _ = &mut closing, if own.is_some() => {
                    own = None;
                    continue;
                }
            };
            if taken == 0 {
                break;
            }
            let batch = std::mem::take(&mut batch);
            let conn = match own.take() {
                Some(conn) => conn,
                None => match self.pool.acquire().await {
                    Ok(conn) => conn,
                    Err(e) => {
                        crate::store::fail_all(batch, e);
                        continue;
                    }
                },
            };
            own = self.apply_batch(conn, batch).await;
        }
    }

    /// Gives the connection back, unless the database failed on it.
    ///
    /// The transaction is begun and committed by hand, not with sqlx's
    /// `Transaction`: `BEGIN` goes to SQLite in the same request as the
    /// batch's first read, and `COMMIT` in the same request as its last
    /// writes ([`one_round_trip`](super::one_round_trip)). A lone stage
    /// change is then two round trips to SQLite's thread, not four. If the
    /// database fails, the connection is closed, not given back, and
    /// closing it rolls back whatever it had begun.
    async fn apply_batch(
        &self,
        mut conn: PoolConnection<Sqlite>,
        batch: Vec<WriteJob>,
    ) -> Option<PoolConnection<Sqlite>> {
        let _writing = self.write_lock.lock().await;
        // The orders the batch's stage changes are for, read in one query.
        let ids: Vec<Uuid> = batch
            .iter()
            .filter_map(|job| job.request.order_id())
            .collect();
        let mut pending = Pending::default();
        let begun = if ids.is_empty() {
            sqlx::query(BEGIN).execute(&mut *conn).await.map(drop)
        } else {
            writes::load_orders_by_id(&mut conn, BEGIN, &ids)
                .await
                .map(|orders| pending.orders = orders.into_iter().map(|o| (o.id, o)).collect())
        };
        if let Err(e) = begun {
            crate::store::fail_all(batch, e);
            return closed(conn);
        }
        let tx: &mut SqliteConnection = &mut conn;
        // Each job's reply, its outcome, and whether its sequence number
        // comes with its pending writes.
        let mut outcomes: Vec<(Reply, Result<LogEvent, StoreError>, bool)> =
            Vec::with_capacity(batch.len());
        let mut jobs = batch.into_iter();
        let mut failure: Option<String> = None;
        for job in jobs.by_ref() {
            // A refusal (a conflict, an unknown order) is decided before the
            // change writes anything, so it leaves the batch as it was. A
            // database error may come halfway through the writes: the whole
            // batch is then rolled back and every change in it fails.
            let creates = job.request.creates();
            let (outcome, deferred) = match job.request {
                WriteRequest::Create(new) => (create(tx, &mut pending, new).await, false),
                WriteRequest::ChangeStage(id, request) => {
                    (change_stage(tx, &mut pending, id, request).await, true)
                }
                WriteRequest::BumpItem(id, index, request) => {
                    (bump_item(tx, &mut pending, id, index, request).await, true)
                }
            };
            // The answer is kept with the change, in the same transaction.
            if let (Ok(LogEvent::Order { event, .. }), Some(claim)) = (&outcome, &job.claim) {
                writes::keep_answer(&mut pending.writes, claim, creates, &event.order);
            }
            let internal = match &outcome {
                Err(e @ (StoreError::Database(_) | StoreError::Unavailable(_))) => {
                    Some(e.to_string())
                }
                _ => None,
            };
            outcomes.push((job.reply, outcome, deferred));
            if internal.is_some() {
                failure = internal;
                break;
            }
        }
        if let Some(e) = failure {
            tracing::error!(error = %e, "writing a batch of order changes; rolling it back");
            let replies = outcomes.into_iter().map(|(reply, _, _)| reply);
            for reply in replies.chain(jobs.map(|job| job.reply)) {
                let _ = reply.send(Err(StoreError::Unavailable("the database refused a write")));
            }
            return closed(conn);
        }
        // The last writes and the commit: one fsync makes the batch durable.
        if let Err(e) = pending.flush_and_commit(tx).await {
            tracing::error!(error = %e, "committing a batch of order changes; rolling it back");
            for (reply, _, _) in outcomes {
                let _ = reply.send(Err(StoreError::Unavailable(
                    "the database refused the commit",
                )));
            }
            return closed(conn);
        }
        // The stage changes' sequence numbers, in the order they were written
        // (each flush checked it got one per change).
        let mut seqs = pending.seqs.into_iter();
        for (_, outcome, deferred) in &mut outcomes {
            if let (Ok(event), true) = (outcome, *deferred) {
                event.set_seq(seqs.next().unwrap_or_default());
            }
        }
        // Published in sequence order, as domain changes: each stream encodes
        // them at its edge (once per wire format, `feed::Committed`).
        let mut replies = Vec::with_capacity(outcomes.len());
        for (reply, outcome, _) in outcomes {
            let answer = outcome.map(|event| {
                let order = event
                    .order_event()
                    .expect("a write changes an order")
                    .order
                    .clone();
                self.last_published.store(event.seq(), Ordering::Release);
                self.feed.publish(Arc::new(Committed::new(event)));
                order
            });
            replies.push((reply, answer));
        }
        for (reply, answer) in replies {
            let _ = reply.send(answer);
        }
        Some(conn)
    }
}

/// What a batch has read and not yet written. Its stage changes' orders
/// are read together at the start, and each change is checked against the
/// order as the batch left it. Their writes wait here and go to SQLite
/// together ([`one_round_trip`](super::one_round_trip)): before anything
/// reads the database again, and before the commit. So a run of stage
/// changes costs one round trip to SQLite's thread for the reads and one
/// for the writes, not two each.
#[derive(Default)]
struct Pending {
    orders: HashMap<Uuid, Order>,
    writes: Writes,
    /// How many stage changes' writes are in `writes`.
    changes: usize,
    /// The sequence numbers of the stage changes written so far, in order.
    seqs: Vec<u64>,
    /// The kitchen's settings, once a change of the batch needed them
    /// (they change only under the write lock, never within a batch).
    settings: Option<Settings>,
    /// The menu, once a new order of the batch needed it.
    menu: Option<Menu>,
}

impl Pending {
    /// Gives a new order's items their stations (`changes::resolve_stations`).
    async fn resolve_stations(
        &mut self,
        tx: &mut SqliteConnection,
        new: &mut NewOrder,
    ) -> Result<(), StoreError> {
        if self.menu.is_none() {
            self.menu = Some(kitchen_rows::load_menu(Conn::Sqlite(&mut *tx)).await?);
        }
        self.settings(&mut *tx).await?;
        let (Some(settings), Some(menu)) = (&self.settings, &self.menu) else {
            unreachable!("both just loaded");
        };
        changes::resolve_stations(new, settings, menu)
    }

    async fn settings(&mut self, tx: &mut SqliteConnection) -> Result<&Settings, StoreError> {
        if self.settings.is_none() {
            self.settings = Some(kitchen_rows::load_settings(Conn::Sqlite(tx)).await?);
        }
        Ok(self.settings.as_ref().expect("just loaded"))
    }

    /// Whether boards are sent a change to `order` (a dine-in order's
    /// needs the settings).
    async fn on_board(
        &mut self,
        tx: &mut SqliteConnection,
        order: &Order,
        change: &Change,
    ) -> Result<bool, StoreError> {
        let dine_in_on_board = if order.channel == Channel::DineIn {
            self.settings(tx).await?.dine_in_on_board
        } else {
            true
        };
        Ok(changes::on_board(order, change, dine_in_on_board))
    }
}

impl Pending {
    async fn flush(&mut self, tx: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        if self.changes == 0 {
            return Ok(());
        }
        let writes = std::mem::take(&mut self.writes);
        self.run(tx, writes).await
    }

    /// Writes what is waiting, and commits, in one request.
    async fn flush_and_commit(&mut self, tx: &mut SqliteConnection) -> Result<(), sqlx::Error> {
        let mut writes = std::mem::take(&mut self.writes);
        writes.push("COMMIT", |_| {});
        self.run(tx, writes).await
    }

    async fn run(&mut self, tx: &mut SqliteConnection, writes: Writes) -> Result<(), sqlx::Error> {
        let changes = std::mem::take(&mut self.changes);
        let seqs = writes.run_returning_all(tx).await?;
        if seqs.len() != changes {
            return Err(sqlx::Error::Protocol(format!(
                "{} sequence numbers for {changes} changes",
                seqs.len()
            )));
        }
        self.seqs.extend(seqs.into_iter().map(|seq| seq as u64));
        Ok(())
    }
}

/// How the writer begins a batch's transaction: taking the write lock at
/// once, so that no other connection's write can come between its reads and
/// its writes.
const BEGIN: &str = "BEGIN IMMEDIATE";

/// The writer's connection after a database error: closed, not given back to
/// the pool, so that nothing it had begun can outlive the batch.
fn closed(mut conn: PoolConnection<Sqlite>) -> Option<PoolConnection<Sqlite>> {
    conn.close_on_drop();
    None
}

async fn create(
    tx: &mut SqliteConnection,
    pending: &mut Pending,
    mut new: NewOrder,
) -> Result<LogEvent, StoreError> {
    pending.resolve_stations(&mut *tx, &mut new).await?;
    // Display numbers, and whether an external reference is taken, are
    // read from the database as it stands.
    pending.flush(&mut *tx).await?;
    if let Some(r) = &new.external_ref {
        if let Some(existing) =
            order_rows::load_order_by_external_ref(Conn::Sqlite(&mut *tx), r).await?
        {
            return Err(changes::external_ref_in_use(&existing));
        }
    }
    let mut w = Writes::default();
    let number = display_numbers::next_free(&mut *tx, &mut w).await?;
    let at = now();
    let (order, change) = changes::new_order(new, number, at);
    let board = pending.on_board(&mut *tx, &order, &change).await?;
    let fire_at = match order.due_at {
        Some(_) => {
            let settings = pending.settings(&mut *tx).await?.clone();
            crate::store::fire_times::fire_time(Conn::Sqlite(&mut *tx), &order, &settings).await?
        }
        None => None,
    };
    writes::insert_order(&mut w, &order, fire_at);
    writes::insert_history_entry(&mut w, &order);
    writes::append_event(&mut w, &order, change, at, board);
    let seq = w.run_returning(&mut *tx).await? as u64;
    Ok(LogEvent::Order {
        event: OrderEvent {
            seq,
            at,
            change,
            order,
        },
        board,
    })
}

/// Checks a stage change against the order as the batch left it, and
/// queues its writes in `pending`. Its sequence number comes when they are
/// written.
async fn change_stage(
    tx: &mut SqliteConnection,
    pending: &mut Pending,
    id: Uuid,
    request: StageChangeRequest,
) -> Result<LogEvent, StoreError> {
    let Some(order) = pending.orders.get(&id) else {
        return Err(StoreError::NotFound);
    };
    let at = now();
    let planned = changes::stage_change(order, &request, at)?;
    if planned.reopens {
        // Whether its number is free again is read from the database, which
        // must first hold the batch's writes so far.
        let before = order.clone();
        pending.flush(&mut *tx).await?;
        if order_rows::number_taken_by_other(Conn::Sqlite(&mut *tx), before.number, id).await? {
            return Err(changes::number_in_use(&before));
        }
    }
    write_planned(tx, pending, planned, at).await
}

/// Checks an item bump against the order as the batch left it, and
/// queues its writes.
async fn bump_item(
    tx: &mut SqliteConnection,
    pending: &mut Pending,
    id: Uuid,
    index: u16,
    request: ItemBumpRequest,
) -> Result<LogEvent, StoreError> {
    if !pending.orders.contains_key(&id) {
        return Err(StoreError::NotFound);
    }
    let auto_ready = pending.settings(&mut *tx).await?.auto_ready;
    let at = now();
    let order = &pending.orders[&id];
    let planned = changes::item_bump(order, index, &request, auto_ready, at)?;
    write_planned(tx, pending, planned, at).await
}

/// Queues a checked change's writes: the order's row, the history entries
/// it adds, its event.
async fn write_planned(
    tx: &mut SqliteConnection,
    pending: &mut Pending,
    planned: changes::Planned,
    at: time::OffsetDateTime,
) -> Result<LogEvent, StoreError> {
    let order = planned.order;
    let before = pending.orders.get(&order.id).map_or(0, |o| o.history.len());
    let board = pending.on_board(&mut *tx, &order, &planned.change).await?;
    let w = &mut pending.writes;
    writes::update_order(w, &order);
    for position in before..order.history.len() {
        writes::insert_history_entry_at(w, &order, position);
    }
    writes::append_event(w, &order, planned.change, at, board);
    pending.changes += 1;
    pending.orders.insert(order.id, order.clone());
    Ok(LogEvent::Order {
        event: OrderEvent {
            seq: 0,
            at,
            change: planned.change,
            order,
        },
        board,
    })
}
