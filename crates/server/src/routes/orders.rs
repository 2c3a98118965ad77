//! `/api/orders`: staff list, create and move orders.

use crate::error::{ApiError, ApiJson, ApiQuery};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use orderboard_model::{NewOrder, Order, Stage, StageChangeRequest};
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub stage: Option<Stage>,
}

/// `GET /api/orders`: active orders, oldest first; `?stage=` filters.
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<Order>>, ApiError> {
    Ok(Json(state.store.list_active(query.stage).await?))
}

/// `POST /api/orders`: 201 with the new order and its `Location`.
pub async fn create(
    State(state): State<AppState>,
    ApiJson(new): ApiJson<NewOrder>,
) -> Result<impl IntoResponse, ApiError> {
    let order = state.store.create(new).await?;
    let location = format!("/api/orders/{}", order.id);
    tracing::info!(order = %order.id, number = order.number, "order created");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(order),
    ))
}

/// Order ids in paths: anything that is not a UUID is simply not an order.
pub fn parse_order_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::order_not_found())
}

/// `GET /api/orders/{id}`
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Order>, ApiError> {
    let id = parse_order_id(&id)?;
    state
        .store
        .get(id)
        .await?
        .map(Json)
        .ok_or_else(ApiError::order_not_found)
}

/// `POST /api/orders/{id}/stage`: `{"to": "ready", "expected_version": 3}`.
pub async fn change_stage(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<StageChangeRequest>,
) -> Result<Json<Order>, ApiError> {
    let id = parse_order_id(&id)?;
    let order = state.store.change_stage(id, request).await?;
    tracing::info!(order = %order.id, number = order.number, stage = %order.stage, version = order.version, "stage changed");
    Ok(Json(order))
}
