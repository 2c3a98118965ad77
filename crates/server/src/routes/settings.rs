//! `/api/settings`: the kitchen's shared settings (ageing thresholds,
//! stations, dine-in on the board, auto-ready, sounds, the board's ready
//! timeout). A change is an event of the log: every staff stream is sent
//! it as `settings`, boards their part.

use crate::error::{ApiError, ApiJson};
use crate::store::OrderStore;
use axum::extract::State;
use axum::Json;
use orderboard_model::{ApiErrorBody, Settings};

/// `GET /api/settings`
#[utoipa::path(get, path = "/api/settings", tag = "kitchen",
    responses((status = 200, description = "The settings (the defaults until changed)", body = Settings)))]
pub async fn get(State(store): State<OrderStore>) -> Result<Json<Settings>, ApiError> {
    Ok(Json(store.settings().await?))
}

/// `PUT /api/settings`: the whole settings document.
#[utoipa::path(put, path = "/api/settings", tag = "kitchen", request_body = Settings,
    responses((status = 200, description = "Saved, and sent to every open screen", body = Settings),
              (status = 400, description = "Malformed JSON", body = ApiErrorBody),
              (status = 413, description = "Body over 64 KB", body = ApiErrorBody),
              (status = 415, description = "Body not sent as JSON", body = ApiErrorBody),
              (status = 422, description = "Wrong shape, or a field out of its limits (named in `field`)", body = ApiErrorBody)))]
pub async fn put(
    State(store): State<OrderStore>,
    ApiJson(settings): ApiJson<Settings>,
) -> Result<Json<Settings>, ApiError> {
    settings.validate().map_err(ApiError::Validation)?;
    let saved = store.save_settings(settings).await?;
    tracing::info!(stations = saved.stations.len(), "settings changed");
    Ok(Json(saved))
}
