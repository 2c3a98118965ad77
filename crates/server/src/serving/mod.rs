//! Serving connections, with the limits axum's own `serve` cannot set.
//!
//! Each accepted connection is served by hyper's HTTP/1.1 connection, with
//! upgrades (WebSockets) allowed. HTTP/1.1 only: browsers speak HTTP/2 only
//! over TLS, and guessing the version would wait for a client's first bytes
//! with no time limit. With:
//!
//! - a header read timeout, so a client that opens a connection and sends
//!   its request headers slowly, or never, is cut off (slowloris);
//! - TCP_NODELAY, so that small SSE events leave at once;
//! - a write-stall watch: a connection whose socket has refused every byte
//!   for [`crate::limits::Limits::stall_timeout`] is closed. That is a client that stopped
//!   reading; its stream ends, and when it comes back it resumes with
//!   `Last-Event-ID`. Until then what it holds is bounded: a stream whose
//!   socket is full is not polled, and its place in the shared broadcast
//!   ring costs nothing (it catches up from the event log);
//! - SSE streams leave hyper once their head is sent ([`stream_handoff`]):
//!   an open stream then holds its socket and its own small state, not
//!   hyper's 16 KiB of connection buffers;
//! - a lingering close: when the server ends a connection while the client
//!   is still sending (a body over the limit, answered 413 after its first
//!   64 KB), the rest is read and thrown away for a moment before the socket
//!   is closed, so that the client gets the answer instead of a reset;
//! - each request's client address ([`ClientAddr`]): the peer's, or, when
//!   the peer is a trusted proxy, the one it forwarded
//!   ([`crate::client_addr`]). The peer's is kept too, as `ConnectInfo`;
//! - graceful shutdown: on the shutdown signal the listener closes, every SSE
//!   stream ends (`AppState::shutdown`), and serving returns once the
//!   connections have finished their answers.

use crate::client_addr::{self, ClientAddr};
use crate::limits::Limits;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use stall_watch::{StallWatch, Stalled};
use std::future::Future;
use std::io;
use std::time::Duration;
use stream_handoff::Handoff;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

pub mod stall_watch;
pub mod stream_handoff;

/// The most bytes hyper buffers for one connection's writes.
pub const MAX_WRITE_BUFFER: usize = 64 * 1024;

/// How many connections may wait to be accepted: after a restart, every
/// screen in a shop reconnects at once.
const LISTEN_BACKLOG: u32 = 4096;

/// Binds a listener for [`serve_router`], with room for a burst of
/// reconnecting screens (the kernel may cap it lower: `somaxconn`).
pub fn bind(addr: std::net::SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// A listener's stop, as handlers see it: cancelled when the listener that
/// took the request stops. Streams that outlive their response (WebSockets,
/// long polls) end on it; handed-off event streams end with their
/// connection. A router served some other way gets a token that is never
/// cancelled.
#[derive(Clone, Debug, Default)]
pub struct ListenerStopping(pub CancellationToken);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ListenerStopping {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ListenerStopping>()
            .cloned()
            .unwrap_or_default())
    }
}

/// Serves `router` on `listener` until `shutdown` completes. Stopping ends
/// this listener's connections and streams, and nothing else: the
/// application's state and its background work outlive it.
pub async fn serve_router(
    listener: TcpListener,
    router: Router,
    limits: &Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let limits = limits.clone();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(MAX_WRITE_BUFFER);
    // Graceful shutdown: each connection finishes the answer it is writing,
    // then closes; serving returns once every connection has.
    let connections = TaskTracker::new();
    let closing = CancellationToken::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset while
                    // queued: wait a moment instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        // Events are small and must leave at once, not wait for more bytes.
        let _ = tcp.set_nodelay(true);
        let handoff = Handoff::default();
        let (io, stalled) = StallWatch::new(tcp, handoff.clone());
        let router = router.clone();
        // Each connection's own token: waiting on it shares no lock with
        // the other connections.
        let stopping = closing.child_token();
        let service = hyper::service::service_fn({
            let handoff = handoff.clone();
            let stopping = ListenerStopping(stopping.clone());
            let trusted = limits.trusted_proxies.clone();
            move |mut request: hyper::Request<_>| {
                // Per request: a proxy's kept-alive connection carries many
                // clients' requests.
                let client = client_addr::resolve(remote.ip(), request.headers(), &trusted);
                request.extensions_mut().insert(ClientAddr(client));
                request.extensions_mut().insert(ConnectInfo(remote));
                request.extensions_mut().insert(stopping.clone());
                // A HEAD answer has no body: hyper sends the head alone.
                let head_only = request.method() == hyper::Method::HEAD;
                let answer = router.clone().oneshot(request.map(axum::body::Body::new));
                let handoff = handoff.clone();
                async move {
                    let response = answer.await?;
                    Ok::<_, std::convert::Infallible>(if head_only {
                        response
                    } else {
                        handoff.take_over(response)
                    })
                }
            }
        });
        let connection = builder
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades();
        let stall_timeout = limits.stall_timeout;
        let send_buffer = limits.stream_send_buffer;
        connections.spawn(async move {
            // Boxed, so that a handed-off stream's task no longer holds
            // hyper's connection state once it is done with it.
            let served = Box::pin(serve_http(
                connection,
                stalled,
                stall_timeout,
                stopping.clone(),
                remote,
            ));
            let Some(tcp) = served.await else { return };
            let Some((frames, parking)) = handoff.take() else {
                return;
            };
            // A stream's socket keeps a bounded send buffer (see `Limits`).
            let _ = socket2::SockRef::from(&tcp).set_send_buffer_size(send_buffer);
            tracing::debug!(%remote, "event stream started");
            let started = std::time::Instant::now();
            tokio::select! {
                biased;
                _ = stream_handoff::write_stream(tcp, frames, parking, stall_timeout) => {}
                // The listener stopped: this stream ends with it.
                _ = stopping.cancelled() => {}
            }
            let secs = started.elapsed().as_secs();
            tracing::debug!(%remote, secs, "event stream ended");
        });
    }
    drop(listener);
    closing.cancel();
    connections.close();
    connections.wait().await;
    Ok(())
}

/// Serves requests on one connection until it ends. Returns the socket if
/// the last answer handed a stream off ([`stream_handoff`]).
async fn serve_http<S>(
    connection: http1::UpgradeableConnection<TokioIo<StallWatch>, S>,
    stalled: Stalled,
    stall_timeout: Duration,
    closing: CancellationToken,
    remote: std::net::SocketAddr,
) -> Option<TcpStream>
where
    S: hyper::service::HttpService<hyper::body::Incoming, ResBody = axum::body::Body> + Unpin,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut connection = connection;
    let stall = stalled.wait(stall_timeout);
    tokio::pin!(stall);
    let mut asked_to_close = false;
    loop {
        tokio::select! {
            result = &mut connection => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, %remote, "connection ended with an error");
                    return None;
                }
                break;
            }
            _ = &mut stall => {
                tracing::info!(%remote, "closing a connection that took no bytes for {stall_timeout:?}");
                return None;
            }
            _ = closing.cancelled(), if !asked_to_close => {
                asked_to_close = true;
                Pin::new(&mut connection).graceful_shutdown();
            }
        }
    }
    let parts = connection.into_parts()?;
    Some(parts.io.into_inner().into_tcp())
}
