//! The last two minutes or so of the workshop stream's once-a-second samples,
//! and the chart series drawn from them.
//!
//! The stream runs for as long as the page is open, so the history is a ring:
//! old samples fall out as new ones come in, and the page's memory stays flat
//! however long a workshop lasts. A server restart (its uptime going
//! backwards) starts the history afresh rather than drawing a line back in time.

use crate::state::chart::Series;
use orderboard_model::{Transport, TransportRates, WorkshopSample};
use std::collections::VecDeque;

/// The span the charts show.
pub const WINDOW_MS: u64 = 120_000;

/// More than a window's worth of one-second samples, as a hard cap.
pub const CAPACITY: usize = 150;

/// What one chart plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    RequestsPerSec,
    /// Sent and received together.
    BytesPerSec,
    /// Database queries made for the transport's clients.
    DbQueriesPerSec,
    /// p50 and p99, two lines per transport.
    Staleness,
}

/// One sample as kept: the server's uptime and each transport's rates.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub uptime_ms: u64,
    pub rates: Vec<TransportRates>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SampleHistory {
    points: VecDeque<Point>,
    capacity: usize,
    window_ms: u64,
}

impl Default for SampleHistory {
    fn default() -> Self {
        SampleHistory::new(CAPACITY, WINDOW_MS)
    }
}

impl SampleHistory {
    pub fn new(capacity: usize, window_ms: u64) -> Self {
        SampleHistory {
            points: VecDeque::with_capacity(capacity),
            capacity: capacity.max(1),
            window_ms,
        }
    }

