//! Staff sessions and failed sign-ins in the database, on either backend.
//!
//! A session is kept only as the SHA-256 of its token, so that reading the
//! database does not give anyone a session. Times are Unix milliseconds.

use crate::store::database::on_pool;
use crate::store::Database;
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// What the database keeps of a session token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

pub async fn insert(db: &Database, hash: &str, expires_at: i64) -> Result<(), sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query("INSERT INTO staff_sessions (token_hash, expires_at) VALUES ($1, $2)")
            .bind(hash)
            .bind(expires_at)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// When the session ends, if it exists and has not ended by `now`.
pub async fn expires_at(db: &Database, hash: &str, now: i64) -> Result<Option<i64>, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query_scalar(
            "SELECT expires_at FROM staff_sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(hash)
        .bind(now)
        .fetch_optional(pool)
        .await
    })
}

pub async fn delete(db: &Database, hash: &str) -> Result<(), sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1")
            .bind(hash)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Forgets the sessions that ended before `now`.
pub async fn delete_expired(db: &Database, now: i64) -> Result<(), sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query("DELETE FROM staff_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// A client's failed sign-ins so far, and until when it must wait.
pub async fn failures(db: &Database, client: &str) -> Result<Option<(i64, i64)>, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query_as("SELECT count, wait_until FROM sign_in_failures WHERE client = $1")
            .bind(client)
            .fetch_optional(pool)
            .await
    })
}

/// Counts one more failure; returns the count.
pub async fn count_failure(db: &Database, client: &str) -> Result<i64, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query_scalar(
            "INSERT INTO sign_in_failures (client, count, wait_until) VALUES ($1, 1, 0)
             ON CONFLICT (client) DO UPDATE SET count = sign_in_failures.count + 1
             RETURNING count",
        )
        .bind(client)
        .fetch_one(pool)
        .await
    })
}

pub async fn set_wait(db: &Database, client: &str, until: i64) -> Result<(), sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query("UPDATE sign_in_failures SET wait_until = $2 WHERE client = $1")
            .bind(client)
            .bind(until)
            .execute(pool)
            .await?;
    });
    Ok(())
}

pub async fn clear_failures(db: &Database, client: &str) -> Result<(), sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query("DELETE FROM sign_in_failures WHERE client = $1")
            .bind(client)
            .execute(pool)
            .await?;
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_token_is_kept_as_its_sha256() {
        assert_eq!(
            super::token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
