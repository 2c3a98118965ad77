//! `/api/demo`: start and stop the demo driver, which makes orders arrive and
//! move on a seeded, realistic schedule (staff only).

use crate::error::{ApiError, ApiJson};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use orderboard_model::workshop::DEFAULT_DEMO_SPEED;
use orderboard_model::{ApiErrorBody, DemoRequest, DemoStatus};

/// `GET /api/demo`
#[utoipa::path(get, path = "/api/demo", tag = "workshop",
    responses((status = 200, description = "Whether the demo driver runs, and what it has done", body = DemoStatus),
              (status = 401, description = "A staff session is needed", body = ApiErrorBody)))]
pub async fn status(State(state): State<AppState>) -> Json<DemoStatus> {
    Json(state.demo.status())
}

/// `PUT /api/demo`: `{"running": true, "seed": 7, "speed": 10}` starts (or
/// restarts) it; `{"running": false}` stops it, leaving its orders as they are.
#[utoipa::path(put, path = "/api/demo", tag = "workshop", request_body = DemoRequest,
    responses((status = 200, description = "The demo driver's state", body = DemoStatus),
              (status = 422, description = "A speed out of range", body = ApiErrorBody),
              (status = 401, description = "A staff session is needed", body = ApiErrorBody)))]
pub async fn set(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<DemoRequest>,
) -> Result<Json<DemoStatus>, ApiError> {
    if !request.running {
        return Ok(Json(state.demo.stop()));
    }
    let seed = request.seed.unwrap_or_else(|| state.demo.status().seed);
    let speed = request.speed.unwrap_or(DEFAULT_DEMO_SPEED);
    Ok(Json(state.demo.start(seed, speed)?))
}
