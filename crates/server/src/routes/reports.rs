//! `/api/reports/…`: what finished orders say about the kitchen.

use crate::error::{ApiError, ApiQuery};
use crate::reports::prep_times::prep_times as compute;
use crate::reports::range::{parse_zone, Range};
use crate::store::OrderStore;
use axum::extract::State;
use axum::Json;
use orderboard_model::reports::{GroupBy, PrepTimesReport, MAX_REPORT_ORDERS};
use orderboard_model::{ApiErrorBody, Order};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PrepTimesQuery {
    /// Orders finished at or after this RFC 3339 time.
    pub from: String,
    /// Orders finished before this RFC 3339 time; at most 366 days after `from`.
    pub to: String,
    /// `hour` (of the day), `day`, `station` (one group, `no station`, until
    /// items have stations) or `item`.
    pub by: GroupBy,
    /// The IANA zone hours and days are read in (`Europe/Berlin`); UTC if absent.
    pub tz: Option<String>,
}

/// Reads the finished orders of a range, refusing a range with more than
/// [`MAX_REPORT_ORDERS`], so that no answer is silently partial.
pub async fn finished_in(store: &OrderStore, range: Range) -> Result<Vec<Order>, ApiError> {
    let orders = store
        .finished_between(range.from, range.to, MAX_REPORT_ORDERS + 1)
        .await?;
    if orders.len() > MAX_REPORT_ORDERS {
        return Err(ApiError::Validation(orderboard_model::ValidationError {
            field: "to".into(),
            message: format!(
                "more than {MAX_REPORT_ORDERS} finished orders in this range; ask for a shorter one"
            ),
        }));
    }
    Ok(orders)
}

/// `GET /api/reports/prep-times?from=&to=&by=&tz=`: for each group, the
/// orders handed over and cancelled, and the p50 and p90 of received →
/// ready, ready → handed over, and received → handed over; and the busiest
/// hours of the day.
#[utoipa::path(get, path = "/api/reports/prep-times", tag = "reports", params(PrepTimesQuery),
    responses((status = 200, description = "The report", body = PrepTimesReport),
              (status = 400, description = "A missing or unknown parameter, or an unknown `by`", body = ApiErrorBody),
              (status = 422, description = "from or to not RFC 3339, from after to, a range over 366 days, an unknown tz, or more than 20000 finished orders in the range", body = ApiErrorBody)))]
pub async fn prep_times(
    State(store): State<OrderStore>,
    ApiQuery(query): ApiQuery<PrepTimesQuery>,
) -> Result<Json<PrepTimesReport>, ApiError> {
    let range = Range::parse(&query.from, &query.to)?;
    let zone = parse_zone(query.tz.as_deref())?;
    let orders = finished_in(&store, range).await?;
    let (overall, groups, busiest_hours) = compute(&orders, query.by, &zone);
    Ok(Json(PrepTimesReport {
        from: query.from,
        to: query.to,
        by: query.by,
        tz: query.tz.unwrap_or_else(|| "UTC".into()),
        overall,
        groups,
        busiest_hours,
    }))
}
