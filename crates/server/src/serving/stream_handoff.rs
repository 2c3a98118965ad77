//! Long-lived streams leave hyper once their response head is sent.
//!
//! hyper keeps two 8 KiB buffers (reading and writing) for as long as a
//! connection lives. For a request that ends at once that is nothing; for an
//! SSE stream that stays open for hours, on every screen, it was almost all of
//! the stream's memory. So an SSE response, recognised by its own type
//! ([`DirectStream`] in its extensions), is sent as HTTP/1.0 with
//! `Connection: close`: hyper writes its head, sees an empty body that ends the
//! connection, and hands the socket back ([`hyper`]'s `into_parts`). The
//! stream's frames are then written to the socket here, as they are, with no
//! chunk framing: one `write` of shared bytes per event (or one `writev` for
//! the events that are ready together).
//!
//! The frames do not pass through the response body's layers either (tracing,
//! metering): those work per chunk, and a stream's chunks are its events, so
//! they ran once per event on every open stream.
//!
//! The pieces:
//! - [`DirectStream`] (`crate::stream_answer`): an SSE response's frames, carried in the response's
//!   extensions beside a body that streams them only if no
//!   one takes them first (a router served some other way);
//! - [`Handoff`]: one per connection. The connection's service takes a
//!   response's frames out of its [`DirectStream`], so its body ends at once;
//! - [`write_stream`]: the stream's life after the handoff. It writes each
//!   frame, ends when the stream ends or the client goes away, and closes a
//!   client that takes no bytes for the stall timeout. A board stream's
//!   writer moves its socket's write half to the board fan-out while the
//!   stream is parked, and writes again once it is handed back
//!   ([`crate::fan_out`]).

use crate::fan_out::{Away, Handback, Parking};
use crate::stream_answer::{DirectStream, FrameStream};
use axum::body::Body;
use axum::http::Response;
use bytes::Buf;
use std::future::poll_fn;
use std::io;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

/// One connection's taken stream (and, for a board stream, its link to the
/// board fan-out), between its last answer and the writer.
#[derive(Clone, Default)]
pub struct Handoff(Arc<Mutex<Option<TakenStream>>>);

/// A taken stream's frames, and a board stream's link to the fan-out.
pub type TakenStream = (FrameStream, Option<Parking>);

impl Handoff {
    /// Whether a stream is waiting to be written: hyper must not close the
    /// socket when it is done with the connection.
    pub fn is_parked(&self) -> bool {
        self.0.lock().expect("handoff lock").is_some()
    }

    pub fn take(&self) -> Option<TakenStream> {
        self.0.lock().expect("handoff lock").take()
    }

