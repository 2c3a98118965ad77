//! The order store: the only code that writes orders.
//!
//! Every write goes to one writer task. It takes whatever writes are waiting
//! (up to [`MAX_BATCH`]) and applies them in one SQLite transaction; one
//! commit (one fsync) then makes the whole batch durable. A refused change
//! leaves the others alone, because every check comes before a change's first
//! write, and a change's writes go to SQLite in one request
//! ([`one_round_trip`]). Only after the
//! commit are the changes published, in sequence order, and only then is each
//! request answered. So nothing is published or acknowledged that was not
//! committed, publish order is sequence order, and a client that hangs up
//! mid-request cannot leave a change committed but unpublished.

mod display_numbers;
pub mod one_round_trip;
pub mod event_log;
pub mod latest_orders;
pub mod order_rows;
pub mod snapshots;
mod tracking_token;

use crate::error::ApiError;
use crate::feed::{ChangeFeed, PublishedChange};
use orderboard_model::{
    Change, ChangeKind, ErrorCode, NewOrder, Order, OrderEvent, Stage, StageChangeRequest,
    StageEntry,
};
use one_round_trip::Writes;
use sqlx::{SqliteConnection, SqlitePool};
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
type Reply = oneshot::Sender<Result<Order, ApiError>>;

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

    async fn write(&self, request: WriteRequest) -> Result<Order, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.inner
            .writes
            .send(WriteJob { request, reply })
            .await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("the order writer has stopped")))?;
        answer
            .await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("the order writer dropped a write")))?
    }

    /// Creates an order in its first stage.
    pub async fn create(&self, new: NewOrder) -> Result<Order, ApiError> {
        let new = new.normalized().map_err(ApiError::Validation)?;
        self.write(WriteRequest::Create(new)).await
    }

    /// Moves an order to another stage, if the stage machine allows it.
    pub async fn change_stage(
        &self,
        id: Uuid,
        request: StageChangeRequest,
    ) -> Result<Order, ApiError> {
        self.write(WriteRequest::ChangeStage(id, request)).await
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<Order>, ApiError> {
        let mut conn = self.inner.pool.acquire().await?;
        Ok(order_rows::load_order(&mut conn, id).await?)
    }

    pub async fn by_tracking_token(&self, token: &str) -> Result<Option<Order>, ApiError> {
        let mut conn = self.inner.pool.acquire().await?;
        Ok(order_rows::load_order_by_token(&mut conn, token).await?)
    }

    /// Active orders, oldest first, optionally of one stage.
    pub async fn list_active(&self, stage: Option<Stage>) -> Result<Vec<Order>, ApiError> {
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
        match self.pool.acquire().await {
            Ok(mut conn) => match event_log::head(&mut conn).await {
                Ok(head) => self.last_published.store(head, Ordering::Release),
                Err(e) => tracing::warn!(error = %e, "reading the event log head"),
            },
            Err(e) => tracing::warn!(error = %e, "reading the event log head"),
        }
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
            self.apply_batch(std::mem::take(&mut batch)).await;
        }
    }

    async fn apply_batch(&self, batch: Vec<WriteJob>) {
        let _writing = self.write_lock.lock().await;
        let mut tx = match self.pool.begin().await {
            Ok(tx) => tx,
            Err(e) => return fail_all(batch, e.into()),
        };
        let mut outcomes: Vec<(Reply, Result<OrderEvent, ApiError>)> = Vec::with_capacity(batch.len());
        let mut jobs = batch.into_iter();
        while let Some(job) = jobs.next() {
            // A refusal (a conflict, an unknown order) is decided before the
            // change writes anything, so it leaves the batch as it was. A
            // database error may come halfway through a change's writes: the
            // whole batch is then rolled back and every change in it fails.
            let outcome = apply(&mut tx, job.request).await;
            if let Err(ApiError::Internal(e)) = &outcome {
                tracing::error!(error = %e, "writing a batch of order changes; rolling it back");
                let _ = tx.rollback().await;
                let failed = || ApiError::Internal(anyhow::anyhow!("the database refused a write"));
                let _ = job.reply.send(Err(failed()));
                for (reply, _) in outcomes {
                    let _ = reply.send(Err(failed()));
                }
                for job in jobs {
                    let _ = job.reply.send(Err(failed()));
                }
                return;
            }
            outcomes.push((job.reply, outcome));
        }
        if let Err(e) = tx.commit().await {
            tracing::error!(error = %e, "committing a batch of order changes");
            for (reply, _) in outcomes {
                let _ = reply.send(Err(ApiError::Internal(anyhow::anyhow!(
                    "commit failed: {e}"
                ))));
            }
            return;
        }
        // Encoded first, then published together: a subscriber woken by the
        // first change finds the rest ready, and writes them all at once.
        let published: Vec<Arc<PublishedChange>> = outcomes
            .iter()
            .filter_map(|(_, outcome)| outcome.as_ref().ok())
            .map(|event| Arc::new(PublishedChange::encode(event)))
            .collect();
        for change in published {
            self.last_published.store(change.seq, Ordering::Release);
            self.feed.publish(change);
        }
        for (reply, outcome) in outcomes {
            let _ = reply.send(outcome.map(|event| event.order));
        }
    }
}

fn fail_all(batch: Vec<WriteJob>, e: anyhow::Error) {
    tracing::error!(error = %e, "starting a batch of order changes");
    for job in batch {
        let _ = job.reply.send(Err(ApiError::Internal(anyhow::anyhow!(
            "the database is unavailable"
        ))));
    }
}

async fn apply(conn: &mut SqliteConnection, request: WriteRequest) -> Result<OrderEvent, ApiError> {
    match request {
        WriteRequest::Create(new) => create(conn, new).await,
        WriteRequest::ChangeStage(id, request) => change_stage(conn, id, request).await,
    }
}

async fn create(tx: &mut SqliteConnection, new: NewOrder) -> Result<OrderEvent, ApiError> {
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
    let change = Change { from: None, to: first, kind: ChangeKind::Created };
    let seq = event_log::append(&mut *tx, writes, &order, change, at).await?;
    Ok(OrderEvent { seq, at, change, order })
}

async fn change_stage(
    tx: &mut SqliteConnection,
    id: Uuid,
    request: StageChangeRequest,
) -> Result<OrderEvent, ApiError> {
    let Some(mut order) = order_rows::load_order(&mut *tx, id).await? else {
        return Err(ApiError::order_not_found());
    };
    let machine = order.machine();
    let conflict = |code: ErrorCode, message: String, order: &Order| ApiError::Conflict {
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
    let transition = machine.check(request.to).map_err(|e| {
        conflict(ErrorCode::StageConflict, format!("order #{}: {e}", order.number), &order)
    })?;
    if order.stage.is_final()
        && !request.to.is_final()
        && order_rows::number_taken_by_other(&mut *tx, order.number, order.id).await?
    {
        return Err(conflict(
            ErrorCode::NumberInUse,
            format!(
                "order #{} cannot come back: another active order has number {}",
                order.number, order.number
            ),
            &order,
        ));
    }
    let at = now();
    let change = Change { from: Some(order.stage), to: transition.to, kind: transition.kind };
    order.stage = transition.to;
    order.version += 1;
    order.updated_at = at;
    order.history.push(StageEntry { stage: transition.to, at });
    let mut writes = Writes::default();
    order_rows::update_stage(&mut writes, &order);
    let position = order.history.len() - 1;
    order_rows::insert_history_entry(&mut writes, order.id, position, transition.to, at);
    let seq = event_log::append(&mut *tx, writes, &order, change, at).await?;
    Ok(OrderEvent { seq, at, change, order })
}
