//! `orderboard-loadgen`: simulated customers following their orders over
//! each of Orderboard's four transports (short polling, long polling, SSE and
//! WebSocket) against a running server, and what each one costs.
//!
//! A run creates orders, moves them through their stages on a seeded
//! schedule, and has N customers per transport follow them, all transports
//! following the same changes. It ends with a [`LoadReport`]: requests and
//! bytes (as the server counted them), updates seen against updates made,
//! duplicates, errors and staleness. The command-line tool prints it as a
//! table; the server runs the same library in-process for its workshop page.
//!
//! - [`plan`]: the transports and the run's configuration, with its limits.
//! - [`target`]: loopback-only targets unless allowed otherwise.
//! - [`driver`]: the staff side (create and move orders), over HTTP or in-process.
//! - [`kitchen`]: the orders, their schedule of changes and their replacements.
//! - [`clients`]: one module per transport.
//! - [`accounting`]: what each client saw, and each transport's row.
//! - [`counts`]: the server's byte counts before and after.
//! - [`table`]: the report for a terminal.
#![forbid(unsafe_code)]

pub mod accounting;
pub mod clients;
pub mod counts;
pub mod driver;
pub mod kitchen;
pub mod menu;
pub mod plan;
mod run;
pub mod table;
pub mod target;

pub use driver::{HttpDriver, OrderDriver};
pub use orderboard_model::{ComparisonPhase, LoadReport, Transport, TransportSummary};
pub use plan::{parse_duration, parse_transports, LoadConfig, TransportPlan};
pub use run::run;
pub use table::render_table;
pub use target::ensure_loopback;
