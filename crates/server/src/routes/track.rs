//! `/api/track/{token}`: one customer's view of their order, reached only by
//! its tracking token, and the four ways to follow it: polling (with `ETag`
//! and `If-None-Match`), a long poll, the SSE stream and a WebSocket. The
//! two streams also carry the order's place in the queue (`crate::queue`).

use crate::error::{ApiError, ApiPath, ApiQuery};
use crate::feed::Delivery;
use crate::limits::Admission;
use crate::sse::live_stream;
use crate::sse::Streams;
use crate::store::latest_orders::LatestOrders;
use crate::store::query_count;
use crate::store::OrderStore;
use crate::stream::resume::{resume_from, ResumeFrom, StreamQuery};
use crate::stream::{Audience, Cursor, Opened};
use crate::wire::Encoding;
use crate::workshop::metered::query_counter;
use crate::ws::track_socket;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::{header, Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use orderboard_model::{ApiErrorBody, Order, TrackedOrder, Transport};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

fn no_such_order() -> ApiError {
    ApiError::NotFound("no such order: check the tracking link".into())
}

/// The newest state of the order, from memory when it is current (polls must
/// not poll the database).
async fn current(
    latest: &LatestOrders,
    store: &OrderStore,
    token: &str,
) -> Result<Arc<Order>, ApiError> {
    latest
        .current(store, token)
        .await?
        .ok_or_else(no_such_order)
}

/// The entity tag of an order's version.
fn etag(version: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"v{version}\"")).expect("digits are a valid header value")
}

/// The newest version the client says it has, from `If-None-Match`; `None`
/// when it names none of ours.
fn version_known(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(header::IF_NONE_MATCH)?.to_str().ok()?;
    value
        .split(',')
        .filter_map(|tag| {
            let tag = tag.trim();
            let tag = tag.strip_prefix("W/").unwrap_or(tag);
            tag.strip_prefix("\"v")?
                .strip_suffix('"')?
                .parse::<u64>()
                .ok()
        })
        .max()
}

/// The order as its customer sees it, with its version as the `ETag`.
fn tracked(order: &Order) -> Response {
    let mut response = Json(TrackedOrder::from(order)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag(order.version));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `GET /api/track/{token}`: the order now, for a page that polls. A client
/// that names the current version in `If-None-Match` gets `304` and no body.
#[utoipa::path(get, path = "/api/track/{token}", tag = "track",
    params(("token" = String, Path, description = "The order's tracking token"),
           ("If-None-Match" = Option<String>, Header, description = "The ETag of the version the client has")),
    responses((status = 200, description = "The customer's view of the order; its ETag names the version", body = TrackedOrder),
              (status = 304, description = "Unchanged since the version the client named"),
              (status = 404, description = "No such order", body = ApiErrorBody)))]
pub async fn get(
    State(streams): State<Streams>,
    State(latest): State<Arc<LatestOrders>>,
    ApiPath(token): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let order = current(&latest, &streams.source.store, &token).await?;
    let metrics = &streams.transport_metrics;
    match version_known(&headers) {
        Some(known) if known >= order.version => {
            metrics.unchanged(Transport::Poll);
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            response
                .headers_mut()
                .insert(header::ETAG, etag(order.version));
            return Ok(response);
        }
        Some(_) => metrics.delivered(Transport::Poll, order.updated_at),
        None => {}
    }
    Ok(tracked(&order))
}

/// The query of `GET /api/track/{token}/longpoll`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LongPollQuery {
    /// The version the client has; the answer waits for a newer one (0 when left out).
    pub after_version: Option<u64>,
    /// How long to wait for a change, 1 to 120 seconds (30 when left out).
    pub timeout_secs: Option<u64>,
}

pub const DEFAULT_LONG_POLL_SECS: u64 = 30;
pub const MAX_LONG_POLL_SECS: u64 = 120;

/// `GET /api/track/{token}/longpoll`: answers as soon as the order has a
/// version newer than `after_version` (at once if it already has), or `204`
/// when nothing changed within the timeout. The client then asks again.
#[utoipa::path(get, path = "/api/track/{token}/longpoll", tag = "track",
    params(("token" = String, Path, description = "The order's tracking token"), LongPollQuery),
    responses((status = 200, description = "A newer version of the order", body = TrackedOrder),
              (status = 204, description = "No change within the timeout: ask again"),
              (status = 400, description = "A malformed version or timeout", body = ApiErrorBody),
              (status = 503, description = "Too many open connections; see Retry-After", body = ApiErrorBody),
              (status = 404, description = "No such order", body = ApiErrorBody)))]
