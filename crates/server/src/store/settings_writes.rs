//! Changing the kitchen's settings: the settings row and a `settings`
//! event in the log, in one transaction, under the store's write lock (so
//! that it takes its turn with the writer's batches and is published in
//! sequence order, like any change).
//!
//! When the change puts dine-in orders on or off the board, the event
//! also keeps what boards show from then on, read in the same
//! transaction: boards are sent it as a `reset` (`crate::wire`).

use super::database::Conn;
use super::postgres::CHANNEL;
use super::{kitchen_rows, now, rows, snapshots, OrderStore, StoreError};
use crate::feed::{Committed, LogEvent};
use orderboard_model::{BoardSnapshot, Settings, SettingsEvent};
use std::sync::atomic::Ordering;
use std::sync::Arc;

impl OrderStore {
    /// Keeps new settings (already validated) and logs the change.
    pub async fn save_settings(&self, settings: Settings) -> Result<Settings, StoreError> {
        let _writing = self.lock_writes().await;
        let json = serde_json::to_string(&settings).expect("settings serialize");
        let at = now();
        match self.database() {
            super::Database::Sqlite(pool) => {
                // IMMEDIATE: the write lock is taken at once, so that the
                // read of the settings before is never refused an upgrade
                // by another connection's write (webhook cursors, sessions).
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let before = kitchen_rows::load_settings(Conn::Sqlite(&mut tx)).await?;
                sqlx::query(kitchen_rows::SAVE_SETTINGS)
                    .bind(&json)
                    .execute(&mut *tx)
                    .await?;
                let seq: i64 = sqlx::query_scalar(
                    "INSERT INTO events (order_id, kind, at, settings_json)
                     VALUES (NULL, 'settings', $1, $2) RETURNING seq",
                )
                .bind(rows::to_millis(at))
                .bind(&json)
                .fetch_one(&mut *tx)
                .await?;
                let seq = seq as u64;
                let board_reset = if before.dine_in_on_board != settings.dine_in_on_board {
                    let board =
                        snapshots::board_orders(Conn::Sqlite(&mut tx), seq, &settings).await?;
                    sqlx::query("UPDATE events SET board_json = $1 WHERE seq = $2")
                        .bind(board_json(&board))
                        .bind(seq as i64)
                        .execute(&mut *tx)
                        .await?;
                    Some(board)
                } else {
                    None
                };
                tx.commit().await?;
                let event = LogEvent::Settings {
                    event: SettingsEvent {
                        seq,
                        settings: settings.clone(),
                    },
                    at,
                    board_reset,
                };
                self.inner.last_published.store(seq, Ordering::Release);
                self.feed().publish(Arc::new(Committed::new(event)));
            }
            super::Database::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let head: i64 =
                    sqlx::query_scalar("SELECT seq FROM log_head WHERE singleton = 1 FOR UPDATE")
                        .fetch_one(&mut *tx)
                        .await?;
                let seq = head + 1;
                let before = kitchen_rows::load_settings(Conn::Postgres(&mut tx)).await?;
                sqlx::query(kitchen_rows::SAVE_SETTINGS)
                    .bind(&json)
                    .execute(&mut *tx)
                    .await?;
                let board = if before.dine_in_on_board != settings.dine_in_on_board {
                    let board =
                        snapshots::board_orders(Conn::Postgres(&mut tx), seq as u64, &settings)
                            .await?;
                    Some(board_json(&board))
                } else {
                    None
                };
                sqlx::query(
                    "INSERT INTO events (seq, order_id, kind, at, settings_json, board_json)
                     VALUES ($1, NULL, 'settings', $2, $3, $4)",
                )
                .bind(seq)
                .bind(rows::to_millis(at))
                .bind(&json)
                .bind(board)
                .execute(&mut *tx)
                .await?;
                // The node's log tailer publishes it, as every change.
                sqlx::query(&format!(
                    "WITH h AS (UPDATE log_head SET seq = $1 WHERE singleton = 1 RETURNING seq)
                     SELECT pg_notify('{CHANNEL}', seq::text) FROM h"
                ))
                .bind(seq)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
        }
        Ok(settings)
    }

    /// The settings as they stand.
    pub async fn settings(&self) -> Result<Settings, StoreError> {
        let mut conn = self.database().acquire().await?;
        Ok(kitchen_rows::load_settings(conn.conn()).await?)
    }
}

fn board_json(board: &BoardSnapshot) -> String {
    serde_json::to_string(board).expect("a board snapshot serializes")
}
