//! The staff passphrase, kept hashed in the database.
//!
//! A passphrase given on the command line (or in the environment) replaces
//! the stored one when the server starts; without one, the stored hash is
//! used, so a passphrase set on first run from the dispatcher survives
//! restarts. Only the argon2 hash is ever written.

use super::Sessions;
use crate::store::order_rows::to_millis;
use sqlx::SqlitePool;

/// Brings the running server and the database into agreement, at start.
pub async fn sync(pool: &SqlitePool, sessions: &Sessions) -> Result<(), sqlx::Error> {
    match sessions.passphrase_hash() {
        Some(phc) => save(pool, &phc).await,
        None => {
            if let Some(phc) = load(pool).await? {
                sessions.set_passphrase_hash(phc);
            }
            Ok(())
        }
    }
}

pub async fn load(pool: &SqlitePool) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT phc FROM staff_passphrase WHERE singleton = 1")
        .fetch_optional(pool)
        .await
}

pub async fn save(pool: &SqlitePool, phc: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO staff_passphrase (singleton, phc, set_at) VALUES (1, ?, ?)
         ON CONFLICT (singleton) DO UPDATE SET phc = excluded.phc, set_at = excluded.set_at",
    )
    .bind(phc)
    .bind(to_millis(crate::store::now()))
    .execute(pool)
    .await?;
    Ok(())
}
