//! `GET /api/events`: the dispatchers' live stream of every order, in full.

use crate::error::{ApiError, ApiQuery};
use crate::sse::live_stream;
use crate::sse::Streams;
use crate::stream::resume::{resume_from, StreamQuery};
use crate::stream::Audience;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use orderboard_model::ApiErrorBody;

#[utoipa::path(get, path = "/api/events", tag = "streams",
    params(("Last-Event-ID" = Option<String>, Header, description = "Resume after this event id; one that cannot be replayed earns a reset"),
           ("last_event_id" = Option<String>, Query, description = "The same, for clients that cannot set headers")),
    responses((status = 200, description = "An SSE stream: snapshot or reset first, then order events", content_type = "text/event-stream", body = String),
              (status = 503, description = "Too many open streams; see Retry-After", body = ApiErrorBody)))]
pub async fn stream(
    State(streams): State<Streams>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<StreamQuery>,
) -> Result<Response, ApiError> {
    live_stream::open(streams, Audience::Staff, resume_from(&headers, &query)).await
}
