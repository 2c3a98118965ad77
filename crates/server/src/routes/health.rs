//! `GET /api/health`: is the server up, how far the event log has got, and
//! how many streams are open, and how often they read from the log.

use crate::error::ApiError;
use crate::store::OrderStore;
use crate::stream::open_streams::OpenStreamCounts;
use axum::extract::State;
use axum::Json;
use orderboard_model::Health;
use std::sync::Arc;

#[utoipa::path(get, path = "/api/health", tag = "health",
    responses((status = 200, description = "The server is up", body = Health)))]
pub async fn health(
    State(store): State<OrderStore>,
    State(open_streams): State<Arc<OpenStreamCounts>>,
) -> Result<Json<Health>, ApiError> {
    let head_seq = store.head().await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        head_seq,
        open_streams: open_streams.snapshot(),
        log_catch_ups: open_streams.log_catch_ups(),
    }))
}