    pub fn push(&mut self, sample: &WorkshopSample) {
        let point = Point {
            uptime_ms: sample.uptime_ms,
            rates: sample.transports.clone(),
        };
        match self.points.back() {
            Some(last) if point.uptime_ms < last.uptime_ms => self.points.clear(),
            Some(last) if point.uptime_ms == last.uptime_ms => {
                self.points.pop_back();
            }
            _ => {}
        }
        self.points.push_back(point);
        let oldest_kept = sample.uptime_ms.saturating_sub(self.window_ms);
        while self.points.len() > self.capacity
            || self
                .points
                .front()
                .is_some_and(|p| p.uptime_ms < oldest_kept)
        {
            self.points.pop_front();
        }
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    pub fn latest(&self) -> Option<&Point> {
        self.points.back()
    }

    /// The newest sample's time: where the charts' time axis ends.
    pub fn end_ms(&self) -> u64 {
        self.latest().map(|p| p.uptime_ms).unwrap_or(0)
    }

    /// The transports seen in the history, in the model's order.
    pub fn transports(&self) -> Vec<Transport> {
        Transport::ALL
            .into_iter()
            .filter(|t| {
                self.points
                    .iter()
                    .any(|p| p.rates.iter().any(|r| r.transport == *t))
            })
            .collect()
    }

    /// Open connections per transport, as of the newest sample.
    pub fn open_connections(&self) -> Vec<(Transport, u64)> {
        let latest = self.latest();
        Transport::ALL
            .into_iter()
            .map(|t| {
                let open = latest
                    .and_then(|p| p.rates.iter().find(|r| r.transport == t))
                    .map(|r| r.open_connections)
                    .unwrap_or(0);
                (t, open)
            })
            .collect()
    }

    /// The newest rates of one transport.
    pub fn latest_rates(&self, t: Transport) -> Option<&TransportRates> {
        self.latest()?.rates.iter().find(|r| r.transport == t)
    }

    /// The chart lines for one metric: one per transport (two for staleness).
    pub fn series(&self, metric: Metric) -> Vec<Series> {
        let line = |t: Transport,
                    variant: &'static str,
                    value: fn(&TransportRates) -> Option<f64>| Series {
            transport: t,
            variant,
            points: self
                .points
                .iter()
                .map(|p| {
                    (
                        p.uptime_ms,
                        p.rates.iter().find(|r| r.transport == t).and_then(value),
                    )
                })
                .collect(),
        };
        let mut out = Vec::new();
        for t in self.transports() {
            match metric {
                Metric::RequestsPerSec => out.push(line(t, "", |r| Some(r.requests_per_sec))),
                Metric::BytesPerSec => out.push(line(t, "", |r| {
                    Some(r.bytes_sent_per_sec + r.bytes_received_per_sec)
                })),
                Metric::DbQueriesPerSec => out.push(line(t, "", |r| Some(r.db_queries_per_sec))),
                Metric::Staleness => {
                    out.push(line(t, "p99", |r| r.staleness_p99_ms));
                    out.push(line(t, "p50", |r| r.staleness_p50_ms));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(uptime_ms: u64, requests: f64) -> WorkshopSample {
        WorkshopSample {
            uptime_ms,
            transports: vec![
                TransportRates {
                    transport: Transport::Sse,
                    requests_per_sec: requests,
                    bytes_sent_per_sec: 100.0,
                    bytes_received_per_sec: 20.0,
                    open_connections: 7,
                    staleness_p50_ms: Some(3.0),
                    staleness_p99_ms: Some(9.0),
                    ..Default::default()
                },
                TransportRates {
                    transport: Transport::Poll,
                    requests_per_sec: requests * 2.0,
                    ..Default::default()
                },
            ],
            comparison: Default::default(),
        }
    }

    #[test]
    fn keeps_only_the_window_and_the_capacity() {
        let mut h = SampleHistory::new(5, 3_000);
        for s in 0..10u64 {
            h.push(&sample(s * 1_000, s as f64));
        }
        // 9 s is the newest; 6 s to 9 s are within 3 s of it.
        let kept: Vec<u64> = h.points.iter().map(|p| p.uptime_ms).collect();
        assert_eq!(kept, vec![6_000, 7_000, 8_000, 9_000]);
        let mut h = SampleHistory::new(3, 60_000);
        for s in 0..10u64 {
            h.push(&sample(s * 1_000, 0.0));
        }
        assert_eq!(h.len(), 3);
        assert_eq!(h.end_ms(), 9_000);
    }

    #[test]
    fn a_server_restart_starts_afresh_and_a_repeat_replaces() {
        let mut h = SampleHistory::default();
        h.push(&sample(50_000, 1.0));
        h.push(&sample(51_000, 2.0));
        h.push(&sample(51_000, 3.0));
        assert_eq!(h.len(), 2);
        assert_eq!(
            h.latest_rates(Transport::Sse).unwrap().requests_per_sec,
            3.0
        );
        h.push(&sample(1_000, 4.0));
        assert_eq!(h.len(), 1);
        assert_eq!(h.end_ms(), 1_000);
    }

    #[test]
    fn series_follow_the_model_order_and_sum_bytes() {
        let mut h = SampleHistory::default();
        assert!(h.series(Metric::RequestsPerSec).is_empty());
        h.push(&sample(1_000, 1.0));
        h.push(&sample(2_000, 2.0));
        let req = h.series(Metric::RequestsPerSec);
        assert_eq!(
            req.iter().map(|s| s.transport).collect::<Vec<_>>(),
            vec![Transport::Poll, Transport::Sse]
        );
        assert_eq!(req[0].points, vec![(1_000, Some(2.0)), (2_000, Some(4.0))]);
        let bytes = h.series(Metric::BytesPerSec);
        assert_eq!(bytes[1].points[0], (1_000, Some(120.0)));
        let st = h.series(Metric::Staleness);
        assert_eq!(st.len(), 4);
        assert_eq!((st[0].variant, st[0].points[0].1), ("p99", None));
        assert_eq!((st[2].variant, st[2].points[0].1), ("p99", Some(9.0)));
        assert_eq!((st[3].variant, st[3].points[0].1), ("p50", Some(3.0)));
    }

    #[test]
    fn open_connections_cover_every_transport() {
        let mut h = SampleHistory::default();
        assert!(h.open_connections().iter().all(|(_, n)| *n == 0));
        h.push(&sample(1_000, 1.0));
        let open = h.open_connections();
        assert_eq!(open.len(), Transport::ALL.len());
        assert_eq!(
            open.iter().find(|(t, _)| *t == Transport::Sse).unwrap().1,
            7
        );
    }
}
