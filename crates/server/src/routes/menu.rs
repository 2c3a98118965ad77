//! `/api/menu`: the dishes, each with its category and station. An
//! order's item without a station takes the menu's for its name; items
//! not on the menu are still allowed.

use crate::error::{ApiError, ApiJson};
use crate::store::{kitchen_rows, OrderStore};
use axum::extract::State;
use axum::Json;
use orderboard_model::{ApiErrorBody, Menu};

/// `GET /api/menu`
#[utoipa::path(get, path = "/api/menu", tag = "kitchen",
    responses((status = 200, description = "The menu (empty until set)", body = Menu)))]
pub async fn get(State(store): State<OrderStore>) -> Result<Json<Menu>, ApiError> {
    let mut conn = store.database().acquire().await?;
    Ok(Json(kitchen_rows::load_menu(conn.conn()).await?))
}

/// `PUT /api/menu`: the whole menu.
#[utoipa::path(put, path = "/api/menu", tag = "kitchen", request_body = Menu,
    responses((status = 200, description = "Saved", body = Menu),
              (status = 400, description = "Malformed JSON", body = ApiErrorBody),
              (status = 413, description = "Body over 64 KB", body = ApiErrorBody),
              (status = 415, description = "Body not sent as JSON", body = ApiErrorBody),
              (status = 422, description = "Wrong shape, a field out of its limits, a name twice, or a station the settings do not have (named in `field`)", body = ApiErrorBody)))]
pub async fn put(
    State(store): State<OrderStore>,
    ApiJson(menu): ApiJson<Menu>,
) -> Result<Json<Menu>, ApiError> {
    menu.validate().map_err(ApiError::Validation)?;
    let settings = store.settings().await?;
    menu.check_stations(&settings)
        .map_err(ApiError::Validation)?;
    let mut conn = store.database().acquire().await?;
    kitchen_rows::save_menu(conn.conn(), &menu).await?;
    tracing::info!(items = menu.items.len(), "menu changed");
    Ok(Json(menu))
}
