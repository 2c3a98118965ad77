//! Watching a connection's socket for a client that stopped reading.
//!
//! [`StallWatch`] wraps the accepted TCP stream while hyper serves it: it
//! records whether the last write was refused, and [`Stalled`] resolves once
//! one such episode lasts the stall timeout, so the connection can be closed.
//! It also lingers when dropped after an orderly shutdown (see the module
//! above), and it leaves the socket open for the stream writer when a stream
//! was handed off ([`super::stream_handoff`]).

use super::stream_handoff::Handoff;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// How long, and how many bytes, a closed connection's leftover input is
/// read and discarded.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 1024 * 1024;

/// Whether a connection's socket is refusing writes, and since when.
#[derive(Default)]
struct StallState {
    blocked: AtomicBool,
    /// Counts the times writing became blocked.
    episodes: AtomicU64,
    became_blocked: Notify,
}

/// The watcher's half: resolves once one blocked episode lasts `timeout`.
pub struct Stalled(Arc<StallState>);

impl Stalled {
    pub async fn wait(self, timeout: Duration) {
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
pub struct StallWatch {
    /// Always `Some` until dropped.
    tcp: Option<TcpStream>,
    state: Arc<StallState>,
    shut_down: bool,
    /// Set when a stream was handed off: hyper's shutdown then leaves the
    /// socket open for the stream writer.
    handoff: Handoff,
}

impl StallWatch {
    pub fn new(tcp: TcpStream, handoff: Handoff) -> (StallWatch, Stalled) {
        let state = Arc::new(StallState::default());
        (
            StallWatch {
                tcp: Some(tcp),
                state: state.clone(),
                shut_down: false,
                handoff,
            },
            Stalled(state),
        )
    }

    /// The socket itself, for the stream writer; nothing lingers.
    pub fn into_tcp(mut self) -> TcpStream {
        self.tcp.take().expect("a live connection")
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
        if self.handoff.is_parked() {
            return Poll::Ready(Ok(()));
        }
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
