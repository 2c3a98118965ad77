//! The order store: the only code that writes orders, on SQLite or on
//! PostgreSQL.
//!
//! Every write goes to one writer task per node, which applies whatever
//! writes are waiting in one transaction ([`sqlite::writer`],
//! [`postgres::writer`]); every check comes before a change's first write,
//! and the stage machine's checks are shared ([`changes`]). Nothing is
//! published or acknowledged that was not committed, and publish order is
//! sequence order:
//! - on SQLite the writer publishes each batch after its commit, then
//!   answers the requests;
//! - on PostgreSQL the writer answers after its commit, and the node's log
//!   tailer ([`postgres::tailer`]) publishes every committed change, this
//!   node's and the others', reading the log in order.
//!
//! The reads ([`event_log`], [`order_rows`], [`snapshots`]) are written
//! once for both databases ([`database`]).

pub mod changes;
pub mod database;
pub mod display_numbers;
pub mod error;
pub mod event_log;
pub mod finished_rows;
pub mod fire_times;
pub mod idempotency_rows;
pub mod kitchen_rows;
pub mod latest_orders;
pub mod order_rows;
pub mod postgres;
pub mod query_count;
pub mod rows;
mod settings_writes;
pub mod snapshots;
pub mod sqlite;
mod tracking_token;

pub use database::Database;
pub use error::StoreError;
pub use idempotency_rows::Claim;

use crate::feed::ChangeFeed;
use orderboard_model::{ExternalRef, ItemBumpRequest, NewOrder, Order, Stage, StageChangeRequest};
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
    db: Database,
    feed: Arc<dyn ChangeFeed>,
    writes: mpsc::Sender<WriteJob>,
    /// The sequence number of the newest published change; `u64::MAX` until
    /// the writer (or the tailer) has read the log's head at start.
    last_published: Arc<AtomicU64>,
    /// Held by the writer for each batch, and by the event log's pruning,
    /// so that neither's commit breaks the other's transaction.
    write_lock: Arc<tokio::sync::Mutex<()>>,
}

pub(crate) enum WriteRequest {
    Create(NewOrder),
    ChangeStage(Uuid, StageChangeRequest),
    /// Marks item `index` of the order done, or not done again.
    BumpItem(Uuid, u16, ItemBumpRequest),
}

impl WriteRequest {
    /// The order an existing-order change is for.
    pub fn order_id(&self) -> Option<Uuid> {
        match self {
            WriteRequest::Create(_) => None,
            WriteRequest::ChangeStage(id, _) | WriteRequest::BumpItem(id, _, _) => Some(*id),
        }
    }
}

/// Where a write's answer goes.
pub(crate) type Reply = oneshot::Sender<Result<Order, StoreError>>;

pub(crate) struct WriteJob {
    pub request: WriteRequest,
    /// The `Idempotency-Key` the change came with: its answer is kept in
    /// the same transaction ([`idempotency_rows`]).
    pub claim: Option<Claim>,
    pub reply: Reply,
}

impl WriteRequest {
    /// Whether the change makes an order (its answer is `201`).
    pub fn creates(&self) -> bool {
        matches!(self, WriteRequest::Create(_))
    }
}

/// Answers every write of a batch that could not begin.
pub(crate) fn fail_all(batch: Vec<WriteJob>, e: sqlx::Error) {
    tracing::error!(error = %e, "starting a batch of order changes");
    for job in batch {
        let _ = job
            .reply
            .send(Err(StoreError::Unavailable("the database is unavailable")));
    }
}

/// The current time, at the millisecond precision the database keeps.
pub fn now() -> OffsetDateTime {
    rows::from_millis(rows::to_millis(OffsetDateTime::now_utc()))
}

impl OrderStore {
    /// Starts the store's writer task (and on PostgreSQL the log tailer,
    /// which publishes); call from within a tokio runtime. Both end when
    /// the pool is closed and the store is dropped.
    pub fn new(db: impl Into<Database>, feed: Arc<dyn ChangeFeed>) -> Self {
        let db = db.into();
        let (writes, queue) = mpsc::channel(4 * MAX_BATCH);
        let last_published = Arc::new(AtomicU64::new(u64::MAX));
        let write_lock = Arc::new(tokio::sync::Mutex::new(()));
        match &db {
            Database::Sqlite(pool) => {
                let writer = sqlite::writer::Writer {
                    pool: pool.clone(),
                    feed: feed.clone(),
                    last_published: last_published.clone(),
                    write_lock: write_lock.clone(),
                };
                tokio::spawn(writer.run(queue));
            }
            Database::Postgres(pool) => {
                let log_pool = crate::db::postgres_log_pool(pool);
                let tailer = postgres::tailer::Tailer::start(
                    pool.clone(),
                    log_pool.clone(),
                    feed.clone(),
                    last_published.clone(),
                );
                let writer = postgres::writer::Writer {
                    pool: log_pool,
                    committed: tailer,
                    write_lock: write_lock.clone(),
                };
                tokio::spawn(writer.run(queue));
            }
        }
        OrderStore {
            inner: Arc::new(Inner {
                db,
                feed,
                writes,
                last_published,
                write_lock,
            }),
        }
    }

