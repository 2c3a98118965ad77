//! `/api/track/{token}`: one customer's view of their order, reached only by
//! its tracking token, and its live stream.

use crate::error::{ApiError, ApiPath, ApiQuery};
use crate::sse::live_stream::{self, Audience, Start};
use crate::sse::resume::{resume_from, StreamQuery};
use crate::store::event_log;
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use orderboard_model::{ApiErrorBody, TrackedOrder};

fn no_such_order() -> ApiError {
    ApiError::NotFound("no such order: check the tracking link".into())
}

/// `GET /api/track/{token}`
#[utoipa::path(get, path = "/api/track/{token}", tag = "track",
    params(("token" = String, Path, description = "The order's tracking token")),
    responses((status = 200, description = "The customer's view of the order", body = TrackedOrder),
              (status = 404, description = "No such order", body = ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<TrackedOrder>, ApiError> {
    let order = state
        .store
        .by_tracking_token(&token)
        .await?
        .ok_or_else(no_such_order)?;
    Ok(Json(TrackedOrder::from(&order)))
}

/// `GET /api/track/{token}/events`: 404 for an unknown token; 204 for a client
/// that already saw its order's final state, which tells EventSource to stop.
#[utoipa::path(get, path = "/api/track/{token}/events", tag = "streams",
    params(("token" = String, Path, description = "The order's tracking token"),
           ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event id; one that cannot be replayed earns a reset"),
           ("last_event_id" = Option<String>, Query, description = "The same, for clients that cannot set headers")),
    responses((status = 200, description = "An SSE stream: snapshot or reset first, then order events", content_type = "text/event-stream", body = String),
              (status = 503, description = "Too many open streams; see Retry-After", body = ApiErrorBody),
              (status = 204, description = "The client already saw the order's final state: stop"),
              (status = 404, description = "No such order", body = ApiErrorBody)))]
pub async fn stream(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<StreamQuery>,
) -> Result<Response, ApiError> {
    let subscription = state.store.feed().subscribe();
    let order = state
        .store
        .by_tracking_token(&token)
        .await?
        .ok_or_else(no_such_order)?;
    let start = Start::plan(&state, resume_from(&headers, &query)).await?;
    if let Start::ReplayAfter(seen) = start {
        if order.stage.is_final() {
            let mut conn = state.store.pool().acquire().await?;
            let last = event_log::last_seq_of_order(&mut conn, order.id)
                .await?
                .unwrap_or(0);
            if seen >= last {
                return Ok(live_stream::no_more_events());
            }
        }
    }
    Ok(live_stream::response(
        state,
        Audience::Track(order.id),
        start,
        subscription,
    ))
}