    /// Takes an SSE response's frames for the writer (its body then ends at
    /// once); any other response passes unchanged.
    ///
    /// It runs after every layer, and the stream answer's own type is the
    /// flag: a layer cannot make a stream skip the hand-off, or the hand-off
    /// skip a layer's view of the answer. The answer goes out as HTTP/1.0
    /// with `Connection: close`, set here whatever a layer made of it, so
    /// that hyper writes the head and then gives the socket back.
    pub fn take_over(&self, mut response: Response<Body>) -> Response<Body> {
        if let Some(frames) = response
            .extensions()
            .get::<DirectStream>()
            .and_then(DirectStream::take)
        {
            let parking = response.extensions().get::<Parking>().cloned();
            *self.0.lock().expect("handoff lock") = Some((frames, parking));
            *response.version_mut() = axum::http::Version::HTTP_10;
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        response
    }
}

/// The most frames written with one `writev`.
const MOST_FRAMES_PER_WRITE: usize = 64;

/// Who holds a stream's write half: the writer, or (a parked board stream)
/// the board fan-out. It is in one place at a time, so the socket has one
/// writer at a time; the read half stays with the writer throughout.
enum WriteSide {
    /// The writer writes the stream's frames itself.
    Writing(OwnedWriteHalf),
    /// The fan-out has the write half; the writer holds only the way it
    /// comes back.
    Parked(Away),
}

/// Writes a handed-off stream to its socket until the stream ends, the client
/// closes its side, or the client takes no bytes for `stall_timeout`.
///
/// Frames that are ready together (a stream that fell behind a burst of
/// changes) leave in one `writev`: under load, fewer system calls per event.
///
/// A board stream whose loop asks to park, once every frame is written, has
/// its write half moved to the fan-out. While it is away the writer only
/// watches the read half for the client going away. When the fan-out hands
/// the write half back, the writer first writes the bytes the socket did
/// not take, then lets the loop go on.
pub async fn write_stream(
    tcp: TcpStream,
    mut frames_in: FrameStream,
    parking: Option<Parking>,
    stall_timeout: Duration,
) {
    let (read, write) = tcp.into_split();
    if let Some(parking) = &parking {
        parking.attach();
    }
    let mut side = WriteSide::Writing(write);
    let mut frames: Vec<bytes::Bytes> = Vec::new();
    let mut ended = false;
    // A write half just handed back: the loop is told where it stands once
    // what the socket did not take is written.
    let mut handed_back: Option<(Away, u64, bool)> = None;
    let last_write = loop {
        let write = match side {
            WriteSide::Writing(write) => {
                if ended {
                    break Some(write);
                }
                let park = poll_fn(|cx| {
                    if client_gone(&read, cx) {
                        ended = true;
                        frames.clear();
                        return Poll::Ready(None);
                    }
                    while frames.len() < MOST_FRAMES_PER_WRITE {
                        match frames_in.as_mut().poll_next(cx) {
                            Poll::Ready(Some(data)) => {
                                if !data.is_empty() {
                                    frames.push(data);
                                }
                            }
                            Poll::Ready(None) => {
                                ended = true;
                                break;
                            }
                            Poll::Pending => break,
                        }
                    }
                    if !frames.is_empty() || ended {
                        return Poll::Ready(None);
                    }
                    // Everything is written and the stream waits: a board
                    // stream that asked to park goes to the fan-out now.
                    let asked = parking.as_ref().and_then(|p| Some((p, p.take_request()?)));
                    match asked {
                        Some(asked) => Poll::Ready(Some(asked)),
                        None => Poll::Pending,
                    }
                })
                .await;
                if let Some((parking, request)) = park {
                    side = WriteSide::Parked(parking.hand_over(write, request));
                    continue;
                }
                write
            }
            WriteSide::Parked(mut away) => {
                let back = poll_fn(|cx| {
                    if client_gone(&read, cx) {
                        return Poll::Ready(None);
                    }
                    away.poll_back(cx)
                })
                .await;
                let Some(Handback {
                    write,
                    from,
                    unsent,
                    park_again,
                }) = back
                else {
                    // The client went away (the fan-out drops the write
                    // half), or the fan-out let go of it.
                    if let Some(parking) = &parking {
                        parking.gone();
                    }
                    break None;
                };
                // What the socket did not take goes first.
                if !unsent.is_empty() {
                    frames.push(unsent);
                }
                handed_back = Some((away, from, park_again));
                write
            }
        };
        // The one place that writes: each place would keep a write future
        // of its own in this future, held for the stream's whole life.
        if let Err(e) = write_or_stall(&write, &mut frames, stall_timeout).await {
            if e.kind() == io::ErrorKind::TimedOut {
                tracing::info!("closing a stream whose client took no bytes for {stall_timeout:?}");
            }
            break Some(write);
        }
        // An idle stream keeps room for a few frames, not for a burst.
        if frames.capacity() > 4 {
            frames = Vec::new();
        }
        if let Some((away, from, park_again)) = handed_back.take() {
            away.resume(from, park_again);
        }
        side = WriteSide::Writing(write);
    };
    if let Some(mut write) = last_write {
        let _ = write.shutdown().await;
    }
}

/// Whether the client closed its side (or the socket failed). Bytes a client
/// sends on a stream are read and dropped; the wait for more is registered.
fn client_gone(read: &OwnedReadHalf, cx: &mut Context<'_>) -> bool {
    let mut scratch = [0u8; 256];
    loop {
        match read.as_ref().poll_read_ready(cx) {
            Poll::Pending => return false,
            Poll::Ready(Err(_)) => return true,
            Poll::Ready(Ok(())) => match read.try_read(&mut scratch) {
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
async fn write_or_stall(
    write: &OwnedWriteHalf,
    frames: &mut Vec<bytes::Bytes>,
    stall_timeout: Duration,
) -> io::Result<()> {
    let mut first = 0;
    while first < frames.len() {
        // Scoped, so that the slices are not kept across the wait below.
        let written = {
            let mut slices = [io::IoSlice::new(&[]); MOST_FRAMES_PER_WRITE];
            let count = (frames.len() - first).min(MOST_FRAMES_PER_WRITE);
            for (slice, frame) in slices.iter_mut().zip(&frames[first..first + count]) {
                *slice = io::IoSlice::new(frame);
            }
            write.try_write_vectored(&slices[..count])
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
                tokio::time::timeout(stall_timeout, write.writable())
                    .await
                    .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
            }
            Err(e) => return Err(e),
        }
    }
    frames.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use futures_util::stream;
    use futures_util::StreamExt;

    fn sse(frames: &[&'static str]) -> Response<Body> {
        let frames: Vec<Bytes> = frames
            .iter()
            .map(|f| Bytes::from_static(f.as_bytes()))
            .collect();
        // As `sse::stream_response` answers: the frames beside a body.
        let (direct, body) = DirectStream::new(stream::iter(frames).boxed());
        let mut response = Response::new(body);
        response.extensions_mut().insert(direct);
        response
    }

    #[tokio::test]
    async fn served_some_other_way_the_body_streams_the_frames() {
        let body = sse(&["retry: 1\n\n", ": hi\n\n"]).into_body();
        let all = axum::body::to_bytes(body, 1024).await.unwrap();
        assert_eq!(&all[..], b"retry: 1\n\n: hi\n\n");
    }

    #[tokio::test]
    async fn taken_over_the_frames_go_to_the_writer_and_the_body_ends() {
        let handoff = Handoff::default();
        let response = handoff.take_over(sse(&["a\n\n", "b\n\n"]));
        assert_eq!(response.version(), axum::http::Version::HTTP_10);
        assert!(handoff.is_parked());
        let all = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        assert!(all.is_empty());
        let frames: Vec<Bytes> = handoff.take().unwrap().0.collect().await;
        assert_eq!(
            frames,
            vec![Bytes::from_static(b"a\n\n"), Bytes::from_static(b"b\n\n")]
        );
    }

    #[tokio::test]
    async fn other_answers_pass_unchanged() {
        let handoff = Handoff::default();
        let response = handoff.take_over(Response::new(Body::from("{}")));
        assert!(!handoff.is_parked());
        assert_eq!(
            &axum::body::to_bytes(response.into_body(), 64)
                .await
                .unwrap()[..],
            b"{}"
        );
    }
}
