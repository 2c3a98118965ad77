//! The middleware in front of every staff endpoint. Each staff route says
//! once what it needs ([`Need`]) where the router is built; this checks the
//! caller against it, and ends a staff stream when its session expires or
//! is signed out, or when its API key is revoked.

use super::api_keys::ApiKeys;
use super::routes::token_of;
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::stream_answer::DirectStream;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt;
use orderboard_model::Scope;
use std::sync::Arc;

/// What a staff route needs of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Staff, or an API key with this scope.
    Scope(Scope),
    /// Staff only (settings, keys, the demo, the workshop): API keys get 403.
    Staff,
}

/// Who made a staff request, for what comes after the guard (such as the
/// idempotency records, kept per caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A signed-in member of staff, or this computer without a passphrase.
    Staff,
    /// An integration, by its API key's id.
    Key(String),
}

impl Caller {
    /// The caller's name in the database: `staff` or `key:<id>`.
    pub fn name(&self) -> String {
        match self {
            Caller::Staff => "staff".into(),
            Caller::Key(id) => format!("key:{id}"),
        }
    }
}

/// What the guard takes: the sessions and the keys.
#[derive(Clone)]
pub struct Guard {
    pub sessions: Arc<super::Sessions>,
    pub keys: Arc<ApiKeys>,
}

/// The API key a request presents as `Authorization: Bearer …`, if any. A
/// bearer credential that is not ours is still returned, to be refused.
fn bearer(headers: &HeaderMap) -> Option<Result<String, ApiError>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let parsed = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim().to_string());
    Some(
        parsed.ok_or_else(|| {
            ApiError::Unauthorized("Authorization must be: Bearer <API key>".into())
        }),
    )
}

/// Lets a staff request through, or refuses it.
///
/// - With an API key: 401 if it is malformed, unknown or revoked; 403 if
///   the route needs a scope it lacks, or is for staff only. From any address.
/// - Otherwise: 401 without a live session when a passphrase is set, 403
///   from another machine when none is. The machine is the request's
///   [`ClientAddr`]: behind a trusted proxy, the address it forwarded, not
///   the proxy's.
pub async fn require(
    State((guard, need)): State<(Guard, Need)>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if let Some(presented) = bearer(request.headers()) {
        let (hash, key) = guard.keys.authenticate(&presented?).await?;
        match need {
            Need::Scope(scope) if key.allows(scope) => {}
            Need::Scope(scope) => {
                return Err(ApiError::Forbidden(format!(
                    "this API key lacks the scope {scope}"
                )))
            }
            Need::Staff => {
                return Err(ApiError::Forbidden(
                    "this endpoint is for signed-in staff only, not for API keys".into(),
                ))
            }
        }
        request.extensions_mut().insert(Caller::Key(key.id.clone()));
        let response = next.run(request).await;
        // A staff stream ends when its key is revoked, on whichever node.
        if let Some(direct) = response.extensions().get::<DirectStream>() {
            let keys = guard.keys.clone();
            let until = async move { keys.until_revoked(&hash, key).await };
            direct.wrap(|frames| frames.take_until(until).boxed());
        }
        return Ok(response);
    }
    let sessions = guard.sessions;
    request.extensions_mut().insert(Caller::Staff);
    if !sessions.sign_in_required() {
        let loopback = ClientAddr::of(request.extensions()).is_some_and(|ip| ip.is_loopback());
        if loopback {
            return Ok(next.run(request).await);
        }
        return Err(ApiError::Forbidden(
            "no staff passphrase is set, so staff requests are accepted from this computer only"
                .into(),
        ));
    }
    let unauthorized =
        || ApiError::Unauthorized("sign in as staff first (POST /api/session)".into());
    let token = token_of(request.headers()).ok_or_else(unauthorized)?;
    let session = sessions.lookup(&token).await?.ok_or_else(unauthorized)?;
    let response = next.run(request).await;
    // A staff stream ends when its session does, on whichever node.
    if let Some(direct) = response.extensions().get::<DirectStream>() {
        let until = async move { sessions.until_ended(&token, session).await };
        direct.wrap(|frames| frames.take_until(until).boxed());
    }
    Ok(response)
}
