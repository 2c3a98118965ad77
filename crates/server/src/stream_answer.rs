//! The stream answer: the type an event stream's response carries, that
//! every layer can see.
//!
//! An SSE response's frames travel in the response's extensions, as a
//! [`DirectStream`], beside a body that streams them only if nobody takes
//! them first. Serving takes them once every layer has run and writes them to
//! the socket itself (`crate::serving::stream_handoff`). A layer that must
//! act on a stream's frames or its life (admission, staff sessions, workshop
//! metering) finds the `DirectStream` and wraps its frames
//! ([`DirectStream::wrap`]), whether they end up on the socket directly or in
//! the body.

use axum::body::Body;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use http_body::{Body as HttpBody, Frame, SizeHint};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// An event stream's frames, as a stream of shared bytes.
pub type FrameStream = BoxStream<'static, Bytes>;

/// An SSE response's frames, until the connection takes them
/// (`crate::serving::stream_handoff::Handoff::take_over`) or its body streams them ([`DirectBody`]).
#[derive(Clone)]
pub struct DirectStream(Arc<Mutex<Option<FrameStream>>>);

impl DirectStream {
    /// The frames, and the body that streams them if no one takes them.
    pub fn new(frames: FrameStream) -> (DirectStream, Body) {
        let direct = DirectStream(Arc::new(Mutex::new(Some(frames))));
        let body = Body::new(DirectBody(direct.clone()));
        (direct, body)
    }

    pub(crate) fn take(&self) -> Option<FrameStream> {
        self.0.lock().expect("stream lock").take()
    }

    /// Wraps the frames (a layer that counts them, say), wherever they end up.
    pub fn wrap(&self, f: impl FnOnce(FrameStream) -> FrameStream) {
        let mut slot = self.0.lock().expect("stream lock");
        if let Some(frames) = slot.take() {
            *slot = Some(f(frames));
        }
    }
}

/// `frames`, holding `value` (a permit, a count) until they are dropped.
pub fn holding<T: Send + 'static>(frames: FrameStream, value: T) -> FrameStream {
    frames
        .map(move |frame| {
            let _held = &value;
            frame
        })
        .boxed()
}

/// The body of an SSE response: it streams the frames while they are still
/// in their [`DirectStream`], and ends at once if the connection took them.
/// Its length is unknown, so hyper writes the head with no length and no
/// chunking (the answer is HTTP/1.0): the body runs to the connection's end.
struct DirectBody(DirectStream);

impl HttpBody for DirectBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let mut slot = (self.0).0.lock().expect("stream lock");
        let Some(frames) = slot.as_mut() else {
            return Poll::Ready(None);
        };
        match frames.as_mut().poll_next(cx) {
            Poll::Ready(Some(frame)) => Poll::Ready(Some(Ok(Frame::data(frame)))),
            Poll::Ready(None) => {
                *slot = None;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        // "Not yet": an ended body would be announced as `content-length: 0`.
        false
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}
