//! `GET /api/health`: is the server up, how far the event log has got, and
//! how many streams are open, and how often they read from the log.

use crate::error::ApiError;
use crate::store::event_log;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use orderboard_model::Health;

#[utoipa::path(get, path = "/api/health", tag = "health",
    responses((status = 200, description = "The server is up", body = Health)))]
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let mut conn = state.store.pool().acquire().await?;
    let head_seq = event_log::head(&mut conn).await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        head_seq,
        open_streams: state.open_streams.snapshot(),
        log_catch_ups: state.open_streams.log_catch_ups(),
    }))
}
