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
//!   `Last-Event-ID`. Until then what it holds is bounded: hyper stops
//!   polling a stream whose write buffer is full, and the stream's place in
//!   the shared broadcast ring costs nothing (it catches up from the event log);
//! - a lingering close: when the server ends a connection while the client
//!   is still sending (a body over the limit, answered 413 after its first
//!   64 KB), the rest is read and thrown away for a moment before the socket
//!   is closed, so that the client gets the answer instead of a reset;
//! - graceful shutdown: on the shutdown signal the listener closes, every SSE
//!   stream ends (`AppState::shutdown`), and serving returns once the
//!   connections have finished their answers.

use crate::AppState;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tower::ServiceExt;

/// The most bytes hyper buffers for one connection's writes.
pub const MAX_WRITE_BUFFER: usize = 64 * 1024;

/// How long, and how many bytes, a closed connection's leftover input is
/// read and discarded.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 1024 * 1024;

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve_router(
    listener: TcpListener,
    router: Router,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let limits = state.settings.limits.clone();
    if let Ok(addr) = listener.local_addr() {
        state.comparison.serve_on(addr);
    }
    if let Err(e) = crate::auth::stored_passphrase::sync(&state).await {
        tracing::error!(error = %e, "reading or storing the staff passphrase");
    }
    if state.sessions.sign_in_required() {
        tracing::info!("staff requests need a signed-in session (a staff passphrase is set)");
    } else {
        tracing::warn!(
            "no staff passphrase is set: only this computer (loopback) may make staff requests; \
             set --staff-passphrase or ORDERBOARD_STAFF_PASSPHRASE to let staff sign in from other machines"
        );
    }
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
        let (io, stalled) = StallWatch::new(tcp);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
            request.extensions_mut().insert(ConnectInfo(remote));
            router.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = builder
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades();
        let stall_timeout = limits.stall_timeout;
        let closing = closing.clone();
        connections.spawn(async move {
            tokio::pin!(connection);
            let stall = stalled.wait(stall_timeout);
            tokio::pin!(stall);
            let mut asked_to_close = false;
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(e) = result {
                            tracing::debug!(error = %e, %remote, "connection ended with an error");
                        }
                        return;
                    }
                    _ = &mut stall => {
                        tracing::info!(%remote, "closing a connection that took no bytes for {stall_timeout:?}");
                        return;
                    }
                    _ = closing.cancelled(), if !asked_to_close => {
                        asked_to_close = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
        });
    }
    drop(listener);
    state.shutdown.cancel();
    closing.cancel();
    connections.close();
    connections.wait().await;
    Ok(())
}

/// Whether a connection's socket is refusing writes, and since when.
#[derive(Default)]
struct StallState {
    blocked: AtomicBool,
    /// Counts the times writing became blocked.
    episodes: AtomicU64,
    became_blocked: Notify,
}

/// The watcher's half: resolves once one blocked episode lasts `timeout`.
struct Stalled(Arc<StallState>);

impl Stalled {
    async fn wait(self, timeout: Duration) {
        loop {
            self.0.became_blocked.notified().await;
            let episode = self.0.episodes.load(Ordering::Acquire);
            tokio::time::sleep(timeout).await;
            if self.0.blocked.load(Ordering::Acquire)
                && self.0.episodes.load(Ordering::Acquire) == episode
            {
                return;
            }
        }
    }
}

/// A TCP stream that records whether its last write was refused, and that
/// lingers when it is dropped after an orderly shutdown.
struct StallWatch {
    /// Always `Some` until dropped.
    tcp: Option<TcpStream>,
    state: Arc<StallState>,
    shut_down: bool,
}

impl StallWatch {
    fn new(tcp: TcpStream) -> (StallWatch, Stalled) {
        let state = Arc::new(StallState::default());
        (
            StallWatch {
                tcp: Some(tcp),
                state: state.clone(),
                shut_down: false,
            },
            Stalled(state),
        )
    }

    fn tcp(&mut self) -> Pin<&mut TcpStream> {
        Pin::new(self.tcp.as_mut().expect("a live connection"))
    }

    fn note<T>(&self, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match &poll {
            Poll::Pending => {
                if !self.state.blocked.swap(true, Ordering::AcqRel) {
                    self.state.episodes.fetch_add(1, Ordering::AcqRel);
                    self.state.became_blocked.notify_one();
                }
            }
            Poll::Ready(_) => {
                if self.state.blocked.load(Ordering::Relaxed) {
                    self.state.blocked.store(false, Ordering::Release);
                }
            }
        }
        poll
    }
}

impl AsyncRead for StallWatch {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.tcp().poll_read(cx, buf)
    }
}

impl AsyncWrite for StallWatch {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = self.tcp().poll_write(cx, buf);
        self.note(poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = self.tcp().poll_write_vectored(cx, bufs);
        self.note(poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.as_ref().is_some_and(|t| t.is_write_vectored())
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = self.tcp().poll_flush(cx);
        self.note(poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.shut_down = true;
        self.tcp().poll_shutdown(cx)
    }
}

impl Drop for StallWatch {
    fn drop(&mut self) {
        let (Some(mut tcp), true) = (self.tcp.take(), self.shut_down) else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            use tokio::io::AsyncReadExt;
            let mut buf = [0u8; 8192];
            let mut discarded = 0;
            let _ = tokio::time::timeout(LINGER, async {
                while discarded < LINGER_BYTES {
                    match tcp.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => discarded += n,
                    }
                }
            })
            .await;
        });
    }
}
