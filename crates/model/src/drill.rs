//! The workshop's connection drop drill: simulated customers lose their
//! connections for a few seconds while orders keep moving; half of them
//! come back with `Last-Event-ID` (as EventSource does), half without it
//! (as a naive client does). What each group missed, saw twice, and how
//! long it took to catch up.

use serde::{Deserialize, Serialize};

/// The body of `POST /api/workshop/drill`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DrillRequest {
    /// Simulated customers in each group, 1 to [`MAX_DRILL_CLIENTS`]
    /// ([`DEFAULT_DRILL_CLIENTS`] when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clients_per_group: Option<u32>,
    /// How long every connection stays down, 1 to [`MAX_DRILL_OUTAGE_SECS`]
    /// seconds ([`DEFAULT_DRILL_OUTAGE_SECS`] when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outage_secs: Option<u64>,
}

pub const DEFAULT_DRILL_CLIENTS: u32 = 25;
pub const MAX_DRILL_CLIENTS: u32 = 50;
pub const DEFAULT_DRILL_OUTAGE_SECS: u64 = 5;
pub const MAX_DRILL_OUTAGE_SECS: u64 = 30;

/// Where a drill stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DrillPhase {
    /// None has run since the server started.
    #[default]
    Idle,
    /// The customers are connecting and reading their snapshots.
    Connecting,
    /// Every connection is down, and orders move.
    Outage,
    /// The link is back; the customers reconnect and catch up.
    Recovering,
    /// The report is ready.
    Finished,
    /// It could not run; `error` says why.
    Failed,
}

impl DrillPhase {
    pub fn is_running(self) -> bool {
        matches!(
            self,
            DrillPhase::Connecting | DrillPhase::Outage | DrillPhase::Recovering
        )
    }
}

/// `GET /api/workshop/drill`, and the `drill` event of the workshop stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DrillState {
    pub phase: DrillPhase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<DrillRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<DrillReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a drill measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DrillReport {
    /// How long the link was down, in milliseconds.
    pub outage_ms: u64,
    /// The orders the customers followed (each group follows the same ones).
    pub orders_followed: u64,
    /// Changes made to those orders while the link was down.
    pub changes_during_outage: u64,
    /// The group that resumes with `Last-Event-ID`, then the one that does not.
    pub groups: Vec<DrillGroup>,
}

/// One group's row of a [`DrillReport`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DrillGroup {
    /// Whether these customers reconnect with `Last-Event-ID`.
    pub resumes: bool,
    pub clients: u64,
    /// Changes made to the customers' orders while they followed them,
    /// summed over the customers.
    pub changes_owed: u64,
    /// Of those, the ones that reached the customer as an event.
    pub delivered: u64,
    /// Changes that happened and never reached the customer as an event.
    pub missed: u64,
    /// Events for a version the customer had already seen as an event.
    pub duplicated: u64,
    /// Reconnections that began with a fresh `snapshot`: the state now,
    /// with the changes in between not shown.
    pub snapshots_on_reconnect: u64,
    /// Customers who knew their order's latest state at the end.
    pub caught_up: u64,
    /// From the link coming back to the customer knowing its order's
    /// latest state, in milliseconds, over the customers who caught up.
    pub catch_up_p50_ms: Option<f64>,
    pub catch_up_max_ms: Option<f64>,
}

/// The workshop stream's event for a change of the drill's state.
pub const WORKSHOP_DRILL_EVENT: &str = "drill";