pub async fn longpoll(
    State(streams): State<Streams>,
    State(latest): State<Arc<LatestOrders>>,
    ApiPath(token): ApiPath<String>,
    ApiQuery(query): ApiQuery<LongPollQuery>,
    stopping: crate::serving::ListenerStopping,
) -> Result<Response, ApiError> {
    let timeout = query.timeout_secs.unwrap_or(DEFAULT_LONG_POLL_SECS);
    if !(1..=MAX_LONG_POLL_SECS).contains(&timeout) {
        return Err(ApiError::BadRequest(format!(
            "timeout_secs must be between 1 and {MAX_LONG_POLL_SECS}, got {timeout}"
        )));
    }
    let after = query.after_version.unwrap_or(0);
    // Listening to the order's changes before reading it again, so that no
    // change falls between the two.
    let store = &streams.source.store;
    let mut subscription = store
        .feed()
        .subscribe_order(current(&latest, store, &token).await?.id);
    let mut order = current(&latest, store, &token).await?;
    let metrics = streams.transport_metrics.clone();
    let deadline = tokio::time::sleep(Duration::from_secs(timeout));
    tokio::pin!(deadline);
    let shutdown = stopping.0;
    loop {
        if order.version > after {
            metrics.delivered(Transport::Longpoll, order.updated_at);
            return Ok(tracked(&order));
        }
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            _ = &mut deadline => break,
            delivery = subscription.next() => match delivery {
                None => break,
                // The subscription carries only this order's changes.
                Some(Delivery::Change(change)) => {
                    if let Some(event) = change.order_event() {
                        order = Arc::new(event.order.clone());
                    }
                }
                // Fell behind the feed: the database has the truth.
                Some(Delivery::Missed) => {
                    order = Arc::new(store.get(order.id).await?.ok_or_else(no_such_order)?);
                }
            },
        }
    }
    metrics.unchanged(Transport::Longpoll);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A socket's read buffer, in bytes.
const SOCKET_READ_BUFFER: usize = 4 * 1024;
/// The largest message a customer's socket may send, in bytes.
const MAX_CLIENT_MESSAGE: usize = 4 * 1024;

/// `GET /api/track/{token}/ws`: the order over a WebSocket. It carries the
/// stream's `snapshot`, `order` and `reset` messages as JSON text, resumes
/// after `?last_event_id=N`, and closes normally after the final stage.
#[utoipa::path(get, path = "/api/track/{token}/ws", tag = "streams",
    params(("token" = String, Path, description = "The order's tracking token"),
           ("last_event_id" = Option<String>, Query, description = "Resume after this sequence number")),
    responses((status = 101, description = "A WebSocket of SocketMessage JSON texts: snapshot or reset first, then order messages"),
              (status = 204, description = "The client already saw the order's final state"),
              (status = 503, description = "Too many open connections; see Retry-After", body = ApiErrorBody),
              (status = 404, description = "No such order", body = ApiErrorBody)))]
pub async fn socket(
    State(streams): State<Streams>,
    State(admission): State<Admission>,
    ApiPath(token): ApiPath<String>,
    ApiQuery(query): ApiQuery<StreamQuery>,
    stopping: crate::serving::ListenerStopping,
    extensions: Extensions,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let from = resume_from(&HeaderMap::new(), &query);
    let cursor = match open(&streams, &token, Encoding::TrackWs, from).await? {
        Opened::Cursor(cursor) => cursor,
        Opened::Finished => return Ok(live_stream::no_more_events()),
    };
    // The socket outlives this response, so it holds its place itself.
    let permit = admission.admit(&extensions)?;
    // Customers have nothing to send: small buffers, and no room for big
    // messages (the defaults reserve 128 KiB per socket and allow 64 MiB).
    let upgrade = upgrade
        .read_buffer_size(SOCKET_READ_BUFFER)
        .write_buffer_size(0)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE);
    // Its queries after the upgrade are counted for the transport too.
    let queries = query_counter(streams.transport_metrics.clone(), Transport::Ws);
    Ok(upgrade.on_upgrade(move |socket| {
        query_count::counting(
            queries,
            track_socket::run(streams, cursor, socket, permit, stopping.0),
        )
    }))
}

/// The opening steps every way of following an order shares: the order
/// behind the token (404 if none), and a cursor on it in `encoding`.
async fn open(
    streams: &Streams,
    token: &str,
    encoding: Encoding,
    from: ResumeFrom,
) -> Result<Opened, ApiError> {
    let order = streams
        .source
        .store
        .by_tracking_token(token)
        .await?
        .ok_or_else(no_such_order)?;
    let audience = Audience::Track(order.id);
    Ok(Cursor::open(&streams.source, audience, encoding, from).await?)
}

/// `GET /api/track/{token}/events`: 404 for an unknown token; 204 for a client
/// that already saw its order's final state, which tells EventSource to stop.
#[utoipa::path(get, path = "/api/track/{token}/events", tag = "streams",
    params(("token" = String, Path, description = "The order's tracking token"),
           ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event id; one that cannot be replayed earns a reset"),
           ("last_event_id" = Option<String>, Query, description = "The same, for clients that cannot set headers")),
    responses((status = 200, description = "An SSE stream: snapshot or reset first (a TrackSnapshot, with the order's place in the queue while it waits), then order events, and queue events (a TrackQueue, without an id) when its place moves", content_type = "text/event-stream", body = String),
              (status = 503, description = "Too many open streams; see Retry-After", body = ApiErrorBody),
              (status = 204, description = "The client already saw the order's final state: stop"),
              (status = 404, description = "No such order", body = ApiErrorBody)))]
pub async fn stream(
    State(streams): State<Streams>,
    ApiPath(token): ApiPath<String>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<StreamQuery>,
) -> Result<Response, ApiError> {
    let from = resume_from(&headers, &query);
    Ok(
        match open(&streams, &token, Encoding::TrackSse, from).await? {
            Opened::Cursor(cursor) => live_stream::response(streams, cursor),
            Opened::Finished => live_stream::no_more_events(),
        },
    )
}
