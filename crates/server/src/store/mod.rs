//! The order store: the only code that writes orders.
//!
//! Every write goes to one writer task. It takes whatever writes are waiting
//! (up to [`MAX_BATCH`]) and applies them in one SQLite transaction; one
//! commit (one fsync) then makes the whole batch durable. A refused change
//! leaves the others alone, because every check comes before a change's first
//! write. The batch's stage changes read their orders in one query, and their
//! writes go to SQLite together ([`Pending`], [`one_round_trip`]). Only after the
//! commit are the changes published, in sequence order, and only then is each
//! request answered. So nothing is published or acknowledged that was not
//! committed, publish order is sequence order, and a client that hangs up
//! mid-request cannot leave a change committed but unpublished.

mod display_numbers;
pub mod error;
pub mod event_log;
pub mod latest_orders;
pub mod one_round_trip;
pub mod order_rows;
pub mod snapshots;
mod tracking_token;

pub use error::StoreError;

use crate::feed::{ChangeFeed, Committed};
use one_round_trip::Writes;
use orderboard_model::{
    Change, ChangeKind, ErrorCode, NewOrder, Order, OrderEvent, Stage, StageChangeRequest,
    StageEntry,
};
use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// The most writes one transaction takes.
pub const MAX_BATCH: usize = 256;

#[derive(Clone)]
pub struct OrderStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: SqlitePool,
    feed: Arc<dyn ChangeFeed>,
    writes: mpsc::Sender<WriteJob>,
    /// The sequence number of the newest published change; `u64::MAX` until
    /// the writer has read the log's head at start.
    last_published: Arc<AtomicU64>,
    /// Held by the writer for each batch, and by the only other writer (the
    /// event log's pruning), so that neither's commit breaks the other's
    /// transaction.
    write_lock: Arc<tokio::sync::Mutex<()>>,
}

enum WriteRequest {
    Create(NewOrder),
    ChangeStage(Uuid, StageChangeRequest),
}

/// Where a write's answer goes.
type Reply = oneshot::Sender<Result<Order, StoreError>>;

struct WriteJob {
    request: WriteRequest,
    reply: Reply,
}

/// The current time, at the millisecond precision the database keeps.
pub fn now() -> OffsetDateTime {
    order_rows::from_millis(order_rows::to_millis(OffsetDateTime::now_utc()))
}

impl OrderStore {
    /// Starts the store's writer task; call from within a tokio runtime.
    pub fn new(pool: SqlitePool, feed: Arc<dyn ChangeFeed>) -> Self {
        let (writes, queue) = mpsc::channel(4 * MAX_BATCH);
        let last_published = Arc::new(AtomicU64::new(u64::MAX));
        let write_lock = Arc::new(tokio::sync::Mutex::new(()));
        let writer = Writer {
            pool: pool.clone(),
            feed: feed.clone(),
            last_published: last_published.clone(),
            write_lock: write_lock.clone(),
        };
        tokio::spawn(writer.run(queue));
        OrderStore {
            inner: Arc::new(Inner {
                pool,
                feed,
                writes,
                last_published,
                write_lock,
            }),
        }
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.inner.pool
    }

    pub fn feed(&self) -> &Arc<dyn ChangeFeed> {
        &self.inner.feed
    }

    /// Keeps the writer from starting a batch while held (for pruning).
    pub async fn lock_writes(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.inner.write_lock.lock().await
    }

    /// The newest published sequence number, once known.
    pub fn last_published(&self) -> Option<u64> {
        Some(self.inner.last_published.load(Ordering::Acquire)).filter(|s| *s != u64::MAX)
    }

