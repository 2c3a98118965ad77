//! `/api/track/{token}`: one customer's view of their order, reached only by
//! its tracking token, and its live stream.

use crate::error::{ApiError, ApiQuery};
use crate::sse::live_stream::{self, Audience, Start};
use crate::sse::resume::{resume_from, StreamQuery};
use crate::store::event_log;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use orderboard_model::TrackedOrder;

fn no_such_order() -> ApiError {
    ApiError::NotFound("no such order: check the tracking link".into())
}

/// `GET /api/track/{token}`
pub async fn get(
    State(state): State<AppState>,
    Path(token): Path<String>,
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
pub async fn stream(
    State(state): State<AppState>,
    Path(token): Path<String>,
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
