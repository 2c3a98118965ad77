//! The PostgreSQL writer: one task per node that applies the node's writes.
//!
//! It takes whatever writes are waiting (up to [`MAX_BATCH`]) and applies
//! them in one transaction, which first reads the one-row `log_head`
//! `FOR UPDATE`. That row lock is held until the commit, so the writers of
//! all nodes take turns: sequence numbers are handed out one after another
//! and commit in the order they were handed out, and display numbers are
//! chosen from a database no other writer is changing. The new head is
//! sent with `NOTIFY` in the same transaction (delivered at commit). After
//! the commit the writer wakes its node's tailer, waits for it to publish
//! the batch, and answers the requests.
//!
//! A refusal (a conflict, an unknown order) is decided before the change
//! writes anything, so it leaves the batch as it was. A database error
//! rolls the whole batch back and every change in it fails with 503.

use super::tailer::Tailer;
use super::CHANNEL;
use crate::feed::LogEvent;
use crate::store::database::Conn;
use crate::store::display_numbers::NEXT_FREE;
use crate::store::idempotency_rows::{self, Claim};
use crate::store::kitchen_rows;
use crate::store::rows::{items_json, kind_str, order_json, to_millis, ORDER_COLUMNS};
use crate::store::{
    changes, fail_all, now, order_rows, Reply, StoreError, WriteJob, WriteRequest, MAX_BATCH,
};
use orderboard_model::{
    Change, Channel, ItemBumpRequest, Menu, NewOrder, Order, OrderEvent, Settings, Stage,
    StageChangeRequest,
};
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use time::OffsetDateTime;
use tokio::sync::mpsc;
use uuid::Uuid;

pub struct Writer {
    /// The node's log pool (`db::postgres_log_pool`), shared with its
    /// tailer only: the writer never waits behind streams for a connection.
    pub pool: PgPool,
    /// This node's tailer, told of each commit.
    pub committed: Arc<Tailer>,
    pub write_lock: Arc<tokio::sync::Mutex<()>>,
}

impl Writer {
    pub(crate) async fn run(self, mut queue: mpsc::Receiver<WriteJob>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
            let jobs = std::mem::take(&mut batch);
            self.apply_batch(jobs).await;
        }
    }

    async fn apply_batch(&self, batch: Vec<WriteJob>) {
        let _writing = self.write_lock.lock().await;
        // The tailer must know where it starts before this node writes.
        if let Err(e) = self.committed.start_point(&self.pool).await {
            return fail_all(batch, e);
        }
        let mut tx = match self.pool.begin().await {
            Ok(tx) => tx,
            Err(e) => return fail_all(batch, e),
        };
        let head: i64 =
            match sqlx::query_scalar("SELECT seq FROM log_head WHERE singleton = 1 FOR UPDATE")
                .fetch_one(&mut *tx)
                .await
            {
                Ok(head) => head,
                Err(e) => return fail_all(batch, e),
            };
        let mut batch_state = Batch {
            next: head as u64,
            orders: HashMap::new(),
            settings: None,
            menu: None,
        };
        let mut outcomes: Vec<(Reply, Result<LogEvent, StoreError>)> =
            Vec::with_capacity(batch.len());
        let mut jobs = batch.into_iter();
        let mut failure: Option<String> = None;
        for job in jobs.by_ref() {
            let outcome = batch_state.apply(&mut tx, job.request, job.claim).await;
            let internal = match &outcome {
                Err(e @ (StoreError::Database(_) | StoreError::Unavailable(_))) => {
                    Some(e.to_string())
                }
                _ => None,
            };
            outcomes.push((job.reply, outcome));
            if internal.is_some() {
                failure = internal;
                break;
            }
        }
        let end = async {
            if let Some(e) = failure {
                return Err(e);
            }
            if batch_state.next > head as u64 {
                sqlx::query(&format!(
                    "WITH h AS (UPDATE log_head SET seq = $1 WHERE singleton = 1 RETURNING seq)
                     SELECT pg_notify('{CHANNEL}', seq::text) FROM h"
                ))
                .bind(batch_state.next as i64)
                .execute(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
            }
            tx.commit().await.map_err(|e| e.to_string())
        };
        if let Err(e) = end.await {
            // Dropping an unfinished transaction rolls it back.
            tracing::error!(error = %e, "writing a batch of order changes; rolled back");
            let replies = outcomes.into_iter().map(|(reply, _)| reply);
            for reply in replies.chain(jobs.map(|job| job.reply)) {
                let _ = reply.send(Err(StoreError::Unavailable("the database refused a write")));
            }
            return;
        }
        if batch_state.next > head as u64 {
            self.committed.committed(batch_state.next).await;
        }
        for (reply, outcome) in outcomes {
            let _ = reply.send(outcome.map(|event| match event {
                LogEvent::Order { event, .. } => event.order,
                LogEvent::Settings { .. } => unreachable!("the writer changes orders"),
            }));
        }
    }
}

