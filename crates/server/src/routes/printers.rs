//! `/api/printers` and `/api/orders/{id}/print`: staff register, list and
//! delete kitchen printers, print a test ticket, and reprint an order.
//! Printing happens later, from each printer's durable queue: these
//! answer 202 once the tickets are queued.

use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::printers::Printers;
use crate::routes::orders::parse_order_id;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use orderboard_model::{ApiErrorBody, NewPrinter, PrintQueued, PrinterInfo};
use serde::Deserialize;
use std::sync::Arc;

/// `POST /api/printers`: `{"name": "Grill", "address": "192.168.1.50:9100",
/// "stations": ["grill"]}`; 201. It prints every order made from now on.
#[utoipa::path(post, path = "/api/printers", tag = "printers", request_body = NewPrinter,
    responses((status = 201, description = "Registered", body = PrinterInfo),
              (status = 403, description = "Asked with an API key", body = ApiErrorBody),
              (status = 422, description = "An address that does not parse, a bad name or station, or too many printers", body = ApiErrorBody)))]
pub async fn create(
    State(printers): State<Arc<Printers>>,
    ApiJson(new): ApiJson<NewPrinter>,
) -> Result<(StatusCode, Json<PrinterInfo>), ApiError> {
    Ok((StatusCode::CREATED, Json(printers.create(new).await?)))
}

/// `GET /api/printers`: every printer, oldest first, with its state
/// (online, offline and why, unknown) and how many tickets wait for it.
#[utoipa::path(get, path = "/api/printers", tag = "printers",
    responses((status = 200, description = "The printers", body = Vec<PrinterInfo>),
              (status = 403, description = "Asked with an API key", body = ApiErrorBody)))]
pub async fn list(
    State(printers): State<Arc<Printers>>,
) -> Result<Json<Vec<PrinterInfo>>, ApiError> {
    Ok(Json(printers.list().await?))
}

/// `DELETE /api/printers/{id}`: the printer and its waiting tickets go.
#[utoipa::path(delete, path = "/api/printers/{id}", tag = "printers",
    params(("id" = String, Path, description = "The printer's id")),
    responses((status = 204, description = "Deleted"),
              (status = 403, description = "Asked with an API key", body = ApiErrorBody),
              (status = 404, description = "No such printer", body = ApiErrorBody)))]
pub async fn delete(
    State(printers): State<Arc<Printers>>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    if printers.delete(&id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found())
    }
}

/// `POST /api/printers/{id}/test`: queues a test ticket; 202.
#[utoipa::path(post, path = "/api/printers/{id}/test", tag = "printers",
    params(("id" = String, Path, description = "The printer's id")),
    responses((status = 202, description = "A test ticket is queued", body = PrintQueued),
              (status = 403, description = "Asked with an API key", body = ApiErrorBody),
              (status = 404, description = "No such printer", body = ApiErrorBody)))]
pub async fn test(
    State(printers): State<Arc<Printers>>,
    ApiPath(id): ApiPath<String>,
) -> Result<(StatusCode, Json<PrintQueued>), ApiError> {
    let queued = printers.test(&id).await?.ok_or_else(not_found)?;
    Ok((StatusCode::ACCEPTED, Json(queued)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PrintQuery {
    /// Only this printer.
    pub printer: Option<String>,
}

/// `POST /api/orders/{id}/print[?printer=ID]`: queues a reprint of the
/// order (headed REPRINT) on every printer that prints some of its items,
/// or on that one printer; 202 with the printers.
#[utoipa::path(post, path = "/api/orders/{id}/print", tag = "printers",
    params(("id" = String, Path, description = "The order's id (a UUID)"), PrintQuery),
    responses((status = 202, description = "Reprints are queued", body = PrintQueued),
              (status = 403, description = "Asked with an API key", body = ApiErrorBody),
              (status = 404, description = "No such order or printer", body = ApiErrorBody)))]
pub async fn reprint(
    State(printers): State<Arc<Printers>>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<PrintQuery>,
) -> Result<(StatusCode, Json<PrintQueued>), ApiError> {
    let id = parse_order_id(&id)?;
    let queued = printers.reprint(id, query.printer.as_deref()).await?;
    Ok((StatusCode::ACCEPTED, Json(queued)))
}

fn not_found() -> ApiError {
    ApiError::NotFound("no such printer".into())
}
