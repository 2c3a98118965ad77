//! `/api/keys`: staff make, list and revoke the API keys of integrations.
//! For signed-in staff only: a key cannot make or see keys.

use crate::auth::api_keys::ApiKeys;
use crate::error::{ApiError, ApiJson, ApiPath};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use orderboard_model::{ApiErrorBody, ApiKeyInfo, CreatedApiKey, NewApiKey};
use std::sync::Arc;

/// `POST /api/keys`: `{"name": "Till 1", "scopes": ["orders:write"]}`; 201
/// with the key, shown this once.
#[utoipa::path(post, path = "/api/keys", tag = "keys", request_body = NewApiKey,
    responses((status = 201, description = "Made; the key is in the answer, and only there", body = CreatedApiKey),
              (status = 403, description = "Asked with an API key", body = ApiErrorBody),
              (status = 422, description = "No name, a name too long, or no scope", body = ApiErrorBody)))]
pub async fn create(
    State(keys): State<Arc<ApiKeys>>,
    ApiJson(new): ApiJson<NewApiKey>,
) -> Result<(StatusCode, Json<CreatedApiKey>), ApiError> {
    Ok((StatusCode::CREATED, Json(keys.create(new).await?)))
}

/// `GET /api/keys`: every key, oldest first, without its secret.
#[utoipa::path(get, path = "/api/keys", tag = "keys",
    responses((status = 200, description = "The keys: name, scopes, hint, when made and last used", body = Vec<ApiKeyInfo>),
              (status = 403, description = "Asked with an API key", body = ApiErrorBody)))]
pub async fn list(State(keys): State<Arc<ApiKeys>>) -> Result<Json<Vec<ApiKeyInfo>>, ApiError> {
    Ok(Json(keys.list().await?))
}

/// `DELETE /api/keys/{id}`: revokes the key at once; its open streams end.
#[utoipa::path(delete, path = "/api/keys/{id}", tag = "keys",
    params(("id" = String, Path, description = "The key's id")),
    responses((status = 204, description = "Revoked"),
              (status = 403, description = "Asked with an API key", body = ApiErrorBody),
              (status = 404, description = "No such key", body = ApiErrorBody)))]
pub async fn revoke(
    State(keys): State<Arc<ApiKeys>>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    if keys.revoke(&id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("no such API key".into()))
    }
}
