//! API keys in the database, on either backend. A key is kept only as the
//! SHA-256 of its text ([`super::session_rows::token_hash`]); times are
//! Unix milliseconds.

use crate::store::database::on_pool;
use crate::store::rows::from_millis;
use crate::store::Database;
use orderboard_model::{ApiKeyInfo, Scope};

/// Scopes as the database keeps them: names separated by spaces.
pub fn scopes_text(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Scopes read back; a name this version does not know is left out.
pub fn parse_scopes(text: &str) -> Vec<Scope> {
    text.split_whitespace().filter_map(Scope::parse).collect()
}

pub async fn insert(db: &Database, info: &ApiKeyInfo, key_hash: &str) -> Result<(), sqlx::Error> {
    let created_at = crate::store::rows::to_millis(info.created_at);
    on_pool!(db, pool => {
        sqlx::query(
            "INSERT INTO api_keys (id, name, scopes, key_hash, hint, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&info.id)
        .bind(&info.name)
        .bind(scopes_text(&info.scopes))
        .bind(key_hash)
        .bind(&info.hint)
        .bind(created_at)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// The id and scopes of the key with this hash, if it exists (is not revoked).
pub async fn by_hash(
    db: &Database,
    key_hash: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query_as("SELECT id, scopes FROM api_keys WHERE key_hash = $1")
            .bind(key_hash)
            .fetch_optional(pool)
            .await
    })
}

type KeyRow = (String, String, String, String, i64, Option<i64>);

/// Every key, oldest first.
pub async fn list(db: &Database) -> Result<Vec<ApiKeyInfo>, sqlx::Error> {
    let rows: Vec<KeyRow> = on_pool!(db, pool => {
        sqlx::query_as(
            "SELECT id, name, scopes, hint, created_at, last_used_at FROM api_keys
             ORDER BY created_at, id",
        )
        .fetch_all(pool)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(
            |(id, name, scopes, hint, created_at, last_used_at)| ApiKeyInfo {
                id,
                name,
                scopes: parse_scopes(&scopes),
                hint,
                created_at: from_millis(created_at),
                last_used_at: last_used_at.map(from_millis),
            },
        )
        .collect())
}

/// Revokes a key; whether it existed.
pub async fn delete(db: &Database, id: &str) -> Result<bool, sqlx::Error> {
    let deleted = on_pool!(db, pool => {
        sqlx::query("DELETE FROM api_keys WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(deleted > 0)
}

/// Writes down when a key was last used (never moving it back).
pub async fn set_last_used(db: &Database, id: &str, at: i64) -> Result<(), sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query(
            "UPDATE api_keys SET last_used_at = $2
             WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)",
        )
        .bind(id)
        .bind(at)
        .execute(pool)
        .await?;
    });
    Ok(())
}