    /// The database this store writes to.
    pub fn database(&self) -> &Database {
        &self.inner.db
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

    async fn write(
        &self,
        request: WriteRequest,
        claim: Option<Claim>,
    ) -> Result<Order, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.inner
            .writes
            .send(WriteJob {
                request,
                claim,
                reply,
            })
            .await
            .map_err(|_| StoreError::Unavailable("the order writer has stopped"))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the order writer dropped a write"))?
    }

    /// Creates an order in its first stage.
    pub async fn create(&self, new: NewOrder) -> Result<Order, StoreError> {
        self.create_claimed(new, None).await
    }

    /// Creates an order, keeping its answer under `claim` if given.
    pub async fn create_claimed(
        &self,
        new: NewOrder,
        claim: Option<Claim>,
    ) -> Result<Order, StoreError> {
        let new = new.normalized().map_err(StoreError::Invalid)?;
        new.check_due_at(now()).map_err(StoreError::Invalid)?;
        self.write(WriteRequest::Create(new), claim).await
    }

    /// Moves an order to another stage, if the stage machine allows it.
    pub async fn change_stage(
        &self,
        id: Uuid,
        request: StageChangeRequest,
    ) -> Result<Order, StoreError> {
        self.change_stage_claimed(id, request, None).await
    }

    /// Moves an order, keeping the answer under `claim` if given.
    pub async fn change_stage_claimed(
        &self,
        id: Uuid,
        request: StageChangeRequest,
        claim: Option<Claim>,
    ) -> Result<Order, StoreError> {
        self.write(WriteRequest::ChangeStage(id, request), claim)
            .await
    }

    /// Marks an item done (or not done again), moving the order as that
    /// implies ([`changes::item_bump`]); keeps the answer under `claim`.
    pub async fn bump_item_claimed(
        &self,
        id: Uuid,
        index: u16,
        request: ItemBumpRequest,
        claim: Option<Claim>,
    ) -> Result<Order, StoreError> {
        self.write(WriteRequest::BumpItem(id, index, request), claim)
            .await
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<Order>, StoreError> {
        let mut conn = self.inner.db.acquire().await?;
        Ok(order_rows::load_order(conn.conn(), id).await?)
    }

    pub async fn by_tracking_token(&self, token: &str) -> Result<Option<Order>, StoreError> {
        let mut conn = self.inner.db.acquire().await?;
        Ok(order_rows::load_order_by_token(conn.conn(), token).await?)
    }

    /// The order that carries this external reference, in any stage.
    pub async fn by_external_ref(&self, r: &ExternalRef) -> Result<Option<Order>, StoreError> {
        let mut conn = self.inner.db.acquire().await?;
        Ok(order_rows::load_order_by_external_ref(conn.conn(), r).await?)
    }

    /// Active orders, oldest first, optionally of one stage.
    pub async fn list_active(&self, stage: Option<Stage>) -> Result<Vec<Order>, StoreError> {
        let mut conn = self.inner.db.acquire().await?;
        let mut orders = order_rows::load_active(conn.conn()).await?;
        if let Some(stage) = stage {
            orders.retain(|o| o.stage == stage);
        }
        Ok(orders)
    }

    /// Finished orders, finished in `[from, to)`, oldest first, at most `limit`.
    pub async fn finished_between(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<Order>, StoreError> {
        let mut conn = self.inner.db.acquire().await?;
        let (from, to) = (rows::to_millis(from), rows::to_millis(to));
        Ok(finished_rows::finished_between(conn.conn(), from, to, limit as i64).await?)
    }

    /// One page of the finished orders a search matches, newest first, and
    /// how many match in all.
    pub async fn history(
        &self,
        search: &finished_rows::HistorySearch,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<Order>, u64), StoreError> {
        let mut conn = self.inner.db.acquire().await?;
        let total = finished_rows::count_history(conn.conn(), search).await?;
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let orders =
            finished_rows::search_history(conn.conn(), search, limit as i64, offset).await?;
        Ok((orders, total.max(0) as u64))
    }

    /// The newest sequence number in the log.
    pub async fn head(&self) -> Result<u64, StoreError> {
        let mut conn = self.inner.db.acquire().await?;
        Ok(event_log::head(conn.conn()).await?)
    }

    /// Closes the database, waiting for its connections to come back.
    pub async fn close(&self) {
        self.inner.db.close().await
    }
}
