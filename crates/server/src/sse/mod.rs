//! Server-Sent Events, as the WHATWG EventSource spec wants them.
//!
//! - [`live_stream`]: one stream's life on its cursor: what it yields,
//!   heartbeats, and a board stream's parking.
//! - [`stream_response`]: the headers every event stream is answered with.
//!
//! The frames themselves are written by [`crate::wire::sse`], and where a
//! stream starts is decided by [`crate::stream::cursor`].

pub mod live_stream;
pub mod stream_response;

use crate::fan_out::BoardFanOut;
use crate::stream::Source;
use crate::workshop::transport_metrics::TransportMetrics;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// What the stream handlers (SSE, and the tracking WebSocket) use of the
/// application.
#[derive(Clone)]
pub struct Streams {
    /// What a stream's cursor reads from.
    pub source: Source,
    /// How long a client waits before it reconnects (`retry:`).
    pub retry: std::time::Duration,
    /// The interval between heartbeats on an idle stream.
    pub heartbeat: std::time::Duration,
    /// Workshop mode counts what the tracking streams deliver.
    pub transport_metrics: Arc<TransportMetrics>,
    /// Where board streams with nothing to send park.
    pub fan_out: Arc<BoardFanOut>,
    /// The application's shutdown.
    pub shutdown: CancellationToken,
}
