//! The staff passphrase, kept hashed in the database.
//!
//! A passphrase given on the command line (or in the environment) replaces
//! the stored one when the server starts; without one, the stored hash is
//! used, so a passphrase set on first run from the dispatcher survives
//! restarts. Only the argon2 hash is ever written.

use super::Sessions;
use crate::store::database::on_pool;
use crate::store::rows::to_millis;
use crate::store::Database;

/// Brings the running server and the database into agreement, at start.
pub async fn sync(db: &Database, sessions: &Sessions) -> Result<(), sqlx::Error> {
    match sessions.passphrase_hash() {
        Some(phc) => save(db, &phc).await,
        None => {
            if let Some(phc) = load(db).await? {
                sessions.set_passphrase_hash(phc);
            }
            Ok(())
        }
    }
}

pub async fn load(db: &Database) -> Result<Option<String>, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query_scalar("SELECT phc FROM staff_passphrase WHERE singleton = 1")
            .fetch_optional(pool)
            .await
    })
}

pub async fn save(db: &Database, phc: &str) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO staff_passphrase (singleton, phc, set_at) VALUES (1, $1, $2)
         ON CONFLICT (singleton) DO UPDATE SET phc = excluded.phc, set_at = excluded.set_at";
    let set_at = to_millis(crate::store::now());
    on_pool!(db, pool => {
        sqlx::query(sql).bind(phc).bind(set_at).execute(pool).await?;
    });
    Ok(())
}
