//! What each simulated customer saw, and how it adds up to a transport's row.
//!
//! A client follows one order at a time (a "session"); it starts from the
//! version of the first state it got. Push transports must see every later
//! version exactly once, in order; polling may skip versions but never see
//! one twice or go back. Staleness is the wall-clock time from a change's
//! `updated_at` to the moment a client read it.

use orderboard_model::{TrackedOrder, Transport, TransportSummary};
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};
use uuid::Uuid;

/// The order a client follows now, and the newest version it has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Follow {
    pub order: Uuid,
    pub last: u64,
}

/// One client's counts over a run.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub requests: u64,
    pub errors: u64,
    pub updates_seen: u64,
    pub unchanged: u64,
    pub duplicates: u64,
    /// Versions that skipped ahead on a push transport (the missed updates
    /// show as `updates_seen < updates_expected`).
    pub gaps: u64,
    /// Requests the server refused with `503 overloaded` (its caps on open
    /// streams, in total and per client address); also counted as errors.
    pub refused: u64,
    /// What went wrong first, to say in a warning.
    pub first_error: Option<String>,
    /// Every order followed, with the version it was first seen at.
    pub sessions: Vec<(Uuid, u64)>,
    pub staleness_ms: Vec<f64>,
}

/// Milliseconds from `updated_at` to now, by the wall clock (0 if the
/// clocks disagree the other way).
pub fn staleness_ms(order: &TrackedOrder) -> f64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0);
    let then = order.updated_at.unix_timestamp_nanos();
    ((now - then) as f64 / 1e6).max(0.0)
}

impl Tally {
    /// Starts a session on `order` from the first state a client got.
    pub fn begin(&mut self, order: Uuid, first: &TrackedOrder) -> Follow {
        self.sessions.push((order, first.version));
        Follow {
            order,
            last: first.version,
        }
    }

    /// A pushed state: the next version is an update; a newer one is an
    /// update after a gap; an older or equal one is a duplicate.
    pub fn pushed(&mut self, follow: &mut Follow, order: &TrackedOrder) {
        let v = order.version;
        if v <= follow.last {
            self.duplicates += 1;
            return;
        }
        if v != follow.last + 1 {
            self.gaps += 1;
        }
        self.updates_seen += 1;
        self.staleness_ms.push(staleness_ms(order));
        follow.last = v;
    }

    /// A polled state: newer is an update, the same is an unchanged answer,
    /// older means the server went back in time (counted as a duplicate).
    pub fn polled(&mut self, follow: &mut Follow, order: &TrackedOrder) {
        let v = order.version;
        if v > follow.last {
            self.updates_seen += 1;
            self.staleness_ms.push(staleness_ms(order));
            follow.last = v;
        } else if v == follow.last {
            self.unchanged += 1;
        } else {
            self.duplicates += 1;
        }
    }

    /// Counts an error; the first one's description is kept.
    pub fn error(&mut self, what: impl std::fmt::Display) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(what.to_string());
        }
    }

    pub fn merge(&mut self, other: Tally) {
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.requests += other.requests;
        self.errors += other.errors;
        self.updates_seen += other.updates_seen;
        self.unchanged += other.unchanged;
        self.duplicates += other.duplicates;
        self.gaps += other.gaps;
        self.refused += other.refused;
        self.sessions.extend(other.sessions);
        self.staleness_ms.extend(other.staleness_ms);
    }

    /// The changes made to the followed orders after the client first saw
    /// them, given each order's final version.
    pub fn expected(&self, final_versions: &HashMap<Uuid, u64>) -> u64 {
        self.sessions
            .iter()
            .map(|(order, v0)| {
                final_versions
                    .get(order)
                    .map_or(0, |v| v.saturating_sub(*v0))
            })
            .sum()
    }
}

/// The value at quantile `q` (0 to 1) of sorted samples, by nearest rank.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Server-side bytes and database queries over the run, when its counts
/// could be read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerCounts {
    pub sent: u64,
    pub received: u64,
    pub db_queries: u64,
}

