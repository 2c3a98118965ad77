//! `/api/orders`: staff list, create and move orders.

use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::store::{Claim, OrderStore};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Extension;
use axum::Json;
use orderboard_model::{
    ApiErrorBody, ExternalRef, ItemBumpRequest, NewOrder, Order, Stage, StageChangeRequest,
};
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only orders in this stage.
    pub stage: Option<Stage>,
    /// The order with this external reference, written `source:id`
    /// (`till-1:A-1043`), in whatever stage: a list of one, or empty.
    pub external_ref: Option<String>,
}

/// `GET /api/orders`: active orders, oldest first; `?stage=` filters;
/// `?external_ref=source:id` finds the order with that reference.
#[utoipa::path(get, path = "/api/orders", tag = "orders", params(ListQuery),
    responses((status = 200, description = "Active orders, oldest first; or the one with the external reference", body = Vec<Order>),
              (status = 400, description = "Malformed JSON, query or header", body = ApiErrorBody),
              (status = 422, description = "An external_ref that is not source:id", body = ApiErrorBody)))]
pub async fn list(
    State(store): State<OrderStore>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<Order>>, ApiError> {
    if let Some(text) = &query.external_ref {
        let wanted = ExternalRef::parse(text).map_err(ApiError::Validation)?;
        let found = store.by_external_ref(&wanted).await?;
        let found = found.filter(|o| query.stage.is_none_or(|stage| o.stage == stage));
        return Ok(Json(found.into_iter().collect()));
    }
    Ok(Json(store.list_active(query.stage).await?))
}

/// `POST /api/orders`: 201 with the new order and its `Location`.
#[utoipa::path(post, path = "/api/orders", tag = "orders", request_body = NewOrder,
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters: a retry with the same key and body gets the first answer again, with Idempotent-Replayed: true")),
    responses((status = 201, description = "Created, with its Location", body = Order),
              (status = 400, description = "Malformed JSON, query or header", body = ApiErrorBody),
              (status = 409, description = "Every display number is in use; another order carries this external_ref (external_ref_in_use, with that order); or another node is still answering this Idempotency-Key (idempotency_in_progress, see Retry-After)", body = ApiErrorBody),
              (status = 413, description = "Body over 64 KB", body = ApiErrorBody),
              (status = 415, description = "Body not sent as JSON", body = ApiErrorBody),
              (status = 422, description = "Wrong shape, a broken limit, or an Idempotency-Key used with another request", body = ApiErrorBody)))]
pub async fn create(
    State(store): State<OrderStore>,
    claim: Option<Extension<Claim>>,
    ApiJson(new): ApiJson<NewOrder>,
) -> Result<impl IntoResponse, ApiError> {
    let order = store.create_claimed(new, claim.map(|c| c.0)).await?;
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
#[utoipa::path(get, path = "/api/orders/{id}", tag = "orders",
    params(("id" = String, Path, description = "The order's id (a UUID)")),
    responses((status = 200, description = "The order with its stage history", body = Order),
              (status = 404, description = "No such order", body = ApiErrorBody)))]
pub async fn get(
    State(store): State<OrderStore>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Order>, ApiError> {
    let id = parse_order_id(&id)?;
    store
        .get(id)
        .await?
        .map(Json)
        .ok_or_else(ApiError::order_not_found)
}

/// `POST /api/orders/{id}/stage`: `{"to": "ready", "expected_version": 3}`.
#[utoipa::path(post, path = "/api/orders/{id}/stage", tag = "orders", request_body = StageChangeRequest,
    params(("id" = String, Path, description = "The order's id (a UUID)"),
           ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters: a retry with the same key and body gets the first answer again, with Idempotent-Replayed: true")),
    responses((status = 200, description = "Moved", body = Order),
              (status = 400, description = "Malformed JSON, query or header", body = ApiErrorBody),
              (status = 404, description = "No such order", body = ApiErrorBody),
              (status = 409, description = "Not allowed from the current stage, a stale expected_version, the number is in use, or another node is still answering this Idempotency-Key", body = ApiErrorBody),
              (status = 413, description = "Body over 64 KB", body = ApiErrorBody),
              (status = 415, description = "Body not sent as JSON", body = ApiErrorBody),
              (status = 422, description = "Wrong shape, or an Idempotency-Key used with another request", body = ApiErrorBody)))]
pub async fn change_stage(
    State(store): State<OrderStore>,
    ApiPath(id): ApiPath<String>,
    claim: Option<Extension<Claim>>,
    ApiJson(request): ApiJson<StageChangeRequest>,
) -> Result<Json<Order>, ApiError> {
    let id = parse_order_id(&id)?;
    let order = store
        .change_stage_claimed(id, request, claim.map(|c| c.0))
        .await?;
    tracing::info!(order = %order.id, number = order.number, stage = %order.stage, version = order.version, "stage changed");
    Ok(Json(order))
}

/// `POST /api/orders/{id}/items/{index}`: `{"done": true, "expected_version": 3}`.
/// In `received`, the first item done moves the order to `preparing`; with
/// the `auto_ready` setting, the last one moves it to `ready`. Marking an
/// item not done again never moves the order back.
#[utoipa::path(post, path = "/api/orders/{id}/items/{index}", tag = "orders", request_body = ItemBumpRequest,
    params(("id" = String, Path, description = "The order's id (a UUID)"),
           ("index" = u16, Path, description = "The item's index in the order's items, from 0"),
           ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters: a retry with the same key and body gets the first answer again, with Idempotent-Replayed: true")),
    responses((status = 200, description = "Bumped (and moved, if the bump moved it)", body = Order),
              (status = 400, description = "Malformed JSON, query or header", body = ApiErrorBody),
              (status = 404, description = "No such order, or no such item", body = ApiErrorBody),
              (status = 409, description = "A final or scheduled order (stage_conflict), or a stale expected_version (version_conflict), with the order's real state", body = ApiErrorBody),
              (status = 413, description = "Body over 64 KB", body = ApiErrorBody),
              (status = 415, description = "Body not sent as JSON", body = ApiErrorBody),
              (status = 422, description = "Wrong shape, or an Idempotency-Key used with another request", body = ApiErrorBody)))]
pub async fn bump_item(
    State(store): State<OrderStore>,
    ApiPath((id, index)): ApiPath<(String, String)>,
    claim: Option<Extension<Claim>>,
    ApiJson(request): ApiJson<ItemBumpRequest>,
) -> Result<Json<Order>, ApiError> {
    let id = parse_order_id(&id)?;
    let index: u16 = index
        .parse()
        .map_err(|_| ApiError::NotFound("no such item in this order".into()))?;
    let order = store
        .bump_item_claimed(id, index, request, claim.map(|c| c.0))
        .await?;
    tracing::info!(order = %order.id, number = order.number, item = index, stage = %order.stage, version = order.version, "item bumped");
    Ok(Json(order))
}
