//! Limits that keep one bad or unlucky client from taking the server down.
//!
//! - Open streams are capped in total and per client address: each stream
//!   holds a [`StreamPermit`] for its whole life, and a stream asked for
//!   beyond a cap is refused with `503 overloaded` and a `Retry-After`,
//!   before any work is done for it.
//! - The caps count by client address: the peer's, or the one a trusted
//!   proxy forwarded ([`crate::client_addr`]), so that clients behind a load
//!   balancer are not lumped together as its address.
//! - The request body limit ([`crate::error::MAX_BODY_BYTES`]) and the connection
//!   limits (the time to send request headers, the time a connection may be
//!   unable to take any bytes) are applied in `crate::serving`; their
//!   settings live here with the rest.

use crate::client_addr::{ClientAddr, TrustedProxies};
use crate::error::ApiError;
use crate::stream_answer::{holding, DirectStream};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Extensions;
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

/// The server's limits; the defaults suit one restaurant's screens with a
/// wide margin (see README, "Limits").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Open streams in total.
    pub max_streams: usize,
    /// Open streams from one client address.
    pub max_streams_per_client: usize,
    /// The `Retry-After` sent with a refusal.
    pub retry_after: Duration,
    /// How long a client may take to send a request's headers.
    pub header_read_timeout: Duration,
    /// How long a connection may be unable to take a single byte before it
    /// is closed (a client that stopped reading).
    pub stall_timeout: Duration,
    /// The kernel's send buffer for each event stream's socket, in bytes.
    /// Linux lets it grow to 4 MiB; a screen that stops reading would hold
    /// that much of the kernel's memory until the stall timeout, and ten
    /// thousand such screens 40 GiB. A board needs a few frames of room.
    pub stream_send_buffer: usize,
    /// The proxies whose `X-Forwarded-For` or `Forwarded` headers name the
    /// client that the per-client caps (and the sign-in back-off and the
    /// loopback rule) count; none by default.
    pub trusted_proxies: TrustedProxies,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_streams: 20_000,
            max_streams_per_client: 200,
            retry_after: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            stall_timeout: Duration::from_secs(30),
            stream_send_buffer: 64 * 1024,
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

/// Counts of admitted streams, in total and per client address.
#[derive(Debug, Default)]
pub struct StreamAdmission {
    counts: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_client: HashMap<IpAddr, usize>,
}

impl StreamAdmission {
    /// A permit for one more stream from `client`, or `503 overloaded`.
    /// A request with no known address (a router driven without a socket)
    /// counts toward the total only.
    pub fn admit(
        self: &Arc<Self>,
        limits: &Limits,
        client: Option<IpAddr>,
    ) -> Result<StreamPermit, ApiError> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let overloaded = |message: String| ApiError::Overloaded {
            message,
            retry_after: limits.retry_after,
        };
        if counts.total >= limits.max_streams {
            return Err(overloaded(format!(
                "the server has {} streams open, its limit; try again later",
                counts.total
            )));
        }
        if let Some(ip) = client {
            let mine = counts.per_client.entry(ip).or_insert(0);
            if *mine >= limits.max_streams_per_client {
                return Err(overloaded(format!(
                    "this address has {} streams open, the limit per address; close some or try again later",
                    *mine
                )));
            }
            *mine += 1;
        }
        counts.total += 1;
        Ok(StreamPermit {
            admission: self.clone(),
            client,
        })
    }

    /// Streams admitted and not yet closed.
    pub fn total(&self) -> usize {
        self.counts.lock().unwrap_or_else(|e| e.into_inner()).total
    }
}

/// One admitted stream; dropping it gives the place back.
#[derive(Debug)]
pub struct StreamPermit {
    admission: Arc<StreamAdmission>,
    client: Option<IpAddr>,
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut counts = self
            .admission
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        counts.total -= 1;
        if let Some(ip) = self.client {
            if let Some(n) = counts.per_client.get_mut(&ip) {
                *n -= 1;
                if *n == 0 {
                    counts.per_client.remove(&ip);
                }
            }
        }
    }
}

/// What admitting a stream needs: the counts, and the limits they are held to.
#[derive(Clone, Debug)]
pub struct Admission {
    pub counts: Arc<StreamAdmission>,
    pub limits: Limits,
}

impl Admission {
    /// A permit for one more long-lived connection from the request's
    /// client, for a connection that outlives its response (a WebSocket).
    pub fn admit(&self, extensions: &Extensions) -> Result<StreamPermit, ApiError> {
        self.counts.admit(&self.limits, ClientAddr::of(extensions))
    }
}

/// Middleware for the stream routes: admits the stream or refuses it, and
/// ties the permit to the response body, so the place is held exactly as
/// long as the stream is (an error answer gives it back at once).
pub async fn admit_stream(
    State(admission): State<Admission>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let permit = admission.admit(request.extensions())?;
    let response = next.run(request).await;
    if let Some(direct) = response.extensions().get::<DirectStream>() {
        // The frames may leave without the body (`serving::stream_handoff`).
        direct.wrap(|frames| holding(frames, permit));
        return Ok(response);
    }
    Ok(response.map(|body| {
        Body::new(PermittedBody {
            inner: body,
            _permit: permit,
        })
    }))
}

/// A response body that holds a stream permit until it is dropped.
struct PermittedBody {
    inner: Body,
    _permit: StreamPermit,
}

impl HttpBody for PermittedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_in_total_and_per_address() {
        let limits = Limits {
            max_streams: 3,
            max_streams_per_client: 2,
            ..Limits::default()
        };
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let admission = Arc::new(StreamAdmission::default());
        let a1 = admission.admit(&limits, Some(a)).unwrap();
        let _a2 = admission.admit(&limits, Some(a)).unwrap();
        assert!(admission.admit(&limits, Some(a)).is_err());
        let _b1 = admission.admit(&limits, Some(b)).unwrap();
        assert!(admission.admit(&limits, Some(b)).is_err(), "total cap");
        drop(a1);
        assert_eq!(admission.total(), 2);
        let _a3 = admission.admit(&limits, Some(a)).unwrap();
    }
}