/// One transport's row, from its clients' merged tally.
pub fn summarize(
    transport: Transport,
    clients: u64,
    mut tally: Tally,
    final_versions: &HashMap<Uuid, u64>,
    minutes: f64,
    server: Option<ServerCounts>,
) -> TransportSummary {
    tally.staleness_ms.sort_by(f64::total_cmp);
    let per_min = |n: f64| if minutes > 0.0 { n / minutes } else { 0.0 };
    TransportSummary {
        transport,
        clients,
        requests: tally.requests,
        requests_per_min: per_min(tally.requests as f64),
        bytes_sent: server.map(|b| b.sent),
        bytes_received: server.map(|b| b.received),
        bytes_per_min: server.map(|b| per_min((b.sent + b.received) as f64)),
        db_queries: server.map(|s| s.db_queries),
        db_queries_per_sec: server.map(|s| per_min(s.db_queries as f64) / 60.0),
        updates_seen: tally.updates_seen,
        updates_expected: tally.expected(final_versions),
        unchanged_answers: tally.unchanged,
        duplicates: tally.duplicates,
        errors: tally.errors,
        staleness_p50_ms: quantile(&tally.staleness_ms, 0.50),
        staleness_p99_ms: quantile(&tally.staleness_ms, 0.99),
        staleness_max_ms: tally.staleness_ms.last().copied(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderboard_model::{Channel, Stage};
    use time::OffsetDateTime;

    fn tracked(version: u64) -> TrackedOrder {
        let now = OffsetDateTime::now_utc();
        TrackedOrder {
            number: 1,
            name: None,
            channel: Channel::Pickup,
            items: vec![],
            stage: Stage::Received,
            version,
            created_at: now,
            updated_at: now,
            history: vec![],
        }
    }

    #[test]
    fn push_counts_updates_gaps_and_duplicates() {
        let id = Uuid::nil();
        let mut t = Tally::default();
        let mut f = t.begin(id, &tracked(3));
        for v in [4, 5, 5, 7, 6] {
            t.pushed(&mut f, &tracked(v));
        }
        assert_eq!((t.updates_seen, t.duplicates, t.gaps, f.last), (3, 2, 1, 7));
        assert_eq!(t.staleness_ms.len(), 3);
        let finals = HashMap::from([(id, 8)]);
        assert_eq!(t.expected(&finals), 5);
    }

    #[test]
    fn poll_counts_newer_answers_and_unchanged_ones() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut t = Tally::default();
        let mut f = t.begin(a, &tracked(1));
        for v in [1, 3, 3, 4] {
            t.polled(&mut f, &tracked(v));
        }
        let mut g = t.begin(b, &tracked(2));
        t.polled(&mut g, &tracked(1));
        assert_eq!((t.updates_seen, t.unchanged, t.duplicates), (2, 2, 1));
        let finals = HashMap::from([(a, 4), (b, 5)]);
        assert_eq!(t.expected(&finals), 3 + 3);
    }

    #[test]
    fn quantiles_by_nearest_rank() {
        let s: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&s, 0.5), Some(50.0));
        assert_eq!(quantile(&s, 0.99), Some(99.0));
        assert_eq!(quantile(&s, 1.0), Some(100.0));
        assert_eq!(quantile(&[7.0], 0.5), Some(7.0));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn summary_rates_and_bytes() {
        let mut t = Tally {
            requests: 120,
            ..Default::default()
        };
        t.staleness_ms = vec![3.0, 1.0, 2.0];
        let s = summarize(
            Transport::Poll,
            10,
            t,
            &HashMap::new(),
            2.0,
            Some(ServerCounts {
                sent: 1000,
                received: 200,
                db_queries: 240,
            }),
        );
        assert_eq!(s.requests_per_min, 60.0);
        assert_eq!(s.bytes_per_min, Some(600.0));
        assert_eq!(s.db_queries_per_sec, Some(2.0));
        assert_eq!(s.staleness_p50_ms, Some(2.0));
        assert_eq!(s.staleness_max_ms, Some(3.0));
        let none = summarize(
            Transport::Sse,
            1,
            Tally::default(),
            &HashMap::new(),
            1.0,
            None,
        );
        assert_eq!(
            (none.bytes_sent, none.bytes_per_min, none.staleness_p50_ms),
            (None, None, None)
        );
    }
}
