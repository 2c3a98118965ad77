//! `/api/session`: staff sign in and out, and the desktop windows trade their
//! one-time ticket for a session.

use super::{Session, COOKIE};
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, ApiJson};
use crate::store::OrderStore;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use cookie::{Cookie, SameSite};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub passphrase: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DesktopSignIn {
    pub ticket: String,
}

/// The body of `GET /api/session`.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionStatus {
    /// A passphrase is set: staff requests need a session.
    pub sign_in_required: bool,
    /// This request carries a live session.
    pub signed_in: bool,
}

fn cookie_header(token: &str, max_age: time::Duration) -> HeaderValue {
    let cookie = Cookie::build((COOKIE, token.to_string()))
        .path("/api")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(max_age)
        .build();
    HeaderValue::from_str(&cookie.to_string()).expect("a cookie is a valid header")
}

fn signed_in((token, session): (String, Session)) -> Response {
    let left = session
        .expires
        .saturating_duration_since(tokio::time::Instant::now());
    let max_age = time::Duration::seconds(left.as_secs() as i64);
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie_header(&token, max_age));
    response
}

/// The session token a request carries, if any.
pub fn token_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE)
        .map(|c| c.value().to_string())
}

/// `POST /api/session`: 204 with the session cookie. Failures are counted
/// against the request's [`ClientAddr`] (behind a trusted proxy, the address
/// it forwarded).
#[utoipa::path(post, path = "/api/session", tag = "session", request_body = SignIn,
    responses((status = 204, description = "Signed in; the cookie is set"),
              (status = 401, description = "Wrong passphrase", body = orderboard_model::ApiErrorBody),
              (status = 429, description = "Too many failures from this address; see Retry-After", body = orderboard_model::ApiErrorBody)))]
pub async fn sign_in(
    State(sessions): State<Arc<super::Sessions>>,
    client: Option<ClientAddr>,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, ApiError> {
    let session = sessions
        .sign_in(client.map(|c| c.0), body.passphrase)
        .await?;
    Ok(signed_in(session))
}

/// `DELETE /api/session`: ends the session (and its open streams) on every
/// node.
#[utoipa::path(delete, path = "/api/session", tag = "session",
    responses((status = 204, description = "Signed out; the cookie is cleared"),
              (status = 503, description = "The database cannot be reached: the session is not yet ended", body = orderboard_model::ApiErrorBody)))]
pub async fn sign_out(
    State(sessions): State<Arc<super::Sessions>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = token_of(&headers) {
        sessions.sign_out(&token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie_header("", time::Duration::ZERO));
    Ok(response)
}

/// `GET /api/session`: whether sign-in is needed, and whether this request has it.
#[utoipa::path(get, path = "/api/session", tag = "session",
    responses((status = 200, description = "The session's state", body = SessionStatus)))]
pub async fn status(
    State(sessions): State<Arc<super::Sessions>>,
    headers: HeaderMap,
) -> Result<Json<SessionStatus>, ApiError> {
    let signed_in = match token_of(&headers) {
        Some(token) => sessions.lookup(&token).await?.is_some(),
        None => false,
    };
    Ok(Json(SessionStatus {
        sign_in_required: sessions.sign_in_required(),
        signed_in,
    }))
}

/// `POST /api/session/desktop`: a desktop window trades its one-time ticket
/// for the session cookie.
#[utoipa::path(post, path = "/api/session/desktop", tag = "session", request_body = DesktopSignIn,
    responses((status = 204, description = "Signed in; the cookie is set"),
              (status = 401, description = "Unknown, used or expired ticket", body = orderboard_model::ApiErrorBody)))]
pub async fn desktop(
    State(sessions): State<Arc<super::Sessions>>,
    ApiJson(body): ApiJson<DesktopSignIn>,
) -> Result<Response, ApiError> {
    let session = sessions.redeem_ticket(&body.ticket).await?;
    Ok(signed_in(session))
}

/// The body of `PUT /api/session/passphrase`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPassphrase {
    pub passphrase: String,
}

/// The shortest passphrase (a PIN of four) and the longest.
pub const PASSPHRASE_CHARS: std::ops::RangeInclusive<usize> = 4..=200;

/// `PUT /api/session/passphrase`: sets the staff passphrase. On first run
/// (none set yet) only this computer may set it; afterwards only a signed-in
/// member of staff may change it. The caller is signed in with it (204 with
/// the cookie), and the hash is kept in the database across restarts.
#[utoipa::path(put, path = "/api/session/passphrase", tag = "session", request_body = SetPassphrase,
    responses((status = 204, description = "Passphrase set; the caller is signed in"),
              (status = 401, description = "A passphrase is set and this request has no session", body = orderboard_model::ApiErrorBody),
              (status = 403, description = "First-run set-up from another machine", body = orderboard_model::ApiErrorBody),
              (status = 422, description = "Too short or too long", body = orderboard_model::ApiErrorBody)))]
pub async fn set_passphrase(
    State(sessions): State<Arc<super::Sessions>>,
    State(store): State<OrderStore>,
    client: Option<ClientAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SetPassphrase>,
) -> Result<Response, ApiError> {
    let chars = body.passphrase.chars().count();
    if !PASSPHRASE_CHARS.contains(&chars) {
        return Err(ApiError::Validation(orderboard_model::ValidationError {
            field: "passphrase".into(),
            message: format!(
                "must be {} to {} characters, got {chars}",
                PASSPHRASE_CHARS.start(),
                PASSPHRASE_CHARS.end()
            ),
        }));
    }
    if sessions.sign_in_required() {
        let signed_in = match token_of(&headers) {
            Some(token) => sessions.lookup(&token).await?.is_some(),
            None => false,
        };
        if !signed_in {
            return Err(ApiError::Unauthorized(
                "sign in to change the staff passphrase".into(),
            ));
        }
    } else if !client.is_some_and(|c| c.0.is_loopback()) {
        return Err(ApiError::Forbidden(
            "the first staff passphrase can only be set on this computer".into(),
        ));
    }
    let passphrase = body.passphrase;
    let phc = tokio::task::spawn_blocking(move || super::hash_passphrase(&passphrase))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    super::stored_passphrase::save(store.database(), &phc).await?;
    sessions.set_passphrase_hash(phc);
    tracing::info!("the staff passphrase was set: staff requests now need a signed-in session");
    Ok(signed_in(sessions.open_session().await?))
}
