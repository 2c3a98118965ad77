//! SSE over database polling: the mistake, kept for the workshop to show.
//!
//! Why this exists: the sample SSE endpoint of many tutorials loops inside
//! the stream, asking the database for the client's row every few seconds
//! and sending it when it changed. It is "SSE" on the wire but polling
//! underneath: a change waits half an interval on average before anyone
//! sees it, and every open stream costs a query per interval whether or not
//! anything changed. The workshop runs it beside the real transports so that
//! a presenter can show both costs as numbers.
//!
//! Nothing in the product uses it. The real streams (`crate::sse`,
//! `crate::stream::cursor`) wait on the in-process feed and resume with
//! `Last-Event-ID`; this one does neither on purpose: its events carry no
//! id, and a reconnect starts over. It lives at
//! `/api/workshop/sse-db-poll/{token}`, is counted as the `sse_db_poll`
//! transport, and ends after the order's final stage.

use crate::store::OrderStore;
use crate::wire::sse as encoder;
use crate::workshop::transport_metrics::TransportMetrics;
use bytes::Bytes;
use futures_util::Stream;
use orderboard_model::{Order, TrackedOrder, Transport};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

/// The event each state is sent as.
pub const ORDER_EVENT: &str = "order";
/// The interval when the client names none, as the tutorials have it.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(3);
pub const MIN_INTERVAL: Duration = Duration::from_millis(500);
pub const MAX_INTERVAL: Duration = Duration::from_secs(60);
/// A comment is sent when nothing was for this long, so that a dead peer is
/// noticed (the one thing the tutorials' sample does right).
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The frames of one client's stream: the order as first read, then every
/// `interval` a query, and the order again if its version moved.
pub fn frames(
    store: OrderStore,
    metrics: Arc<TransportMetrics>,
    first: Order,
    interval: Duration,
    stop: CancellationToken,
) -> impl Stream<Item = Bytes> + Send + 'static {
    async_stream::stream! {
        let token = first.tracking_token.clone();
        let mut version = first.version;
        let mut finished = first.stage.is_final();
        yield encoder::unnumbered_frame(ORDER_EVENT, &TrackedOrder::from(&first));
        let mut last_sent = Instant::now();
        let mut tick = tokio::time::interval_at(Instant::now() + interval, interval);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        while !finished {
            tokio::select! {
                biased;
                _ = stop.cancelled() => return,
                _ = tick.tick() => {}
            }
            // The query every open stream makes, every interval.
            let order = match store.by_tracking_token(&token).await {
                Ok(Some(order)) => order,
                // Gone (pruned), or the database failed: the sample just ends.
                Ok(None) | Err(_) => return,
            };
            if order.version != version {
                version = order.version;
                finished = order.stage.is_final();
                metrics.delivered(Transport::SseDbPoll, order.updated_at);
                yield encoder::unnumbered_frame(ORDER_EVENT, &TrackedOrder::from(&order));
                last_sent = Instant::now();
            } else {
                metrics.unchanged(Transport::SseDbPoll);
                if last_sent.elapsed() >= KEEP_ALIVE {
                    yield encoder::heartbeat_frame();
                    last_sent = Instant::now();
                }
            }
        }
    }
}
