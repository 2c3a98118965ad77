//! What each transport costs, counted where the server can see it.
//!
//! One set of Prometheus metrics, labelled by transport (`poll`, `longpoll`,
//! `sse`, `ws`, `sse_db_poll`): requests, bytes each way, open connections,
//! updates delivered, answers without a change, database queries, and the
//! staleness of each delivered update. The
//! registry belongs to one server (not a process-wide global), so that tests
//! can run several servers side by side. `/metrics` renders it in the
//! Prometheus text format; the workshop page and the load generator read the
//! same figures as [`TransportCountsReport`].

use orderboard_model::workshop::STALENESS_BUCKETS_SECS;
use orderboard_model::{Transport, TransportCounts, TransportCountsReport};
use prometheus::core::Metric;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};
use std::time::{Duration, Instant, SystemTime};
use time::OffsetDateTime;

/// One transport's handles, looked up once.
struct Handles {
    requests: IntCounter,
    bytes_sent: IntCounter,
    bytes_received: IntCounter,
    open: IntGauge,
    updates: IntCounter,
    unchanged: IntCounter,
    db_queries: IntCounter,
    staleness: Histogram,
}

pub struct TransportMetrics {
    registry: Registry,
    handles: [Handles; Transport::ALL.len()],
    started: Instant,
}

fn index(t: Transport) -> usize {
    match t {
        Transport::Poll => 0,
        Transport::Longpoll => 1,
        Transport::Sse => 2,
        Transport::Ws => 3,
        Transport::SseDbPoll => 4,
    }
}

impl Default for TransportMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl TransportMetrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let label = &["transport"];
        let counter = |name: &str, help: &str| {
            let c = IntCounterVec::new(Opts::new(name, help), label).expect("a valid metric");
            registry
                .register(Box::new(c.clone()))
                .expect("registered once");
            c
        };
        let requests = counter(
            "orderboard_transport_requests_total",
            "HTTP requests by transport (SSE and WebSocket: connections opened)",
        );
        let bytes_sent = counter(
            "orderboard_transport_sent_bytes_total",
            "Bytes sent by transport, status lines and headers included",
        );
        let bytes_received = counter(
            "orderboard_transport_received_bytes_total",
            "Bytes received by transport, request lines and headers included",
        );
        let updates = counter(
            "orderboard_transport_updates_delivered_total",
            "Order changes delivered to clients, by transport",
        );
        let unchanged = counter(
            "orderboard_transport_unchanged_answers_total",
            "Answers that carried no change (304 to a poll, a long poll's timeout)",
        );
        let db_queries = counter(
            "orderboard_transport_db_queries_total",
            "Database queries made while serving a transport's clients",
        );
        let open = IntGaugeVec::new(
            Opts::new(
                "orderboard_transport_open_connections",
                "Requests in flight and streams open now, by transport",
            ),
            label,
        )
        .expect("a valid metric");
        registry
            .register(Box::new(open.clone()))
            .expect("registered once");
        let staleness = HistogramVec::new(
            HistogramOpts::new(
                "orderboard_transport_staleness_seconds",
                "From an order change to its delivery to a client, by transport",
            )
            .buckets(STALENESS_BUCKETS_SECS.to_vec()),
            label,
        )
        .expect("a valid metric");
        registry
            .register(Box::new(staleness.clone()))
            .expect("registered once");

        let handles = Transport::ALL.map(|t| {
            let l = &[t.as_str()];
            Handles {
                requests: requests.with_label_values(l),
                bytes_sent: bytes_sent.with_label_values(l),
                bytes_received: bytes_received.with_label_values(l),
                open: open.with_label_values(l),
                updates: updates.with_label_values(l),
                unchanged: unchanged.with_label_values(l),
                db_queries: db_queries.with_label_values(l),
                staleness: staleness.with_label_values(l),
            }
        });
        TransportMetrics {
            registry,
            handles,
            started: Instant::now(),
        }
    }

    fn of(&self, t: Transport) -> &Handles {
        &self.handles[index(t)]
    }

    /// A request arrived carrying `bytes` (its head and body).
    pub fn request(&self, t: Transport, bytes: u64) {
        let h = self.of(t);
        h.requests.inc();
        h.bytes_received.inc_by(bytes);
    }

    pub fn received(&self, t: Transport, bytes: u64) {
        self.of(t).bytes_received.inc_by(bytes);
    }

    pub fn sent(&self, t: Transport, bytes: u64) {
        self.of(t).bytes_sent.inc_by(bytes);
    }

    /// An answer that carried no change.
    pub fn unchanged(&self, t: Transport) {
        self.of(t).unchanged.inc();
    }

    /// One database query made for a client of `t` (see [`super::query_count`]).
    pub fn db_query(&self, t: Transport) {
        self.of(t).db_queries.inc();
    }

    /// An order change reached a client; `changed_at` is the change's time.
    pub fn delivered(&self, t: Transport, changed_at: OffsetDateTime) {
        let h = self.of(t);
        h.updates.inc();
        h.staleness.observe(staleness(changed_at).as_secs_f64());
    }

    /// Counts one open connection until the guard is dropped.
    pub fn open(&self, t: Transport) -> OpenConnection {
        let gauge = self.of(t).open.clone();
        gauge.inc();
        OpenConnection(gauge)
    }

    /// The figures as JSON, for the workshop page and the load generator.
    pub fn counts(&self) -> TransportCountsReport {
        TransportCountsReport {
            uptime_ms: self.started.elapsed().as_millis() as u64,
            transports: Transport::ALL
                .into_iter()
                .map(|t| {
                    let h = self.of(t);
                    let histogram = h.staleness.metric();
                    let histogram = histogram.get_histogram();
                    TransportCounts {
                        transport: t,
                        requests: h.requests.get(),
                        bytes_sent: h.bytes_sent.get(),
                        bytes_received: h.bytes_received.get(),
                        open_connections: h.open.get().max(0) as u64,
                        updates_delivered: h.updates.get(),
                        unchanged_answers: h.unchanged.get(),
                        db_queries: h.db_queries.get(),
                        staleness_sum_secs: histogram.get_sample_sum(),
                        staleness_buckets: histogram
                            .get_bucket()
                            .iter()
                            .map(|b| b.cumulative_count())
                            .collect(),
                    }
                })
                .collect(),
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("encoding to memory");
        String::from_utf8(out).expect("the text format is UTF-8")
    }
}

