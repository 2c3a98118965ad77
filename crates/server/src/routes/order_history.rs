//! `/api/orders/history` and `/api/orders/export.csv`: finished orders,
//! searched page by page, or exported for a spreadsheet.

use crate::error::{ApiError, ApiQuery};
use crate::reports::csv_export;
use crate::reports::range::{parse_time, Range};
use crate::routes::reports::finished_in;
use crate::store::finished_rows::HistorySearch;
use crate::store::rows::to_millis;
use crate::store::OrderStore;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use orderboard_model::reports::{HistoryPage, DEFAULT_HISTORY_PER_PAGE, MAX_HISTORY_PER_PAGE};
use orderboard_model::{ApiErrorBody, ValidationError};
use serde::Deserialize;
use time::macros::format_description;

fn invalid(field: &str, message: String) -> ApiError {
    ApiError::Validation(ValidationError {
        field: field.into(),
        message,
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Matches the order number exactly, a part of the customer's name
    /// (whatever its case), or an external reference's id exactly.
    pub q: Option<String>,
    /// Finished at or after this RFC 3339 time.
    pub from: Option<String>,
    /// Finished before this RFC 3339 time.
    pub to: Option<String>,
    /// 1-based; 1 if absent.
    pub page: Option<u32>,
    /// 1 to 100; 20 if absent.
    pub per_page: Option<u32>,
}

/// `GET /api/orders/history?q=&from=&to=&page=&per_page=`: finished orders
/// (collected, delivered or cancelled), newest first, a page at a time,
/// with how many match in all.
#[utoipa::path(get, path = "/api/orders/history", tag = "orders", params(HistoryQuery),
    responses((status = 200, description = "One page of finished orders, newest first", body = HistoryPage),
              (status = 400, description = "An unknown parameter, or page or per_page not a number", body = ApiErrorBody),
              (status = 422, description = "from or to not RFC 3339, from after to, a range over 366 days, page 0, or per_page not 1 to 100", body = ApiErrorBody)))]
pub async fn history(
    State(store): State<OrderStore>,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> Result<Json<HistoryPage>, ApiError> {
    let from = query
        .from
        .as_deref()
        .map(|t| parse_time("from", t))
        .transpose()?;
    let to = query
        .to
        .as_deref()
        .map(|t| parse_time("to", t))
        .transpose()?;
    if let (Some(from), Some(to)) = (from, to) {
        Range::check(from, to)?;
    }
    let page = query.page.unwrap_or(1);
    if page == 0 {
        return Err(invalid("page", "must be 1 or more".into()));
    }
    let per_page = query.per_page.unwrap_or(DEFAULT_HISTORY_PER_PAGE);
    if !(1..=MAX_HISTORY_PER_PAGE).contains(&per_page) {
        return Err(invalid(
            "per_page",
            format!("must be 1 to {MAX_HISTORY_PER_PAGE}, got {per_page}"),
        ));
    }
    let search = HistorySearch {
        text: query
            .q
            .map(|q| q.trim().to_string())
            .filter(|q| !q.is_empty()),
        from_ms: from.map(to_millis),
        to_ms: to.map(to_millis),
    };
    let offset = u64::from(page - 1) * u64::from(per_page);
    let (orders, total) = store.history(&search, per_page, offset).await?;
    Ok(Json(HistoryPage {
        orders,
        total,
        page,
        per_page,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Orders finished at or after this RFC 3339 time.
    pub from: String,
    /// Orders finished before this RFC 3339 time; at most 366 days after `from`.
    pub to: String,
}

/// `GET /api/orders/export.csv?from=&to=`: the finished orders of the
/// range, oldest first, one row per item, as a CSV attachment.
#[utoipa::path(get, path = "/api/orders/export.csv", tag = "orders", params(ExportQuery),
    responses((status = 200, description = "text/csv; charset=utf-8, a header row then one row per item; cells starting with = + - @ (or tab, CR) get a leading '", content_type = "text/csv"),
              (status = 400, description = "A missing or unknown parameter", body = ApiErrorBody),
              (status = 422, description = "from or to not RFC 3339, from after to, a range over 366 days, or more than 20000 finished orders in the range", body = ApiErrorBody)))]
pub async fn export_csv(
    State(store): State<OrderStore>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let range = Range::parse(&query.from, &query.to)?;
    let orders = finished_in(&store, range).await?;
    let body = csv_export::write(&orders).map_err(|e| ApiError::Internal(e.into()))?;
    let stamp = format_description!("[year][month][day]T[hour][minute][second]Z");
    let name = |t: time::OffsetDateTime| {
        t.to_offset(time::UtcOffset::UTC)
            .format(&stamp)
            .unwrap_or_default()
    };
    let disposition = format!(
        "attachment; filename=\"orders-{}-{}.csv\"",
        name(range.from),
        name(range.to)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    ))
}