/// What a batch has handed out and changed so far.
struct Batch {
    /// The last sequence number handed out.
    next: u64,
    /// The orders the batch has read or changed, as it left them.
    orders: HashMap<Uuid, Order>,
    /// The kitchen's settings, once a change of the batch needed them
    /// (read under the `log_head` lock, which their changes take too).
    settings: Option<Settings>,
    /// The menu, once a new order of the batch needed it.
    menu: Option<Menu>,
}

/// An order's row, its first history entry and its `created` event, in one
/// statement.
static INSERT_CREATED: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH o AS (
             INSERT INTO orders ({ORDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $15, $16, $17, $18, $19)
         ), h AS (
             INSERT INTO stage_history (order_id, position, stage, at) VALUES ($1, 0, $7, $9)
         )
         INSERT INTO events (seq, order_id, kind, from_stage, to_stage, at, order_json, board)
         VALUES ($12, $1, $13, NULL, $7, $9, $14, $20)"
    )
});

/// A change's row update and event, in one statement (its history
/// entries: [`INSERT_HISTORY`]).
const INSERT_CHANGED: &str = "WITH o AS (
         UPDATE orders SET stage = $2, version = $3, updated_at = $4, items = $5 WHERE id = $1
     )
     INSERT INTO events (seq, order_id, kind, from_stage, to_stage, at, order_json,
                         item_index, item_done, board)
     VALUES ($6, $1, $7, $8, $2, $4, $9, $10, $11, $12)";

/// One entry of an order's stage history.
const INSERT_HISTORY: &str =
    "INSERT INTO stage_history (order_id, position, stage, at) VALUES ($1, $2, $3, $4)";

impl Batch {
    /// One change, and under an `Idempotency-Key` its answer: the key is
    /// claimed first (waiting for another node that holds it), then filled
    /// in with the answer, or let go if the change is refused.
    async fn apply(
        &mut self,
        tx: &mut PgConnection,
        request: WriteRequest,
        claim: Option<Claim>,
    ) -> Result<LogEvent, StoreError> {
        if let Some(claim) = &claim {
            if !idempotency_rows::claim(tx, claim).await? {
                return Err(StoreError::AlreadyAnswered);
            }
        }
        let creates = request.creates();
        let outcome = match request {
            WriteRequest::Create(new) => self.create(tx, new).await,
            WriteRequest::ChangeStage(id, request) => self.change_stage(tx, id, request).await,
            WriteRequest::BumpItem(id, index, request) => {
                self.bump_item(tx, id, index, request).await
            }
        };
        let Some(claim) = &claim else {
            return outcome;
        };
        match &outcome {
            Ok(event) => {
                let order = &event.order_event().expect("an order's change").order;
                let answer = idempotency_rows::answer_for(creates, order);
                idempotency_rows::fill(tx, claim, answer).await?;
            }
            Err(StoreError::Database(_) | StoreError::Unavailable(_)) => {}
            Err(_) => idempotency_rows::release(tx, claim).await?,
        }
        outcome
    }

