//! API keys for integrations: a till or a delivery platform sends
//! `Authorization: Bearer obk_…` and is allowed what the key's scopes allow
//! ([`Scope`]), from any address, without a staff session.
//!
//! - A key is 32 random bytes from the OS, URL-safe, after the prefix
//!   [`PREFIX`]; it is shown once, when made. The database keeps only its
//!   SHA-256, and a key is looked up by that hash.
//! - Revoking a key deletes its row. On the node that revoked it, the key is
//!   refused at once and its open staff streams end; the other nodes ask
//!   the database again after [`RECHECK`] at most, for requests and open
//!   streams alike.
//! - When a key was last used is kept in memory and written at most once per
//!   [`LAST_USED_EVERY`] per key, in the background: a request never waits
//!   on a write for it.

use super::RECHECK;
use super::{api_key_rows, session_rows::token_hash};
use crate::error::ApiError;
use crate::store::rows::{from_millis, to_millis};
use crate::store::Database;
use base64::Engine;
use orderboard_model::{ApiKeyInfo, CreatedApiKey, NewApiKey, Scope};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How every key begins, so that one found in a log or a repository is
/// recognised for what it is.
pub const PREFIX: &str = "obk_";
/// The random part: 32 bytes, URL-safe base64 without padding.
const SECRET_CHARS: usize = 43;
/// How many characters of a key staff see, to tell keys apart.
const HINT_CHARS: usize = PREFIX.len() + 6;
/// How often uses of keys are written down.
pub const LAST_USED_EVERY: Duration = Duration::from_secs(60);

/// A key that is not revoked, as a request presented it.
#[derive(Debug, Clone)]
pub struct ActiveKey {
    pub id: String,
    pub scopes: Vec<Scope>,
    /// Cancelled when the key is revoked on this node.
    pub revoked: CancellationToken,
}

