//! From counts to chart points: two readings of the transport counts, a
//! second apart, become per-second rates and the staleness percentiles of the
//! updates delivered in between.
//!
//! Percentiles come from the histogram's buckets, as Prometheus's
//! `histogram_quantile` estimates them: find the bucket the rank falls in and
//! interpolate linearly inside it. They are as fine as the buckets, no finer.

use orderboard_model::workshop::STALENESS_BUCKETS_SECS;
use orderboard_model::{TransportCounts, TransportCountsReport, TransportRates};

/// The rates between two readings of the counts.
pub fn between(
    before: &TransportCountsReport,
    after: &TransportCountsReport,
) -> Vec<TransportRates> {
    let secs = (after.uptime_ms.saturating_sub(before.uptime_ms) as f64 / 1000.0).max(0.001);
    after
        .transports
        .iter()
        .map(|now| {
            let empty = TransportCounts::default();
            let then = before.get(now.transport).unwrap_or(&empty);
            let per_sec = |a: u64, b: u64| a.saturating_sub(b) as f64 / secs;
            let buckets: Vec<u64> = now
                .staleness_buckets
                .iter()
                .enumerate()
                .map(|(i, n)| n.saturating_sub(then.staleness_buckets.get(i).copied().unwrap_or(0)))
                .collect();
            let total = now.updates_delivered.saturating_sub(then.updates_delivered);
            TransportRates {
                transport: now.transport,
                requests_per_sec: per_sec(now.requests, then.requests),
                bytes_sent_per_sec: per_sec(now.bytes_sent, then.bytes_sent),
                bytes_received_per_sec: per_sec(now.bytes_received, then.bytes_received),
                updates_per_sec: per_sec(now.updates_delivered, then.updates_delivered),
                unchanged_per_sec: per_sec(now.unchanged_answers, then.unchanged_answers),
                db_queries_per_sec: per_sec(now.db_queries, then.db_queries),
                open_connections: now.open_connections,
                staleness_p50_ms: quantile(0.5, &buckets, total).map(|s| s * 1000.0),
                staleness_p99_ms: quantile(0.99, &buckets, total).map(|s| s * 1000.0),
            }
        })
        .collect()
}

/// The `q` quantile in seconds from cumulative bucket counts (for
/// [`STALENESS_BUCKETS_SECS`]) and the total count (the `+Inf` bucket).
pub fn quantile(q: f64, cumulative: &[u64], total: u64) -> Option<f64> {
    if total == 0 {
        return None;
    }
    let rank = q * total as f64;
    let mut lower_bound = 0.0;
    let mut lower_count = 0u64;
    for (bound, &count) in STALENESS_BUCKETS_SECS.iter().zip(cumulative) {
        if count as f64 >= rank && count > lower_count {
            let within = (rank - lower_count as f64) / (count - lower_count) as f64;
            return Some(lower_bound + (bound - lower_bound) * within.clamp(0.0, 1.0));
        }
        lower_bound = *bound;
        lower_count = count;
    }
    // Beyond the last bound: all that can be said is "at least that".
    Some(*STALENESS_BUCKETS_SECS.last().expect("buckets"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderboard_model::Transport;

    #[test]
    fn quantiles_interpolate_within_a_bucket() {
        // 10 updates, all between 5 ms and 10 ms.
        let mut c = vec![0u64; STALENESS_BUCKETS_SECS.len()];
        for n in c.iter_mut().skip(3) {
            *n = 10;
        }
        let p50 = quantile(0.5, &c, 10).unwrap();
        assert!((p50 - 0.0075).abs() < 1e-9, "{p50}");
        assert_eq!(quantile(0.5, &c, 0), None);
        // Everything beyond the last bucket.
        let none = vec![0u64; STALENESS_BUCKETS_SECS.len()];
        assert_eq!(quantile(0.99, &none, 3), Some(60.0));
    }

    #[test]
    fn rates_are_per_second_differences() {
        let reading = |ms, requests, sent| TransportCountsReport {
            uptime_ms: ms,
            transports: vec![TransportCounts {
                transport: Transport::Poll,
                requests,
                bytes_sent: sent,
                db_queries: requests / 2,
                staleness_buckets: vec![0; STALENESS_BUCKETS_SECS.len()],
                ..Default::default()
            }],
        };
        let r = between(&reading(1000, 10, 100), &reading(3000, 30, 500));
        assert_eq!(r[0].requests_per_sec, 10.0);
        assert_eq!(r[0].bytes_sent_per_sec, 200.0);
        assert_eq!(r[0].db_queries_per_sec, 5.0);
        assert_eq!(r[0].staleness_p50_ms, None);
    }
}
