//! Counts the requests and bytes of one transport's endpoints.
//!
//! A middleware on each transport's routes: it counts the request (its
//! request line, headers and body), the response's status line and headers
//! (with the `date` and framing headers hyper adds), and every body byte as
//! it leaves, chunk framing included (event streams have none, and their
//! frames are counted as the stream yields them). A request stays "open" until its body
//! is finished or dropped, so a held long poll or an SSE stream counts as an
//! open connection for its whole life. A WebSocket is counted here only for
//! its upgrade; its frames are counted by the socket itself.
//!
//! The database queries made while the request is handled, and while its
//! body or stream is polled, are counted for the transport too
//! ([`crate::store::query_count`]). A WebSocket's queries after the upgrade
//! are counted by its socket task, with [`query_counter`].

use super::transport_metrics::{OpenConnection, TransportMetrics};
use crate::store::query_count::{self, QueryCounter};
use crate::stream_answer::{holding, DirectStream, FrameStream};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Response};
use axum::middleware::Next;
use bytes::Buf;
use futures_util::StreamExt;
use http_body::{Body as HttpBody, Frame, SizeHint};
use orderboard_model::Transport;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The middleware's state: which transport these routes serve.
pub type Metering = (Arc<TransportMetrics>, Transport);

/// `HTTP/1.1 ` + status + reason + CRLF, and the `date:` header hyper adds.
const STATUS_LINE_AND_DATE: u64 = 9 + 3 + 1 + 2 + 37;

fn headers_len(headers: &HeaderMap) -> u64 {
    headers
        .iter()
        .map(|(name, value)| (name.as_str().len() + 2 + value.len() + 2) as u64)
        .sum::<u64>()
        + 2
}

pub async fn count(
    State((metrics, transport)): State<Metering>,
    request: Request,
    next: Next,
) -> Response<Body> {
    let head = request.method().as_str().len()
        + 1
        + request
            .uri()
            .path_and_query()
            .map_or(1, |p| p.as_str().len())
        + 1
        + 8
        + 2;
    let body_len = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .unwrap_or(0);
    metrics.request(
        transport,
        head as u64 + headers_len(request.headers()) + body_len,
    );
    // A socket holds its own open-connection count for its life after the upgrade.
    let open = (transport != Transport::Ws).then(|| metrics.open(transport));
    let queries = query_counter(metrics.clone(), transport);

    let response = query_count::counting(queries.clone(), next.run(request)).await;
    let (parts, body) = response.into_parts();
    let status_len = parts.status.canonical_reason().map_or(0, str::len) as u64;
    let mut head = STATUS_LINE_AND_DATE + status_len + headers_len(&parts.headers);
    // Without a known length hyper frames the body in chunks, unless the
    // answer is an event stream, whose body runs to the close.
    let chunked = body.size_hint().exact().is_none()
        && !parts.headers.contains_key("content-length")
        && parts.extensions.get::<DirectStream>().is_none();
    match body.size_hint().exact() {
        Some(len) if !parts.headers.contains_key("content-length") => {
            head += "content-length: ".len() as u64 + len.to_string().len() as u64 + 2;
        }
        _ if chunked => head += "transfer-encoding: chunked\r\n".len() as u64 + 5,
        _ => {}
    }
    metrics.sent(transport, head);
    // An event stream's frames may leave without passing through its body
    // (`serving::stream_handoff`): they are counted where they are.
    if let Some(direct) = parts.extensions.get::<DirectStream>() {
        direct.wrap(|frames| {
            let counted = frames.inspect(move |frame| metrics.sent(transport, frame.len() as u64));
            holding(queries_counted(counted.boxed(), queries), open)
        });
        return Response::from_parts(parts, body);
    }
    let body = CountedBody {
        inner: body,
        metrics,
        transport,
        chunked,
        queries,
        _open: open,
    };
    Response::from_parts(parts, Body::new(body))
}

/// Counts each query told to it as one of `transport`'s.
pub fn query_counter(metrics: Arc<TransportMetrics>, transport: Transport) -> QueryCounter {
    Arc::new(move || metrics.db_query(transport))
}

/// A response body that counts its bytes as they are sent.
struct CountedBody {
    inner: Body,
    metrics: Arc<TransportMetrics>,
    transport: Transport,
    chunked: bool,
    queries: QueryCounter,
    _open: Option<OpenConnection>,
}

/// An event stream's frames, with the queries each poll makes counted.
fn queries_counted(mut frames: FrameStream, queries: QueryCounter) -> FrameStream {
    futures_util::stream::poll_fn(move |cx| {
        query_count::poll_counting(&queries, || frames.poll_next_unpin(cx))
    })
    .boxed()
}

impl HttpBody for CountedBody {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        let inner = &mut this.inner;
        let polled = query_count::poll_counting(&this.queries, || Pin::new(inner).poll_frame(cx));
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            if let Some(data) = frame.data_ref() {
                let len = data.remaining() as u64;
                // A chunk's size in hex and two line ends around the data.
                let framing = if self.chunked {
                    format!("{len:x}").len() as u64 + 4
                } else {
                    0
                };
                self.metrics.sent(self.transport, len + framing);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
