//! The one shape of an SSE response: its headers, and its hand-off.
//!
//! Every event stream (the order streams and the workshop's measurements) is
//! answered here, as HTTP/1.0 with `Connection: close` and no length: the
//! body runs until the connection ends. That lets the server write the frames
//! to the socket itself once hyper has sent the head
//! ([`crate::serving::stream_handoff`]). EventSource clients read it like any
//! other stream; the frames are the same bytes.

use crate::stream_answer::DirectStream;
use axum::http::{header, HeaderValue, Version};
use axum::response::Response;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};

/// An SSE response whose body is `frames`.
pub fn response(frames: impl Stream<Item = Bytes> + Send + 'static) -> Response {
    let (direct, body) = DirectStream::new(frames.boxed());
    let mut response = Response::new(body);
    *response.version_mut() = Version::HTTP_10;
    response.extensions_mut().insert(direct);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    // Proxies such as nginx would otherwise hold events back to fill a buffer.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}
