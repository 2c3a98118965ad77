//! Workshop mode's endpoints: the transports' counts (`/metrics` for
//! Prometheus, `/api/workshop/counts` as JSON), the live stream of chart
//! points for the workshop page, and the comparison it starts and stops.

use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::wire::sse as encoder;
use crate::workshop::Workshop;
use crate::workshop::{db_poll_stream, rates};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use orderboard_model::workshop::{WORKSHOP_COMPARISON_EVENT, WORKSHOP_SAMPLE_EVENT};
use orderboard_model::{
    ApiErrorBody, ComparisonRequest, ComparisonState, TransportCountsReport, WorkshopSample,
};
use serde::Deserialize;
use std::time::Duration;
use tokio::time::MissedTickBehavior;

/// How often the workshop stream sends a chart point.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(1);

/// `GET /metrics`: the Prometheus text format.
pub async fn metrics(State(workshop): State<Workshop>) -> Response {
    let mut response = workshop.transport_metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// `GET /api/workshop/counts`
#[utoipa::path(get, path = "/api/workshop/counts", tag = "workshop",
    responses((status = 200, description = "Each transport's counts since the server started (the figures of /metrics)", body = TransportCountsReport)))]
pub async fn counts(State(workshop): State<Workshop>) -> Json<TransportCountsReport> {
    Json(workshop.transport_metrics.counts())
}

/// `GET /api/workshop/events`: a `sample` every second (each transport's
/// rates over the last second, and the comparison's state), and a
/// `comparison` whenever the comparison changes phase.
#[utoipa::path(get, path = "/api/workshop/events", tag = "workshop",
    responses((status = 200, description = "An SSE stream of `sample` (WorkshopSample) and `comparison` (ComparisonState) events", content_type = "text/event-stream", body = String),
              (status = 503, description = "Too many open streams; see Retry-After", body = ApiErrorBody)))]
pub async fn events(State(workshop): State<Workshop>) -> Response {
    let body = async_stream::stream! {
        let mut comparison = workshop.comparison.watch();
        yield encoder::unnumbered_frame(WORKSHOP_COMPARISON_EVENT, &workshop.comparison.current());
        let mut before = workshop.transport_metrics.counts();
        let mut tick = tokio::time::interval(SAMPLE_EVERY);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        tick.tick().await;
        let shutdown = workshop.shutdown.clone().cancelled_owned();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                biased;
                _ = &mut shutdown => return,
                changed = comparison.changed() => {
                    if changed.is_err() { return; }
                    comparison.borrow_and_update();
                    yield encoder::unnumbered_frame(WORKSHOP_COMPARISON_EVENT, &workshop.comparison.current());
                }
                _ = tick.tick() => {
                    let now = workshop.transport_metrics.counts();
                    let sample = WorkshopSample {
                        uptime_ms: now.uptime_ms,
                        transports: rates::between(&before, &now),
                        comparison: workshop.comparison.current(),
                    };
                    before = now;
                    yield encoder::unnumbered_frame(WORKSHOP_SAMPLE_EVENT, &sample);
                }
            }
        }
    };
    crate::sse::stream_response::response(body)
}

/// `GET /api/workshop/comparison`
#[utoipa::path(get, path = "/api/workshop/comparison", tag = "workshop",
    responses((status = 200, description = "The comparison's state, with the report once it is finished", body = ComparisonState)))]
pub async fn comparison(State(workshop): State<Workshop>) -> Json<ComparisonState> {
    Json(workshop.comparison.current())
}

/// `POST /api/workshop/comparison` (staff): starts simulated customers on
/// each transport against this server.
#[utoipa::path(post, path = "/api/workshop/comparison", tag = "workshop", request_body = ComparisonRequest,
    responses((status = 202, description = "Started", body = ComparisonState),
              (status = 409, description = "A comparison is already running", body = ApiErrorBody),
              (status = 422, description = "A value out of range", body = ApiErrorBody),
              (status = 401, description = "A staff session is needed", body = ApiErrorBody)))]
pub async fn start_comparison(
    State(workshop): State<Workshop>,
    ApiJson(request): ApiJson<ComparisonRequest>,
) -> Result<(StatusCode, Json<ComparisonState>), ApiError> {
    let started = workshop.comparison.start(
        workshop.store.clone(),
        &workshop.shutdown,
        &workshop.limits,
        request,
    )?;
    Ok((StatusCode::ACCEPTED, Json(started)))
}

/// `DELETE /api/workshop/comparison` (staff): stops the running comparison;
/// its report follows on the workshop stream and here.
#[utoipa::path(delete, path = "/api/workshop/comparison", tag = "workshop",
    responses((status = 200, description = "Stopping (or already over)", body = ComparisonState),
              (status = 401, description = "A staff session is needed", body = ApiErrorBody)))]
pub async fn stop_comparison(State(workshop): State<Workshop>) -> Json<ComparisonState> {
    Json(workshop.comparison.stop())
}

/// The query of `GET /api/workshop/sse-db-poll/{token}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DbPollQuery {
    /// How often the stream queries the database, 500 to 60,000 ms (3,000 when left out).
    pub interval_ms: Option<u64>,
}

/// `GET /api/workshop/sse-db-poll/{token}`: SSE over database polling, the
/// tutorials' sample, for the workshop to measure against the real streams
/// (see [`db_poll_stream`]). An `order` event with the order as its
/// customer sees it, then again each time a query finds a newer version.
#[utoipa::path(get, path = "/api/workshop/sse-db-poll/{token}", tag = "workshop",
    params(("token" = String, Path, description = "The order's tracking token"), DbPollQuery),
    responses((status = 200, description = "An SSE stream of `order` events (TrackedOrder), without ids: it cannot resume", content_type = "text/event-stream", body = String),
              (status = 400, description = "An interval out of range", body = ApiErrorBody),
              (status = 404, description = "No such order", body = ApiErrorBody),
              (status = 503, description = "Too many open streams; see Retry-After", body = ApiErrorBody)))]
pub async fn sse_db_poll(
    State(workshop): State<Workshop>,
    ApiPath(token): ApiPath<String>,
    ApiQuery(query): ApiQuery<DbPollQuery>,
) -> Result<Response, ApiError> {
    let interval = query
        .interval_ms
        .map_or(db_poll_stream::DEFAULT_INTERVAL, Duration::from_millis);
    if !(db_poll_stream::MIN_INTERVAL..=db_poll_stream::MAX_INTERVAL).contains(&interval) {
        return Err(ApiError::BadRequest(format!(
            "interval_ms must be between {} and {}, got {}",
            db_poll_stream::MIN_INTERVAL.as_millis(),
            db_poll_stream::MAX_INTERVAL.as_millis(),
            interval.as_millis()
        )));
    }
    let order = workshop
        .store
        .by_tracking_token(&token)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such order: check the tracking link".into()))?;
    // Like every handed-off event stream, it also ends with its connection.
    let frames = db_poll_stream::frames(
        workshop.store,
        workshop.transport_metrics,
        order,
        interval,
        workshop.shutdown,
    );
    Ok(crate::sse::stream_response::response(frames))
}
