//! The middleware in front of every staff endpoint. It also ends a staff
//! stream when its session expires or is signed out.

use super::routes::token_of;
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::stream_answer::DirectStream;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt;
use std::sync::Arc;

/// Lets a staff request through, or refuses it: 401 without a live session
/// when a passphrase is set, 403 from another machine when none is. The
/// machine is the request's [`ClientAddr`]: behind a trusted proxy, the
/// address it forwarded, not the proxy's.
pub async fn require_staff(
    State(sessions): State<Arc<super::Sessions>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
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
