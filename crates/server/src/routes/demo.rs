//! `/api/demo`: start and stop the demo driver, which makes orders arrive and
//! move on a seeded, realistic schedule (staff only).

use crate::error::{ApiError, ApiJson};
use crate::workshop::demo_driver::DemoDriver;
use axum::extract::State;
use axum::Json;
use orderboard_model::workshop::DEFAULT_DEMO_SPEED;
use orderboard_model::{ApiErrorBody, DemoRequest, DemoStatus};
use std::sync::Arc;

/// `GET /api/demo`
#[utoipa::path(get, path = "/api/demo", tag = "workshop",
    responses((status = 200, description = "Whether the demo driver runs, and what it has done", body = DemoStatus),
              (status = 401, description = "A staff session is needed", body = ApiErrorBody)))]
pub async fn status(State(demo): State<Arc<DemoDriver>>) -> Json<DemoStatus> {
    Json(demo.status())
}

/// `PUT /api/demo`: `{"running": true, "seed": 7, "speed": 10}` starts (or
/// restarts) it; `{"running": false}` stops it, leaving its orders as they are.
#[utoipa::path(put, path = "/api/demo", tag = "workshop", request_body = DemoRequest,
    responses((status = 200, description = "The demo driver's state", body = DemoStatus),
              (status = 422, description = "A speed out of range", body = ApiErrorBody),
              (status = 401, description = "A staff session is needed", body = ApiErrorBody)))]
pub async fn set(
    State(demo): State<Arc<DemoDriver>>,
    ApiJson(request): ApiJson<DemoRequest>,
) -> Result<Json<DemoStatus>, ApiError> {
    if !request.running {
        return Ok(Json(demo.stop()));
    }
    let seed = request.seed.unwrap_or_else(|| demo.status().seed);
    let speed = request.speed.unwrap_or(DEFAULT_DEMO_SPEED);
    Ok(Json(demo.start(seed, speed)?))
}
