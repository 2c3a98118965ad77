//! Reports on finished orders: prep times per group, and the order history
//! staff search.

use crate::order::Order;
use serde::{Deserialize, Serialize};

/// The longest range a report, an export or a history search may cover.
pub const MAX_RANGE_DAYS: i64 = 366;
/// The most finished orders one report or export reads; a range with more
/// is refused (422), so that no answer is silently partial.
pub const MAX_REPORT_ORDERS: usize = 20_000;
/// The largest `per_page` of a history search.
pub const MAX_HISTORY_PER_PAGE: u32 = 100;
/// The `per_page` of a history search that names none.
pub const DEFAULT_HISTORY_PER_PAGE: u32 = 20;
/// The group of `by=station` for items without a station.
pub const NO_STATION: &str = "no station";

/// How a prep-time report groups orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// The hour of the day the order was received, `00:00` to `23:00`, in the report's zone.
    Hour,
    /// The calendar day the order was received, `2026-12-03`, in the report's zone.
    Day,
    /// The kitchen station of the order's items: an order counts once in
    /// the group of each station it has items for; items without a
    /// station count in `no station`.
    Station,
    /// The item's name: an order counts once in the group of each item it has.
    Item,
}

/// The median and 90th percentile of a duration, in milliseconds (nearest
/// rank); both `null` when no order of the group has the duration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Percentiles {
    pub p50_ms: Option<u64>,
    pub p90_ms: Option<u64>,
}

/// One group of a prep-time report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrepGroup {
    /// `14:00`, `2026-12-03`, `no station` or an item's name.
    pub key: String,
    /// Orders handed over (collected or delivered): the times are theirs.
    pub count: u64,
    /// Cancelled orders, counted apart and left out of the times.
    pub cancelled: u64,
    /// From received to ready.
    pub received_to_ready: Percentiles,
    /// From ready to handed over (collected, or delivered).
    pub ready_to_handed_over: Percentiles,
    /// From received to handed over.
    pub total: Percentiles,
}

/// Orders received in one hour of the day, across the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourCount {
    /// 0 to 23, in the report's zone.
    pub hour: u8,
    /// Finished orders received in that hour, cancelled ones included.
    pub orders: u64,
}

/// `GET /api/reports/prep-times`: finished orders (those that reached a
/// final stage within `[from, to)`), grouped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrepTimesReport {
    pub from: String,
    pub to: String,
    pub by: GroupBy,
    /// The IANA zone hours and days are read in (`UTC` unless `tz=` names one).
    pub tz: String,
    /// Every order of the range in one group.
    pub overall: PrepGroup,
    /// Groups in key order (hours and days ascending, items by name).
    pub groups: Vec<PrepGroup>,
    /// The hours of the day with orders, busiest first (ties: earlier hour first).
    pub busiest_hours: Vec<HourCount>,
}

/// `GET /api/orders/history`: one page of finished orders, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryPage {
    pub orders: Vec<Order>,
    /// Finished orders matching the search, on every page.
    pub total: u64,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

/// The `p`th percentile (0 to 100) of sorted values, by nearest rank.
pub fn nearest_rank(sorted: &[u64], p: u32) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p as usize * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

impl Percentiles {
    /// The percentiles of these durations, in any order.
    pub fn of(mut values: Vec<u64>) -> Percentiles {
        values.sort_unstable();
        Percentiles {
            p50_ms: nearest_rank(&values, 50),
            p90_ms: nearest_rank(&values, 90),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        let ten: Vec<u64> = (1..=10).collect();
        assert_eq!(nearest_rank(&ten, 50), Some(5));
        assert_eq!(nearest_rank(&ten, 90), Some(9));
        assert_eq!(nearest_rank(&ten, 100), Some(10));
        assert_eq!(
            Percentiles::of(vec![30, 10, 20]),
            Percentiles {
                p50_ms: Some(20),
                p90_ms: Some(30)
            }
        );
    }
}