/// The time since `changed_at` by the wall clock, which the change's own
/// timestamp uses too (zero if the clock stepped back).
pub fn staleness(changed_at: OffsetDateTime) -> Duration {
    let now = OffsetDateTime::from(SystemTime::now());
    let d = now - changed_at;
    if d.is_negative() {
        Duration::ZERO
    } else {
        d.unsigned_abs()
    }
}

/// Held while a connection is open.
pub struct OpenConnection(IntGauge);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_text_agree() {
        let m = TransportMetrics::new();
        m.request(Transport::Poll, 120);
        m.sent(Transport::Poll, 300);
        m.unchanged(Transport::Poll);
        m.db_query(Transport::SseDbPoll);
        m.db_query(Transport::SseDbPoll);
        m.delivered(
            Transport::Sse,
            OffsetDateTime::now_utc() - time::Duration::milliseconds(3),
        );
        let open = m.open(Transport::Ws);
        let counts = m.counts();
        let poll = counts.get(Transport::Poll).unwrap();
        assert_eq!(
            (
                poll.requests,
                poll.bytes_received,
                poll.bytes_sent,
                poll.unchanged_answers
            ),
            (1, 120, 300, 1)
        );
        let sse = counts.get(Transport::Sse).unwrap();
        assert_eq!(sse.updates_delivered, 1);
        assert_eq!(sse.db_queries, 0);
        assert_eq!(counts.get(Transport::SseDbPoll).unwrap().db_queries, 2);
        assert_eq!(sse.staleness_buckets.len(), STALENESS_BUCKETS_SECS.len());
        // 3 ms: not in the 1 ms or 2 ms buckets, in the 5 ms one and above.
        assert_eq!(&sse.staleness_buckets[..3], &[0, 0, 1]);
        assert_eq!(counts.get(Transport::Ws).unwrap().open_connections, 1);
        drop(open);
        assert_eq!(m.counts().get(Transport::Ws).unwrap().open_connections, 0);

        let text = m.render();
        assert!(
            text.contains("# TYPE orderboard_transport_requests_total counter"),
            "{text}"
        );
        assert!(
            text.contains("orderboard_transport_requests_total{transport=\"poll\"} 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "orderboard_transport_staleness_seconds_bucket{transport=\"sse\",le=\"0.005\"} 1"
            ),
            "{text}"
        );
    }
}
