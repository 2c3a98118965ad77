//! The order store: the only code that writes orders.
//!
//! Each write takes the store's write lock, commits one SQLite transaction
//! (the order, its stage history and one event-log entry), then publishes the
//! change to the feed while still holding the lock. So publish order is
//! sequence order, and nothing is published that was not committed. Writes run
//! on their own task: a client that hangs up mid-request cannot leave a change
//! committed but unpublished.

pub mod event_log;
pub mod order_rows;
pub mod snapshots;
mod display_numbers;
mod tracking_token;

use crate::error::ApiError;
use crate::feed::{ChangeFeed, PublishedChange};
use orderboard_model::{
    Change, ChangeKind, ErrorCode, NewOrder, Order, OrderEvent, Stage, StageChangeRequest, StageEntry,
};
use sqlx::SqlitePool;
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::Mutex;
use uuid::Uuid;

#[derive(Clone)]
pub struct OrderStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: SqlitePool,
    write_lock: Mutex<()>,
    feed: Arc<dyn ChangeFeed>,
}

/// The current time, at the millisecond precision the database keeps.
pub fn now() -> OffsetDateTime {
    order_rows::from_millis(order_rows::to_millis(OffsetDateTime::now_utc()))
}

impl OrderStore {
    pub fn new(pool: SqlitePool, feed: Arc<dyn ChangeFeed>) -> Self {
        OrderStore { inner: Arc::new(Inner { pool, write_lock: Mutex::new(()), feed }) }
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.inner.pool
    }

    pub fn feed(&self) -> &Arc<dyn ChangeFeed> {
        &self.inner.feed
    }

    /// Creates an order in its first stage.
    pub async fn create(&self, new: NewOrder) -> Result<Order, ApiError> {
        let new = new.normalized().map_err(ApiError::Validation)?;
        let inner = self.inner.clone();
        run_to_completion(async move { inner.create(new).await }).await
    }

    /// Moves an order to another stage, if the stage machine allows it.
    pub async fn change_stage(&self, id: Uuid, request: StageChangeRequest) -> Result<Order, ApiError> {
        let inner = self.inner.clone();
        run_to_completion(async move { inner.change_stage(id, request).await }).await
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

/// Runs a write on its own task so that it finishes, publish included, even
/// if the request that asked for it is dropped.
async fn run_to_completion<T: Send + 'static>(
    write: impl std::future::Future<Output = Result<T, ApiError>> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::spawn(write).await {
        Ok(result) => result,
        Err(e) => Err(ApiError::Internal(anyhow::anyhow!("write task failed: {e}"))),
    }
}

impl Inner {
    async fn create(&self, new: NewOrder) -> Result<Order, ApiError> {
        let _writer = self.write_lock.lock().await;
        let mut tx = self.pool.begin().await?;
        let number = display_numbers::next_free(&mut tx).await?;
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
        order_rows::insert_order(&mut tx, &order).await?;
        order_rows::insert_history_entry(&mut tx, order.id, 0, first, at).await?;
        let change = Change { from: None, to: first, kind: ChangeKind::Created };
        let seq = event_log::append(&mut tx, &order, change, at).await?;
        tx.commit().await?;
        self.publish(OrderEvent { seq, at, change, order: order.clone() });
        Ok(order)
    }

    async fn change_stage(&self, id: Uuid, request: StageChangeRequest) -> Result<Order, ApiError> {
        let _writer = self.write_lock.lock().await;
        let mut tx = self.pool.begin().await?;
        let Some(mut order) = order_rows::load_order(&mut tx, id).await? else {
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
        if order.stage.is_final() && !request.to.is_final()
            && order_rows::number_taken_by_other(&mut tx, order.number, order.id).await?
        {
            return Err(conflict(
                ErrorCode::NumberInUse,
                format!("order #{} cannot come back: another active order has number {}", order.number, order.number),
                &order,
            ));
        }
        let at = now();
        let change = Change { from: Some(order.stage), to: transition.to, kind: transition.kind };
        order.stage = transition.to;
        order.version += 1;
        order.updated_at = at;
        order.history.push(StageEntry { stage: transition.to, at });
        order_rows::update_stage(&mut tx, &order).await?;
        order_rows::insert_history_entry(&mut tx, order.id, order.history.len() - 1, transition.to, at).await?;
        let seq = event_log::append(&mut tx, &order, change, at).await?;
        tx.commit().await?;
        self.publish(OrderEvent { seq, at, change, order: order.clone() });
        Ok(order)
    }

    fn publish(&self, event: OrderEvent) {
        self.feed.publish(Arc::new(PublishedChange::encode(&event)));
    }
}