    async fn write(&self, request: WriteRequest) -> Result<Order, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.inner
            .writes
            .send(WriteJob { request, reply })
            .await
            .map_err(|_| StoreError::Unavailable("the order writer has stopped"))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the order writer dropped a write"))?
    }

    /// Creates an order in its first stage.
    pub async fn create(&self, new: NewOrder) -> Result<Order, StoreError> {
        let new = new.normalized().map_err(StoreError::Invalid)?;
        self.write(WriteRequest::Create(new)).await
    }

    /// Moves an order to another stage, if the stage machine allows it.
    pub async fn change_stage(
        &self,
        id: Uuid,
        request: StageChangeRequest,
    ) -> Result<Order, StoreError> {
        self.write(WriteRequest::ChangeStage(id, request)).await
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<Order>, StoreError> {
        let mut conn = self.inner.pool.acquire().await?;
        Ok(order_rows::load_order(&mut conn, id).await?)
    }

    pub async fn by_tracking_token(&self, token: &str) -> Result<Option<Order>, StoreError> {
        let mut conn = self.inner.pool.acquire().await?;
        Ok(order_rows::load_order_by_token(&mut conn, token).await?)
    }

    /// Active orders, oldest first, optionally of one stage.
    pub async fn list_active(&self, stage: Option<Stage>) -> Result<Vec<Order>, StoreError> {
        let mut conn = self.inner.pool.acquire().await?;
        let mut orders = order_rows::load_active(&mut conn).await?;
        if let Some(stage) = stage {
            orders.retain(|o| o.stage == stage);
        }
        Ok(orders)
    }
}

/// The writer task's state.
struct Writer {
    pool: SqlitePool,
    feed: Arc<dyn ChangeFeed>,
    last_published: Arc<AtomicU64>,
    write_lock: Arc<tokio::sync::Mutex<()>>,
}

