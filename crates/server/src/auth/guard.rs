//! The middleware in front of every staff endpoint, and the body wrapper that
//! ends a staff stream when its session expires or is signed out.

use super::routes::token_of;
use crate::error::ApiError;
use crate::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use http_body::{Body as HttpBody, Frame, SizeHint};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Lets a staff request through, or refuses it: 401 without a live session
/// when a passphrase is set, 403 from another machine when none is.
pub async fn require_staff(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if !state.sessions.sign_in_required() {
        let loopback = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .is_some_and(|c| c.0.ip().is_loopback());
        if loopback {
            return Ok(next.run(request).await);
        }
        return Err(ApiError::Forbidden(
            "no staff passphrase is set, so staff requests are accepted from this computer only"
                .into(),
        ));
    }
    let session = token_of(request.headers())
        .and_then(|t| state.sessions.lookup(&t))
        .ok_or_else(|| {
            ApiError::Unauthorized("sign in as staff first (POST /api/session)".into())
        })?;
    let response = next.run(request).await;
    let streaming = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if !streaming {
        return Ok(response);
    }
    let until = async move {
        tokio::select! {
            _ = tokio::time::sleep_until(session.expires) => {}
            _ = session.ended.cancelled() => {}
        }
    }
    .boxed();
    Ok(response.map(|inner| {
        Body::new(SessionBound {
            inner,
            until,
            over: false,
        })
    }))
}

/// A stream body that ends when its session does.
struct SessionBound {
    inner: Body,
    until: BoxFuture<'static, ()>,
    over: bool,
}

impl HttpBody for SessionBound {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if self.over || self.until.poll_unpin(cx).is_ready() {
            self.over = true;
            return Poll::Ready(None);
        }
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
