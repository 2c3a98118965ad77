//! `Idempotency-Key`: a change sent again with the same key gets the first
//! answer again instead of being made twice.
//!
//! One layer ([`replay_or_run`]) in front of each change endpoint, written
//! once where the router is built; the handler hands the request's
//! [`Claim`] to the order store, whose writer keeps the answer in the same
//! transaction as the change (`store::idempotency_rows`). A new change
//! endpoint gets it with `.route_layer(idempotent())` where the router is
//! built (`crate::api_routes`), its handler taking `Option<Extension<Claim>>`
//! and handing it to its write (as `routes::orders::create` does).
//!
//! - The key is 1 to 255 visible ASCII characters; otherwise `400`.
//! - Keys are per caller (staff, or one API key): two integrations never
//!   collide.
//! - The same key with the same request (method, path and JSON body, key
//!   order and spacing aside) gets the first answer: its status and body,
//!   with `Idempotent-Replayed: true`; nothing is changed. With another
//!   request: `422 idempotency_key_reused`.
//! - Concurrent requests with one key on one node wait for each other: the
//!   first is answered, the others get its answer replayed. Across nodes
//!   (PostgreSQL), the writer's claim on the key waits for the other node's
//!   transaction; a request that finds the key taken while the other is
//!   still being answered gets `409 idempotency_in_progress` with
//!   `Retry-After`.
//! - Only answers that changed something are kept: a refused request (a
//!   conflict, a validation error) may be sent again with the same key.
//! - Records are kept at least 24 hours (pruned by `retention`).

use crate::auth::guard::Caller;
use crate::error::{AnsweredElsewhere, ApiError, MAX_BODY_BYTES};
use crate::store::idempotency_rows::{self, StoredAnswer};
use crate::store::{Claim, Database};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The answer's header on a replay.
pub const REPLAYED: &str = "idempotent-replayed";
/// The longest key.
pub const MAX_KEY_CHARS: usize = 255;

/// What the layer takes.
#[derive(Clone)]
pub struct Idempotency {
    pub db: Database,
    pub in_flight: Arc<InFlight>,
}

/// A caller's key: (`Caller::name`, the key).
type CallerKey = (String, String);

/// The keys being answered on this node: one request at a time per key.
#[derive(Default)]
pub struct InFlight {
    keys: Mutex<HashMap<CallerKey, Arc<tokio::sync::Mutex<()>>>>,
}

/// A key held while its request is answered.
struct Held {
    in_flight: Arc<InFlight>,
    id: CallerKey,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl InFlight {
    async fn hold(self: &Arc<Self>, caller: &str, key: &str) -> Held {
        let id = (caller.to_string(), key.to_string());
        let mutex = self
            .keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(id.clone())
            .or_default()
            .clone();
        Held {
            in_flight: self.clone(),
            id,
            guard: Some(mutex.lock_owned().await),
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut keys = self
            .in_flight
            .keys
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // Forgotten once no other request holds or waits for it.
        if keys
            .get(&self.id)
            .is_some_and(|m| Arc::strong_count(m) == 1)
        {
            keys.remove(&self.id);
        }
    }
}

/// The key a request carries, if any; `400` if it is malformed.
pub fn key_of(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    let bytes = value.as_bytes();
    if bytes.is_empty()
        || bytes.len() > MAX_KEY_CHARS
        || !bytes.iter().all(|b| b.is_ascii_graphic())
    {
        return Err(ApiError::BadRequest(format!(
            "Idempotency-Key must be 1 to {MAX_KEY_CHARS} visible ASCII characters"
        )));
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

/// JSON with every object's keys sorted, so that one request hashes the
/// same however its client spaced and ordered it.
fn canonical(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, canonical(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

/// The SHA-256 of the request: method, path and body (canonical JSON, or
/// the bytes as sent when they are not JSON).
pub fn request_hash(method: &str, path: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update(b" ");
    hasher.update(path.as_bytes());
    hasher.update(b"\n");
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(json) => hasher.update(canonical(json).to_string().as_bytes()),
        Err(_) => hasher.update(body),
    }
    hasher
        .finalize()
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// The first answer again, or why not.
fn replay(stored: StoredAnswer, request_hash: &str) -> Result<Response, ApiError> {
    if stored.request_hash != request_hash {
        return Err(ApiError::IdempotencyKeyReused(
            "this Idempotency-Key was used with a different request; use a new key for a new request"
                .into(),
        ));
    }
    let status = StatusCode::from_u16(stored.status)
        .ok()
        .filter(|s| s.is_success())
        .ok_or(ApiError::IdempotencyInProgress)?;
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(location) = stored.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, location);
    }
    headers.insert(
        HeaderName::from_static(REPLAYED),
        HeaderValue::from_static("true"),
    );
    Ok(response)
}

/// The layer: replays the first answer for a key already answered, or runs
/// the request with its [`Claim`] (which the handler hands to the store).
pub async fn replay_or_run(
    State(idempotency): State<Idempotency>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(key) = key_of(request.headers())? else {
        return Ok(next.run(request).await);
    };
    let caller = request
        .extensions()
        .get::<Caller>()
        .cloned()
        .unwrap_or(Caller::Staff)
        .name();
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::PayloadTooLarge(format!("the body is larger than {MAX_BODY_BYTES} bytes"))
        })?;
    let path = parts
        .uri
        .path_and_query()
        .map_or(parts.uri.path(), |p| p.as_str());
    let request_hash = request_hash(parts.method.as_str(), path, &body);
    let _held = idempotency.in_flight.hold(&caller, &key).await;
    if let Some(stored) = idempotency_rows::find(&idempotency.db, &caller, &key).await? {
        return replay(stored, &request_hash);
    }
    let mut request = Request::from_parts(parts, Body::from(body));
    request.extensions_mut().insert(Claim {
        caller: caller.clone(),
        key: key.clone(),
        request_hash: request_hash.clone(),
    });
    let response = next.run(request).await;
    // Another node answered the key first: its answer, if it is there yet.
    if response.extensions().get::<AnsweredElsewhere>().is_some() {
        if let Some(stored) = idempotency_rows::find(&idempotency.db, &caller, &key).await? {
            return replay(stored, &request_hash);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_request_hashes_the_same_however_it_is_spaced_or_ordered() {
        let a = request_hash(
            "POST",
            "/api/orders",
            br#"{"a": 1, "b": {"y": 2, "x": [1, 2]}}"#,
        );
        let b = request_hash("POST", "/api/orders", br#"{"b":{"x":[1,2],"y":2},"a":1}"#);
        assert_eq!(a, b);
        assert_ne!(a, request_hash("POST", "/api/orders", br#"{"a": 2}"#));
        assert_ne!(
            a,
            request_hash(
                "POST",
                "/api/other",
                br#"{"a": 1, "b": {"y": 2, "x": [1, 2]}}"#
            )
        );
    }

    #[test]
    fn a_key_is_1_to_255_visible_ascii_characters() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(HEADER, HeaderValue::from_str(v).unwrap());
            key_of(&h)
        };
        assert_eq!(with("order-1043").unwrap().as_deref(), Some("order-1043"));
        assert!(with(&"k".repeat(255)).unwrap().is_some());
        assert!(with(&"k".repeat(256)).is_err());
        assert!(with("").is_err());
        assert!(with("a b").is_err());
        assert_eq!(key_of(&HeaderMap::new()).unwrap(), None);
    }
}