impl ActiveKey {
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

struct Known {
    key: ActiveKey,
    confirmed: Instant,
}

pub struct ApiKeys {
    db: Database,
    /// The keys this node has seen, by hash.
    known: Mutex<HashMap<String, Known>>,
    /// Uses not yet written down: key id → Unix milliseconds.
    used: Mutex<HashMap<String, i64>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::Unauthorized(message.into())
}

/// Whether a presented key has the shape of one of ours.
fn well_formed(presented: &str) -> bool {
    presented.strip_prefix(PREFIX).is_some_and(|secret| {
        secret.len() == SECRET_CHARS
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

impl ApiKeys {
    pub fn new(db: Database) -> ApiKeys {
        ApiKeys {
            db,
            known: Mutex::default(),
            used: Mutex::default(),
        }
    }

    /// Makes a key; the answer holds it, this once.
    pub async fn create(&self, new: NewApiKey) -> Result<CreatedApiKey, ApiError> {
        let new = new.normalized().map_err(ApiError::Validation)?;
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
        let key = format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
        );
        let info = ApiKeyInfo {
            id: uuid::Uuid::new_v4().to_string(),
            name: new.name,
            scopes: new.scopes,
            hint: format!("{}…", &key[..HINT_CHARS]),
            created_at: crate::store::now(),
            last_used_at: None,
        };
        api_key_rows::insert(&self.db, &info, &token_hash(&key)).await?;
        tracing::info!(key = %info.id, name = %info.name, "API key created");
        Ok(CreatedApiKey { key, info })
    }

    /// Every key, with its uses up to now (those not yet written down too).
    pub async fn list(&self) -> Result<Vec<ApiKeyInfo>, ApiError> {
        let mut keys = api_key_rows::list(&self.db).await?;
        let used = lock(&self.used);
        for key in &mut keys {
            if let Some(at) = used.get(&key.id) {
                let at = from_millis(*at);
                if key.last_used_at.is_none_or(|before| before < at) {
                    key.last_used_at = Some(at);
                }
            }
        }
        Ok(keys)
    }

    /// Revokes a key everywhere; its open streams on this node end now.
    /// Whether it existed.
    pub async fn revoke(&self, id: &str) -> Result<bool, ApiError> {
        let existed = api_key_rows::delete(&self.db, id).await?;
        lock(&self.known).retain(|_, known| {
            let keep = known.key.id != id;
            if !keep {
                known.key.revoked.cancel();
            }
            keep
        });
        lock(&self.used).remove(id);
        if existed {
            tracing::info!(key = %id, "API key revoked");
        }
        Ok(existed)
    }

    /// The key a request presented, or 401: malformed, unknown or revoked.
    /// Returns its hash too (what [`ApiKeys::until_revoked`] checks). A key
    /// this node confirmed within [`RECHECK`] is taken as it is; if the
    /// database cannot be reached, a key this node knows stays valid.
    pub async fn authenticate(&self, presented: &str) -> Result<(String, ActiveKey), ApiError> {
        if !well_formed(presented) {
            return Err(unauthorized(
                "this is not an Orderboard API key (obk_ and 43 characters)",
            ));
        }
        let hash = token_hash(presented);
        let key = self
            .lookup(&hash)
            .await?
            .ok_or_else(|| unauthorized("this API key is unknown or revoked"))?;
        lock(&self.used).insert(key.id.clone(), to_millis(time::OffsetDateTime::now_utc()));
        Ok((hash, key))
    }

    async fn lookup(&self, hash: &str) -> Result<Option<ActiveKey>, ApiError> {
        let now = Instant::now();
        let known = lock(&self.known)
            .get(hash)
            .map(|k| (k.key.clone(), k.confirmed));
        if let Some((key, confirmed)) = &known {
            if now.duration_since(*confirmed) < RECHECK {
                return Ok(Some(key.clone()));
            }
        }
        match api_key_rows::by_hash(&self.db, hash).await {
            Ok(Some((id, scopes))) => {
                let key = ActiveKey {
                    id,
                    scopes: api_key_rows::parse_scopes(&scopes),
                    revoked: known.map(|(k, _)| k.revoked).unwrap_or_default(),
                };
                let entry = Known {
                    key: key.clone(),
                    confirmed: now,
                };
                lock(&self.known).insert(hash.to_string(), entry);
                Ok(Some(key))
            }
            Ok(None) => {
                if let Some(k) = lock(&self.known).remove(hash) {
                    k.key.revoked.cancel();
                }
                Ok(None)
            }
            Err(e) => match known {
                Some((key, _)) => {
                    tracing::warn!(error = %e, "checking an API key; keeping this node's copy");
                    Ok(Some(key))
                }
                None => Err(e.into()),
            },
        }
    }

    /// Completes when the key is revoked: on this node at once, on another
    /// within [`RECHECK`].
    pub async fn until_revoked(&self, hash: &str, key: ActiveKey) {
        let gone = async {
            loop {
                tokio::time::sleep(RECHECK).await;
                if let Ok(None) = self.lookup(hash).await {
                    return;
                }
            }
        };
        tokio::select! {
            _ = key.revoked.cancelled() => {}
            _ = gone => {}
        }
    }

    /// Writes down the uses seen since the last time: one write per key used.
    pub async fn write_last_used(&self) {
        let used = std::mem::take(&mut *lock(&self.used));
        for (id, at) in used {
            if let Err(e) = api_key_rows::set_last_used(&self.db, &id, at).await {
                tracing::warn!(error = %e, key = %id, "writing when an API key was last used");
                // Kept for the next round, unless a newer use came meanwhile.
                lock(&self.used).entry(id).or_insert(at);
            }
        }
    }

    /// Writes down uses every `every` until `stop` (the uses of the last
    /// interval before a shutdown are not written).
    pub async fn run_last_used(self: Arc<Self>, every: Duration, stop: CancellationToken) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tick.tick() => self.write_last_used().await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_shape_is_a_key() {
        let good = format!("{PREFIX}{}", "a".repeat(SECRET_CHARS));
        assert!(well_formed(&good));
        assert!(!well_formed(&good[1..]));
        assert!(!well_formed(&format!("{good}a")));
        assert!(!well_formed(&format!(
            "{PREFIX}{}",
            "é".repeat(SECRET_CHARS)
        )));
        assert!(!well_formed(""));
    }
}