    async fn create(
        &mut self,
        tx: &mut PgConnection,
        mut new: NewOrder,
    ) -> Result<LogEvent, StoreError> {
        if self.menu.is_none() {
            self.menu = Some(kitchen_rows::load_menu(Conn::Postgres(&mut *tx)).await?);
        }
        self.settings(tx).await?;
        let (Some(settings), Some(menu)) = (&self.settings, &self.menu) else {
            unreachable!("both just loaded");
        };
        changes::resolve_stations(&mut new, settings, menu)?;
        if let Some(r) = &new.external_ref {
            if let Some(existing) =
                order_rows::load_order_by_external_ref(Conn::Postgres(&mut *tx), r).await?
            {
                return Err(changes::external_ref_in_use(&existing));
            }
        }
        let free: Option<i64> = sqlx::query_scalar(NEXT_FREE.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(number) = free else {
            return Err(StoreError::NoFreeNumber);
        };
        sqlx::query("UPDATE display_number SET last = $1 WHERE singleton = 1")
            .bind(number)
            .execute(&mut *tx)
            .await?;
        let at = now();
        let (order, change) = changes::new_order(new, number as u32, at);
        let board = self.on_board(tx, &order, &change).await?;
        let fire_at = match order.due_at {
            Some(_) => {
                let settings = self.settings(tx).await?.clone();
                crate::store::fire_times::fire_time(Conn::Postgres(&mut *tx), &order, &settings)
                    .await?
            }
            None => None,
        };
        let seq = self.next + 1;
        sqlx::query(INSERT_CREATED.as_str())
            .bind(order.id.to_string())
            .bind(order.number as i64)
            .bind(order.customer.clone())
            .bind(order.channel.as_str())
            .bind(items_json(&order))
            .bind(order.note.clone())
            .bind(order.stage.as_str())
            .bind(order.version as i64)
            .bind(to_millis(order.created_at))
            .bind(to_millis(order.updated_at))
            .bind(order.tracking_token.clone())
            .bind(seq as i64)
            .bind(kind_str(change.kind))
            .bind(order_json(&order))
            .bind(order.external_ref.as_ref().map(|r| r.source.clone()))
            .bind(order.external_ref.as_ref().map(|r| r.id.clone()))
            .bind(order.table.clone())
            .bind(order.due_at.map(to_millis))
            .bind(fire_at.map(to_millis))
            .bind(board)
            .execute(&mut *tx)
            .await?;
        self.next = seq;
        self.orders.insert(order.id, order.clone());
        Ok(event(seq, at, change, order, board))
    }

    async fn settings(&mut self, tx: &mut PgConnection) -> Result<&Settings, StoreError> {
        if self.settings.is_none() {
            self.settings = Some(kitchen_rows::load_settings(Conn::Postgres(tx)).await?);
        }
        Ok(self.settings.as_ref().expect("just loaded"))
    }

    async fn on_board(
        &mut self,
        tx: &mut PgConnection,
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

    async fn load(&mut self, tx: &mut PgConnection, id: Uuid) -> Result<Order, StoreError> {
        match self.orders.get(&id) {
            Some(order) => Ok(order.clone()),
            None => order_rows::load_order(Conn::Postgres(&mut *tx), id)
                .await?
                .ok_or(StoreError::NotFound),
        }
    }

    async fn bump_item(
        &mut self,
        tx: &mut PgConnection,
        id: Uuid,
        index: u16,
        request: ItemBumpRequest,
    ) -> Result<LogEvent, StoreError> {
        let order = self.load(tx, id).await?;
        let auto_ready = self.settings(tx).await?.auto_ready;
        let at = now();
        let planned = changes::item_bump(&order, index, &request, auto_ready, at)?;
        self.write_planned(tx, &order, planned, at).await
    }

    async fn change_stage(
        &mut self,
        tx: &mut PgConnection,
        id: Uuid,
        request: StageChangeRequest,
    ) -> Result<LogEvent, StoreError> {
        let order = self.load(tx, id).await?;
        let at = now();
        let planned = changes::stage_change(&order, &request, at)?;
        if planned.reopens
            && order_rows::number_taken_by_other(Conn::Postgres(&mut *tx), order.number, id).await?
        {
            return Err(changes::number_in_use(&order));
        }
        self.write_planned(tx, &order, planned, at).await
    }

    /// Writes a checked change: the order's row, its new history entries,
    /// its event.
    async fn write_planned(
        &mut self,
        tx: &mut PgConnection,
        before: &Order,
        planned: changes::Planned,
        at: OffsetDateTime,
    ) -> Result<LogEvent, StoreError> {
        let after = planned.order;
        let id = after.id;
        let board = self.on_board(tx, &after, &planned.change).await?;
        for position in before.history.len()..after.history.len() {
            sqlx::query(INSERT_HISTORY)
                .bind(id.to_string())
                .bind(position as i64)
                .bind(after.history[position].stage.as_str())
                .bind(to_millis(after.history[position].at))
                .execute(&mut *tx)
                .await?;
        }
        let seq = self.next + 1;
        sqlx::query(INSERT_CHANGED)
            .bind(id.to_string())
            .bind(after.stage.as_str())
            .bind(after.version as i64)
            .bind(to_millis(at))
            .bind(items_json(&after))
            .bind(seq as i64)
            .bind(kind_str(planned.change.kind))
            .bind(planned.change.from.map(Stage::as_str))
            .bind(order_json(&after))
            .bind(planned.change.item.map(|i| i64::from(i.index)))
            .bind(planned.change.item.map(|i| i.done))
            .bind(board)
            .execute(&mut *tx)
            .await?;
        self.next = seq;
        self.orders.insert(id, after.clone());
        Ok(event(seq, at, planned.change, after, board))
    }
}

fn event(seq: u64, at: OffsetDateTime, change: Change, order: Order, board: bool) -> LogEvent {
    LogEvent::Order {
        event: OrderEvent {
            seq,
            at,
            change,
            order,
        },
        board,
    }
}
