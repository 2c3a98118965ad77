//! Workshop mode: the four ways a customer's screen can follow an order, and
//! what each one costs, as the server counts it and the load generator sees it.
//!
//! The same order data reaches a customer's tracking page by short polling,
//! long polling, SSE or a WebSocket (the tracking endpoints only: the staff
//! and board streams are not counted here). The server counts each transport's requests, bytes, open
//! connections, updates and staleness (`/metrics` in Prometheus text, and
//! [`TransportCounts`] as JSON); a comparison runs simulated customers on each
//! transport and ends with a [`LoadReport`]. The workshop page, the load
//! generator and the server all use these types.

use crate::stream::StreamEventName;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a client follows an order.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    #[default]
    /// `GET /api/track/{token}` every few seconds, with `If-None-Match`.
    Poll,
    /// `GET /api/track/{token}/longpoll?after_version=N`, held until a change.
    Longpoll,
    /// `GET /api/track/{token}/events`, the SSE stream.
    Sse,
    /// `GET /api/track/{token}/ws`, a WebSocket with the same messages.
    Ws,
    /// `GET /api/workshop/sse-db-poll/{token}`: the classic tutorial's
    /// mistake, an event stream that queries the database for its order every
    /// few seconds. Shown in the workshop only; no page uses it.
    SseDbPoll,
}

impl Transport {
    pub const ALL: [Transport; 5] = [
        Transport::Poll,
        Transport::Longpoll,
        Transport::Sse,
        Transport::Ws,
        Transport::SseDbPoll,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Poll => "poll",
            Transport::Longpoll => "longpoll",
            Transport::Sse => "sse",
            Transport::Ws => "ws",
            Transport::SseDbPoll => "sse_db_poll",
        }
    }

    pub fn parse(s: &str) -> Option<Transport> {
        Transport::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Transport::Poll => "Polling",
            Transport::Longpoll => "Long polling",
            Transport::Sse => "SSE",
            Transport::Ws => "WebSocket",
            Transport::SseDbPoll => "SSE over database polling",
        }
    }

    /// Whether the server pushes every change to the client, so that a client
    /// must see each one exactly once (polling may skip versions between asks,
    /// and so may SSE over database polling, which is polling on the server).
    pub fn is_push(self) -> bool {
        matches!(self, Transport::Sse | Transport::Ws)
    }

    /// Whether the transport asks on a timer, every interval.
    pub fn polls(self) -> bool {
        matches!(self, Transport::Poll | Transport::SseDbPoll)
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The staleness limits of the server's histogram, in seconds (Prometheus
/// bucket bounds; `+Inf` is implied).
pub const STALENESS_BUCKETS_SECS: [f64; 16] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0,
];

/// One transport's counts since the server started: the same figures as
/// `/metrics`, as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransportCounts {
    pub transport: Transport,
    /// HTTP requests (for SSE and WebSocket: the connections opened).
    pub requests: u64,
    /// Bytes the server sent and received, status lines and headers included
    /// as far as the server can see them (WebSocket frames after the upgrade).
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Requests in flight or streams open now.
    pub open_connections: u64,
    /// Order changes delivered to a client.
    pub updates_delivered: u64,
    /// Answers that carried no change: `304` to a poll, a long poll's timeout.
    pub unchanged_answers: u64,
    /// Database queries made while serving this transport's clients (their
    /// requests and streams; the changes themselves are the kitchen's).
    #[serde(default)]
    pub db_queries: u64,
    /// Staleness of the delivered updates: the sum and the cumulative bucket
    /// counts for [`STALENESS_BUCKETS_SECS`] (then `+Inf`, which is `updates_delivered`).
    pub staleness_sum_secs: f64,
    pub staleness_buckets: Vec<u64>,
}

/// `GET /api/workshop/counts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransportCountsReport {
    /// Milliseconds since the server started.
    pub uptime_ms: u64,
    pub transports: Vec<TransportCounts>,
}

impl TransportCountsReport {
    pub fn get(&self, transport: Transport) -> Option<&TransportCounts> {
        self.transports.iter().find(|c| c.transport == transport)
    }
}

/// One transport over one sampling interval, for the workshop page's charts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransportRates {
    pub transport: Transport,
    pub requests_per_sec: f64,
    pub bytes_sent_per_sec: f64,
    pub bytes_received_per_sec: f64,
    pub updates_per_sec: f64,
    pub unchanged_per_sec: f64,
    #[serde(default)]
    pub db_queries_per_sec: f64,
    pub open_connections: u64,
    /// Staleness of the updates delivered in the interval, in milliseconds
    /// (estimated from the histogram's buckets); `None` without updates.
    pub staleness_p50_ms: Option<f64>,
    pub staleness_p99_ms: Option<f64>,
}

/// The `sample` event of `GET /api/workshop/events`, once a second.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkshopSample {
    /// Milliseconds since the server started.
    pub uptime_ms: u64,
    pub transports: Vec<TransportRates>,
    /// The comparison's state as of this sample.
    pub comparison: ComparisonState,
}

/// The SSE event names of `GET /api/workshop/events`.
pub const WORKSHOP_SAMPLE_EVENT: &str = "sample";
pub const WORKSHOP_COMPARISON_EVENT: &str = "comparison";

