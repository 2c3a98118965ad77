//! Workshop mode: Orderboard measuring itself, to teach what each way of
//! following an order costs.
//!
//! - [`transport_metrics`]: the counts per transport (`/metrics`, and JSON for
//!   the workshop page and the load generator).
//! - [`metered`]: the middleware that counts each transport's requests and bytes.
//! - [`rates`]: turns two readings of the counts into per-second rates and
//!   staleness percentiles, the workshop page's chart points.
//! - [`db_poll_stream`]: SSE over database polling, the tutorials' mistake,
//!   measured beside the real transports (nothing else uses it).
//! - [`demo_driver`]: orders arriving and moving on a seeded, realistic schedule.
//! - [`comparison`]: simulated customers on every transport, run in-process by
//!   the load generator's library, ending in a report.
//! - [`drill`]: the connection drop drill: customers lose their connections
//!   for a few seconds, and come back with `Last-Event-ID` or without it;
//!   [`drill_customer`] is one of them, [`cuttable_link`] the network they lose.

pub mod comparison;
pub mod cuttable_link;
pub mod db_poll_stream;
pub mod demo_driver;
pub mod drill;
pub mod drill_customer;
pub mod metered;
pub mod rates;
pub mod transport_metrics;

use crate::limits::Limits;
use crate::store::OrderStore;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// What the workshop's endpoints use of the application.
#[derive(Clone)]
pub struct Workshop {
    pub transport_metrics: Arc<transport_metrics::TransportMetrics>,
    pub comparison: Arc<comparison::Comparison>,
    pub drill: Arc<drill::Drill>,
    /// The drill runs only while the demo driver does.
    pub demo: Arc<demo_driver::DemoDriver>,
    /// The comparison's simulated customers make orders here.
    pub store: OrderStore,
    /// The application's shutdown: the workshop stream and a comparison end on it.
    pub shutdown: CancellationToken,
    pub limits: Limits,
}
