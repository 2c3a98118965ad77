//! Workshop mode's endpoints: the transports' counts (`/metrics` for
//! Prometheus, `/api/workshop/counts` as JSON), the live stream of chart
//! points for the workshop page, the comparison it starts and stops, and
//! the connection drop drill.

use crate::client_addr::ClientAddr;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::wire::sse as encoder;
use crate::workshop::Workshop;
use crate::workshop::{db_poll_stream, rates};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use orderboard_model::drill::WORKSHOP_DRILL_EVENT;
use orderboard_model::workshop::{WORKSHOP_COMPARISON_EVENT, WORKSHOP_SAMPLE_EVENT};
use orderboard_model::{
    ApiErrorBody, ComparisonRequest, ComparisonState, DrillRequest, DrillState,
    TransportCountsReport, WorkshopSample,
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
/// rates over the last second, and the comparison's state), a
/// `comparison` whenever the comparison changes phase, and a `drill`
/// whenever the drill does.
#[utoipa::path(get, path = "/api/workshop/events", tag = "workshop",
    responses((status = 200, description = "An SSE stream of `sample` (WorkshopSample), `comparison` (ComparisonState) and `drill` (DrillState) events", content_type = "text/event-stream", body = String),
              (status = 503, description = "Too many open streams; see Retry-After", body = ApiErrorBody)))]
pub async fn events(State(workshop): State<Workshop>) -> Response {
    let body = async_stream::stream! {
        let mut comparison = workshop.comparison.watch();
        yield encoder::unnumbered_frame(WORKSHOP_COMPARISON_EVENT, &workshop.comparison.current());
        let mut drill = workshop.drill.watch();
        let first = drill.borrow_and_update().clone();
        yield encoder::unnumbered_frame(WORKSHOP_DRILL_EVENT, &first);
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
                changed = drill.changed() => {
                    if changed.is_err() { return; }
                    let state = drill.borrow_and_update().clone();
                    yield encoder::unnumbered_frame(WORKSHOP_DRILL_EVENT, &state);
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

/// `GET /api/workshop/drill`
#[utoipa::path(get, path = "/api/workshop/drill", tag = "workshop",
    responses((status = 200, description = "The connection drop drill's state, with the report once it is finished", body = DrillState)))]
pub async fn drill(State(workshop): State<Workshop>) -> Json<DrillState> {
    Json(workshop.drill.current())
}

/// `POST /api/workshop/drill` (staff, from this computer, while the demo
/// runs): simulated customers following the demo's orders lose their
/// connections for a few seconds while the orders move; half come back
/// with `Last-Event-ID`, half without. The report follows on the workshop
/// stream and at `GET`.
#[utoipa::path(post, path = "/api/workshop/drill", tag = "workshop", request_body = DrillRequest,
    responses((status = 202, description = "Started", body = DrillState),
              (status = 403, description = "Not from this computer (loopback)", body = ApiErrorBody),
              (status = 409, description = "A drill is already running (`already_running`), or the demo is not (`demo_not_running`)", body = ApiErrorBody),
              (status = 422, description = "A value out of range", body = ApiErrorBody),
              (status = 401, description = "A staff session is needed", body = ApiErrorBody)))]
pub async fn start_drill(
    State(workshop): State<Workshop>,
    client: Option<ClientAddr>,
    ApiJson(request): ApiJson<DrillRequest>,
) -> Result<(StatusCode, Json<DrillState>), ApiError> {
    if !client.is_some_and(|c| c.0.is_loopback()) {
        return Err(ApiError::Forbidden(
            "the drill cuts connections on this computer: start it from this computer".into(),
        ));
    }
    let started = workshop
        .drill
        .start(
            workshop.store.clone(),
            workshop.comparison.target(),
            workshop.demo.status().running,
            &workshop.shutdown,
            request,
        )
        .await?;
    Ok((StatusCode::ACCEPTED, Json(started)))
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
