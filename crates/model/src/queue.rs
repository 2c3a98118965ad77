//! A customer's place in the kitchen's queue, and when their order should be
//! ready: what the tracking streams add to an order that is still waiting.
//!
//! The server works the numbers out (`crates/server/src/queue`); the
//! tracking page only shows them. The rule, in docs/customers.md:
//! `ahead` counts the orders of the same channel received earlier and not
//! yet ready (received or preparing); `estimate_ready_at` is when the order
//! was received plus the typical preparation time in whole minutes (the
//! median of recent orders' received → ready).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Where a waiting order stands. Absent once the order is ready (or final).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueuePlace {
    /// Orders of the same channel received earlier and not yet ready.
    pub ahead: u32,
    /// When the order should be ready. It may pass while the order still
    /// waits: the page then says "any moment now", never a time gone by.
    #[serde(with = "time::serde::rfc3339")]
    pub estimate_ready_at: OffsetDateTime,
    /// The typical preparation time now, in whole minutes (at least 1).
    pub typical_minutes: u32,
}

impl QueuePlace {
    /// The estimate as the customer should read it at `now`: a time still
    /// to come, or `None` for "any moment now".
    pub fn ready_at_after(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        (self.estimate_ready_at > now).then_some(self.estimate_ready_at)
    }
}

/// Tracking stream `queue` event (SSE, without an `id:`): the order's new
/// place. It never moves the client's `Last-Event-ID`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrackQueue {
    pub queue: Option<QueuePlace>,
}

/// Multi-order tracking stream `queue` event: a place and the token of the
/// order it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TracksQueue {
    pub token: String,
    pub queue: Option<QueuePlace>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn an_estimate_gone_by_reads_as_any_moment_now() {
        let at = OffsetDateTime::UNIX_EPOCH + Duration::minutes(30);
        let place = QueuePlace {
            ahead: 2,
            estimate_ready_at: at,
            typical_minutes: 10,
        };
        assert_eq!(place.ready_at_after(at - Duration::minutes(1)), Some(at));
        assert_eq!(place.ready_at_after(at), None);
        assert_eq!(place.ready_at_after(at + Duration::minutes(5)), None);
    }
}