impl Writer {
    async fn run(self, mut queue: mpsc::Receiver<WriteJob>) {
        // The writer keeps a connection of its own, so that readers (a
        // thousand screens catching up at once) never keep it waiting for one.
        // It lets go of it when the pool closes (shutdown waits for every
        // connection to come back).
        let mut own: Option<PoolConnection<Sqlite>> = match self.pool.acquire().await {
            Ok(mut conn) => {
                match event_log::head(&mut conn).await {
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
                        fail_all(batch, e);
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
    /// writes ([`one_round_trip`]). A lone stage change is then two round
    /// trips to SQLite's thread, not four. If the database fails, the
    /// connection is closed, not given back, and closing it rolls back
    /// whatever it had begun.
    async fn apply_batch(
        &self,
        mut conn: PoolConnection<Sqlite>,
        batch: Vec<WriteJob>,
    ) -> Option<PoolConnection<Sqlite>> {
        let _writing = self.write_lock.lock().await;
        // The orders the batch's stage changes are for, read in one query.
        let ids: Vec<Uuid> = batch
            .iter()
            .filter_map(|job| match &job.request {
                WriteRequest::ChangeStage(id, _) => Some(*id),
                WriteRequest::Create(_) => None,
            })
            .collect();
        let mut pending = Pending::default();
        let begun = if ids.is_empty() {
            sqlx::query(BEGIN).execute(&mut *conn).await.map(drop)
        } else {
            order_rows::load_orders_by_id(&mut conn, BEGIN, &ids)
                .await
                .map(|orders| pending.orders = orders.into_iter().map(|o| (o.id, o)).collect())
        };
        if let Err(e) = begun {
            fail_all(batch, e);
            return closed(conn);
        }
        let tx: &mut SqliteConnection = &mut conn;
        // Each job's reply, its outcome, and whether its sequence number
        // comes with its pending writes.
        let mut outcomes: Vec<(Reply, Result<OrderEvent, StoreError>, bool)> =
            Vec::with_capacity(batch.len());
        let mut jobs = batch.into_iter();
        let mut failure: Option<String> = None;
        for job in jobs.by_ref() {
            // A refusal (a conflict, an unknown order) is decided before the
            // change writes anything, so it leaves the batch as it was. A
            // database error may come halfway through the writes: the whole
            // batch is then rolled back and every change in it fails.
            let (outcome, deferred) = match job.request {
                WriteRequest::Create(new) => (create(tx, &mut pending, new).await, false),
                WriteRequest::ChangeStage(id, request) => {
                    (change_stage(tx, &mut pending, id, request).await, true)
                }
            };
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
                event.seq = seqs.next().unwrap_or_default();
            }
        }
        // Published in sequence order, as domain changes: each stream encodes
        // them at its edge (once per wire format, `feed::Committed`).
        let mut replies = Vec::with_capacity(outcomes.len());
        for (reply, outcome, _) in outcomes {
            let answer = outcome.map(|event| {
                let order = event.order.clone();
                self.last_published.store(event.seq, Ordering::Release);
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
/// together ([`one_round_trip`]): before anything reads the database again,
/// and before the commit. So a run of stage changes costs one round trip to
/// SQLite's thread for the reads and one for the writes, not two each.
#[derive(Default)]
struct Pending {
    orders: HashMap<Uuid, Order>,
    writes: Writes,
    /// How many stage changes' writes are in `writes`.
    changes: usize,
    /// The sequence numbers of the stage changes written so far, in order.
    seqs: Vec<u64>,
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

fn fail_all(batch: Vec<WriteJob>, e: sqlx::Error) {
    tracing::error!(error = %e, "starting a batch of order changes");
    for job in batch {
        let _ = job
            .reply
            .send(Err(StoreError::Unavailable("the database is unavailable")));
    }
}

async fn create(
    tx: &mut SqliteConnection,
    pending: &mut Pending,
    new: NewOrder,
) -> Result<OrderEvent, StoreError> {
    // Display numbers are chosen from the database as it stands.
    pending.flush(&mut *tx).await?;
    let mut writes = Writes::default();
    let number = display_numbers::next_free(&mut *tx, &mut writes).await?;
    let at = now();
    let first = new.channel.path()[0];
    let order = Order {
        id: Uuid::new_v4(),
        number,
        customer: new.customer,
        channel: new.channel,
        items: new.items,
        note: new.note,
        stage: first,
        version: 1,
        created_at: at,
        updated_at: at,
        history: vec![StageEntry { stage: first, at }],
        tracking_token: tracking_token::generate(),
    };
    order_rows::insert_order(&mut writes, &order);
    order_rows::insert_history_entry(&mut writes, order.id, 0, first, at);
    let change = Change {
        from: None,
        to: first,
        kind: ChangeKind::Created,
    };
    let seq = event_log::append(&mut *tx, writes, &order, change, at).await?;
    Ok(OrderEvent {
        seq,
        at,
        change,
        order,
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
) -> Result<OrderEvent, StoreError> {
    let Some(mut order) = pending.orders.get(&id).cloned() else {
        return Err(StoreError::NotFound);
    };
    let machine = order.machine();
    let conflict = |code: ErrorCode, message: String, order: &Order| StoreError::Refused {
        code,
        message,
        allowed: machine.allowed_targets(),
        order: Box::new(order.clone()),
    };
    if let Some(expected) = request.expected_version {
        if expected != order.version {
            return Err(conflict(
                ErrorCode::VersionConflict,
                format!(
                    "order #{} was changed by someone else: it is at version {} ({}), not {expected}",
                    order.number, order.version, order.stage
                ),
                &order,
            ));
        }
    }
    if order.version > orderboard_model::order::MAX_CHANGES {
        return Err(conflict(
            ErrorCode::TooManyChanges,
            format!(
                "order #{} has taken {} changes, the most one order may take; make a new order instead",
                order.number,
                order.version - 1
            ),
            &order,
        ));
    }
    let transition = machine.check(request.to).map_err(|e| {
        conflict(
            ErrorCode::StageConflict,
            format!("order #{}: {e}", order.number),
            &order,
        )
    })?;
    if order.stage.is_final() && !request.to.is_final() {
        // Whether its number is free again is read from the database, which
        // must first hold the batch's writes so far.
        pending.flush(&mut *tx).await?;
        if order_rows::number_taken_by_other(&mut *tx, order.number, order.id).await? {
            return Err(conflict(
                ErrorCode::NumberInUse,
                format!(
                    "order #{} cannot come back: another active order has number {}",
                    order.number, order.number
                ),
                &order,
            ));
        }
    }
    let at = now();
    let change = Change {
        from: Some(order.stage),
        to: transition.to,
        kind: transition.kind,
    };
    order.stage = transition.to;
    order.version += 1;
    order.updated_at = at;
    order.history.push(StageEntry {
        stage: transition.to,
        at,
    });
    let writes = &mut pending.writes;
    order_rows::update_stage(writes, &order);
    let position = order.history.len() - 1;
    order_rows::insert_history_entry(writes, order.id, position, transition.to, at);
    event_log::push_append(writes, &order, change, at);
    pending.changes += 1;
    pending.orders.insert(id, order.clone());
    Ok(OrderEvent {
        seq: 0,
        at,
        change,
        order,
    })
}
