//! `GET /api/board/events`: the public stream for customer boards. It carries
//! only what a board shows: number, first name and stage.

use crate::error::{ApiError, ApiQuery};
use crate::sse::live_stream::{self, Audience};
use crate::sse::resume::{resume_from, StreamQuery};
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

pub async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<StreamQuery>,
) -> Result<Response, ApiError> {
    live_stream::open(state, Audience::Board, resume_from(&headers, &query)).await
}
