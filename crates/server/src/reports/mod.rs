//! Reports on finished orders, computed over the rows read (at most
//! [`orderboard_model::reports::MAX_REPORT_ORDERS`] per answer).
//!
//! - [`range`]: the `from`/`to`/`tz` of a query, checked.
//! - [`prep_times`]: prep-time percentiles per group, and the busiest hours.
//! - [`csv_export`]: finished orders as CSV, one row per item, safe to open
//!   in a spreadsheet.

pub mod csv_export;
pub mod prep_times;
pub mod range;
