//! Long-lived streams leave hyper once their response head is sent.
//!
//! hyper keeps two 8 KiB buffers (reading and writing) for as long as a
//! connection lives. For a request that ends at once that is nothing; for an
//! SSE stream that stays open for hours, on every screen, it was almost all of
//! the stream's memory. So an SSE response is sent as HTTP/1.0 with
//! `Connection: close`: hyper writes its head, sees an empty body that ends the
//! connection, and hands the socket back ([`hyper`]'s `into_parts`). The
//! stream's frames are then written to the socket here, as they are, with no
//! chunk framing: one `write` of shared bytes per event.
//!
//! The pieces:
//! - [`WriteDirectly`]: the mark an SSE response carries
//!   ([`crate::sse::stream_response`]);
//! - [`Handoff`]: one per connection. The connection's service parks a marked
//!   response's body in it and gives hyper [`EndsAtOnce`] instead;
//! - [`write_stream`]: the stream's life after the handoff. It writes each
//!   frame, ends when the stream ends or the client goes away, and closes a
//!   client that takes no bytes for the stall timeout.

use axum::body::Body;
use bytes::Buf;
use axum::http::{Response, Version};
use http_body::{Body as HttpBody, Frame, SizeHint};
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Marks a response whose body is written to the socket directly, after
/// hyper sent its head. Such a response is HTTP/1.0 with `Connection: close`,
/// so its body is delimited by the connection's end.
#[derive(Debug, Clone, Copy)]
pub struct WriteDirectly;

/// One connection's parked stream, between the handler and the writer.
#[derive(Clone, Default)]
pub struct Handoff(Arc<Mutex<Option<Body>>>);

impl Handoff {
    /// Whether a stream is waiting to be written: hyper must not close the
    /// socket when it is done with the connection.
    pub fn is_parked(&self) -> bool {
        self.0.lock().expect("handoff lock").is_some()
    }

    pub fn take(&self) -> Option<Body> {
        self.0.lock().expect("handoff lock").take()
    }

    /// Parks a marked response's body and gives hyper an empty one; any
    /// other response passes unchanged.
    pub fn take_over(&self, response: Response<Body>) -> Response<Body> {
        let marked = response.extensions().get::<WriteDirectly>().is_some()
            && response.version() == Version::HTTP_10;
        if !marked {
            return response;
        }
        let (parts, body) = response.into_parts();
        *self.0.lock().expect("handoff lock") = Some(body);
        Response::from_parts(parts, Body::new(EndsAtOnce))
    }
}

/// A body of unknown length that ends at once: hyper writes the head with no
/// length and no chunking (the body runs to the connection's end), then
/// finishes the connection.
struct EndsAtOnce;

impl HttpBody for EndsAtOnce {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        // "Not yet": an ended body would be announced as `content-length: 0`.
        false
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

/// The most frames written with one `writev`.
const MOST_FRAMES_PER_WRITE: usize = 64;

/// Writes a handed-off stream to its socket until the stream ends, the client
/// closes its side, or the client takes no bytes for `stall_timeout`.
///
/// Frames that are ready together (a stream that fell behind a burst of
/// changes) leave in one `writev`: under load, fewer system calls per event.
pub async fn write_stream(mut tcp: TcpStream, mut body: Body, stall_timeout: Duration) {
    let mut frames: Vec<bytes::Bytes> = Vec::new();
    let mut ended = false;
    while !ended {
        poll_fn(|cx| {
            if client_gone(&tcp, cx) {
                ended = true;
                frames.clear();
                return Poll::Ready(());
            }
            while frames.len() < MOST_FRAMES_PER_WRITE {
                match Pin::new(&mut body).poll_frame(cx) {
                    Poll::Ready(Some(Ok(frame))) => {
                        // Trailers: SSE has none; nothing to write.
                        if let Some(data) = frame.into_data().ok().filter(|d| !d.is_empty()) {
                            frames.push(data);
                        }
                    }
                    Poll::Ready(None | Some(Err(_))) => {
                        ended = true;
                        break;
                    }
                    Poll::Pending => break,
                }
            }
            if frames.is_empty() && !ended {
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await;
        if let Err(e) = write_or_stall(&tcp, &mut frames, stall_timeout).await {
            if e.kind() == io::ErrorKind::TimedOut {
                tracing::info!("closing a stream whose client took no bytes for {stall_timeout:?}");
            }
            return;
        }
        // An idle stream keeps room for a few frames, not for a burst.
        if frames.capacity() > 4 {
            frames = Vec::new();
        }
    }
    let _ = tcp.shutdown().await;
}

/// Whether the client closed its side (or the socket failed). Bytes a client
/// sends on a stream are read and dropped; the wait for more is registered.
fn client_gone(tcp: &TcpStream, cx: &mut Context<'_>) -> bool {
    let mut scratch = [0u8; 256];
    loop {
        match tcp.poll_read_ready(cx) {
            Poll::Pending => return false,
            Poll::Ready(Err(_)) => return true,
            Poll::Ready(Ok(())) => match tcp.try_read(&mut scratch) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(_) => return true,
            },
        }
    }
}

/// Writes all of `frames`, and empties it. The usual case is one call that
/// takes it all; only a full socket waits, and a wait longer than
/// `stall_timeout` with no byte taken is an error.
async fn write_or_stall(tcp: &TcpStream, frames: &mut Vec<bytes::Bytes>, stall_timeout: Duration) -> io::Result<()> {
    let mut first = 0;
    while first < frames.len() {
        // Scoped, so that the slices are not kept across the wait below.
        let written = {
            let mut slices = [io::IoSlice::new(&[]); MOST_FRAMES_PER_WRITE];
            let count = (frames.len() - first).min(MOST_FRAMES_PER_WRITE);
            for (slice, frame) in slices.iter_mut().zip(&frames[first..first + count]) {
                *slice = io::IoSlice::new(frame);
            }
            tcp.try_write_vectored(&slices[..count])
        };
        match written {
            Ok(mut n) => {
                while n > 0 {
                    let frame = &mut frames[first];
                    let taken = n.min(frame.len());
                    frame.advance(taken);
                    n -= taken;
                    if frame.is_empty() {
                        first += 1;
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                tokio::time::timeout(stall_timeout, tcp.writable())
                    .await
                    .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
            }
            Err(e) => return Err(e),
        }
    }
    frames.clear();
    Ok(())
}