/// The body of `POST /api/workshop/comparison`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ComparisonRequest {
    /// Simulated customers on each transport, 1 to [`MAX_COMPARISON_CLIENTS`].
    pub clients_per_transport: u32,
    /// How often a polling customer asks, in milliseconds (500 to 60,000).
    pub poll_interval_ms: u64,
    /// How often an SSE-over-database-polling stream queries the database, in
    /// milliseconds (500 to 60,000; 3,000 when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_poll_interval_ms: Option<u64>,
    /// The transports to compare; all five when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transports: Option<Vec<Transport>>,
    /// Stop by itself after this many seconds (at most 600; 120 when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_secs: Option<u64>,
}

pub const MAX_COMPARISON_CLIENTS: u32 = 2_000;
pub const MIN_POLL_INTERVAL_MS: u64 = 500;
pub const MAX_POLL_INTERVAL_MS: u64 = 60_000;
pub const DEFAULT_DB_POLL_INTERVAL_MS: u64 = 3_000;
pub const MAX_COMPARISON_SECS: u64 = 600;
pub const DEFAULT_COMPARISON_SECS: u64 = 120;

/// Where a comparison stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComparisonPhase {
    /// None has run since the server started.
    #[default]
    Idle,
    /// Setting up orders and connecting clients.
    Starting,
    Running,
    /// Stopped; waiting for the last deliveries, then the report.
    Stopping,
    /// The report is ready.
    Finished,
    /// It could not run; `error` says why.
    Failed,
}

/// `GET /api/workshop/comparison`, and the `comparison` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComparisonState {
    pub phase: ComparisonPhase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<ComparisonRequest>,
    /// Milliseconds since the comparison started.
    pub elapsed_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<LoadReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a load-generator run measured: one row per transport.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoadReport {
    /// How long the clients ran, in seconds.
    pub duration_secs: f64,
    /// Orders created for the run, and the stage changes made to them.
    pub orders: u64,
    pub changes_made: u64,
    pub transports: Vec<TransportSummary>,
}

/// One transport's row of a [`LoadReport`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransportSummary {
    pub transport: Transport,
    pub clients: u64,
    /// Requests made (connections, for SSE and WebSocket), and per minute.
    pub requests: u64,
    pub requests_per_min: f64,
    /// As the server counted them over the run (headers included); `None`
    /// when the server's counts could not be read.
    pub bytes_sent: Option<u64>,
    pub bytes_received: Option<u64>,
    /// Bytes per minute, both ways, as the server counted them.
    pub bytes_per_min: Option<f64>,
    /// Changes seen by the clients, and the changes made to their orders while
    /// they followed them: equal for push transports, fewer when polling.
    pub updates_seen: u64,
    pub updates_expected: u64,
    /// Answers that carried no change.
    pub unchanged_answers: u64,
    /// Updates seen twice, or out of order: always 0 when all is well.
    pub duplicates: u64,
    /// Failed requests and dropped connections.
    pub errors: u64,
    /// Database queries the server made for these clients over the run, and
    /// per second (`None` when the server's counts could not be read).
    #[serde(default)]
    pub db_queries: Option<u64>,
    #[serde(default)]
    pub db_queries_per_sec: Option<f64>,
    /// From a change (its `updated_at`) to a client reading it, in milliseconds.
    pub staleness_p50_ms: Option<f64>,
    pub staleness_p99_ms: Option<f64>,
    pub staleness_max_ms: Option<f64>,
}

impl TransportSummary {
    /// Whether every change reached every client, once.
    pub fn complete(&self) -> bool {
        self.updates_seen == self.updates_expected && self.duplicates == 0
    }
}

/// One message on the tracking WebSocket: the same `snapshot`, `order` and
/// `reset` payloads as the SSE stream, with the event name and id alongside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocketMessage<T> {
    pub id: u64,
    pub event: String,
    pub data: T,
}

impl<T> SocketMessage<T> {
    pub fn new(id: u64, event: StreamEventName, data: T) -> Self {
        SocketMessage {
            id,
            event: event.as_str().to_string(),
            data,
        }
    }
}

/// `GET`/`PUT /api/demo`: the demo driver, which creates orders and moves
/// them through their stages on a realistic schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DemoStatus {
    pub running: bool,
    /// The seed of the current (or last) run: the same seed, the same orders.
    pub seed: u64,
    /// How much faster than a real kitchen: 1 is real time.
    pub speed: f64,
    pub orders_created: u64,
    pub changes_made: u64,
}

/// The body of `PUT /api/demo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DemoRequest {
    pub running: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// 0.1 to 100; 10 when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<f64>,
}

pub const DEFAULT_DEMO_SPEED: f64 = 10.0;
pub const MIN_DEMO_SPEED: f64 = 0.1;
pub const MAX_DEMO_SPEED: f64 = 100.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_names_round_trip() {
        for t in Transport::ALL {
            assert_eq!(Transport::parse(t.as_str()), Some(t));
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
        assert_eq!(Transport::parse("websocket"), None);
        assert_eq!(Transport::parse("sse_db_poll"), Some(Transport::SseDbPoll));
        assert!(!Transport::SseDbPoll.is_push() && Transport::SseDbPoll.polls());
    }

    #[test]
    fn summary_is_complete_only_without_gaps_or_duplicates() {
        let mut s = TransportSummary {
            updates_seen: 5,
            updates_expected: 5,
            ..Default::default()
        };
        assert!(s.complete());
        s.duplicates = 1;
        assert!(!s.complete());
        s.duplicates = 0;
        s.updates_seen = 4;
        assert!(!s.complete());
    }
}
