//! `/api/webhooks`: staff register, list and delete the endpoints that
//! changes are sent to, and see each endpoint's delivery attempts. For
//! signed-in staff only: a key cannot see or make signing secrets.

use crate::error::{ApiError, ApiJson, ApiPath};
use crate::webhooks::Webhooks;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use orderboard_model::{ApiErrorBody, CreatedWebhook, NewWebhook, WebhookAttempt, WebhookInfo};
use std::sync::Arc;

/// `POST /api/webhooks`: `{"url": "https://…", "events": ["order.created"]}`;
/// 201 with the signing secret, shown this once. The endpoint is sent every
/// change from now on.
#[utoipa::path(post, path = "/api/webhooks", tag = "webhooks", request_body = NewWebhook,
    responses((status = 201, description = "Registered; the signing secret is in the answer, and only there", body = CreatedWebhook),
              (status = 403, description = "Asked with an API key", body = ApiErrorBody),
              (status = 422, description = "A URL that is not http(s), an unknown event type, no event, or too many endpoints", body = ApiErrorBody)))]
pub async fn create(
    State(webhooks): State<Arc<Webhooks>>,
    ApiJson(new): ApiJson<NewWebhook>,
) -> Result<(StatusCode, Json<CreatedWebhook>), ApiError> {
    Ok((StatusCode::CREATED, Json(webhooks.create(new).await?)))
}

/// `GET /api/webhooks`: every endpoint, oldest first, without its secret;
/// a disabled one says since when.
#[utoipa::path(get, path = "/api/webhooks", tag = "webhooks",
    responses((status = 200, description = "The endpoints", body = Vec<WebhookInfo>),
              (status = 403, description = "Asked with an API key", body = ApiErrorBody)))]
pub async fn list(
    State(webhooks): State<Arc<Webhooks>>,
) -> Result<Json<Vec<WebhookInfo>>, ApiError> {
    Ok(Json(webhooks.list().await?))
}

/// `DELETE /api/webhooks/{id}`: nothing more is sent to the endpoint.
#[utoipa::path(delete, path = "/api/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 204, description = "Deleted"),
              (status = 403, description = "Asked with an API key", body = ApiErrorBody),
              (status = 404, description = "No such endpoint", body = ApiErrorBody)))]
pub async fn delete(
    State(webhooks): State<Arc<Webhooks>>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    if webhooks.delete(&id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found())
    }
}

/// `GET /api/webhooks/{id}/deliveries`: the endpoint's attempts, newest
/// first (the last 500, kept 7 days): each message's id, attempt number,
/// time, the endpoint's status or the error, and whether it was taken.
#[utoipa::path(get, path = "/api/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 200, description = "The attempts, newest first", body = Vec<WebhookAttempt>),
              (status = 403, description = "Asked with an API key", body = ApiErrorBody),
              (status = 404, description = "No such endpoint", body = ApiErrorBody)))]
pub async fn deliveries(
    State(webhooks): State<Arc<Webhooks>>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<WebhookAttempt>>, ApiError> {
    webhooks
        .attempts(&id)
        .await?
        .map(Json)
        .ok_or_else(not_found)
}

fn not_found() -> ApiError {
    ApiError::NotFound("no such webhook endpoint".into())
}
