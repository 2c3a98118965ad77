//! The typical preparation time: the median of recent orders' received →
//! ready.
//!
//! "Recent" is the last [`SAMPLES`] orders that reached `ready` within
//! [`WINDOW`] of the newest one. With fewer than [`MIN_SAMPLES`] of them
//! (a fresh install, a quiet morning) the median says little, and
//! [`DEFAULT_PREP`] stands in. An order recalled and readied again counts
//! again, from its reception (as in the prep-time reports).
//!
//! One median for the whole kitchen today. When orders' items name their
//! stations, a median per station slots in beside this one (the same
//! samples, keyed by station) and [`super::QueueView`] takes the slowest
//! of an order's stations instead.

use std::collections::VecDeque;
use time::{Duration, OffsetDateTime};

/// How many readied orders the median is taken over.
pub const SAMPLES: usize = 50;
/// How far back a readied order still counts.
pub const WINDOW: Duration = Duration::hours(24);
/// Fewer readied orders than this, and the default stands in.
pub const MIN_SAMPLES: usize = 3;
/// The typical preparation time before there is enough to measure.
pub const DEFAULT_PREP: Duration = Duration::minutes(10);

/// The recent readied orders, oldest first, and their median.
#[derive(Debug, Clone)]
pub struct PrepMedian {
    /// When each was readied, and how long it took.
    samples: VecDeque<(OffsetDateTime, Duration)>,
    median: Duration,
}

impl Default for PrepMedian {
    fn default() -> Self {
        PrepMedian {
            samples: VecDeque::with_capacity(SAMPLES + 1),
            median: DEFAULT_PREP,
        }
    }
}

impl PrepMedian {
    /// Counts an order readied at `ready_at`, `took` after it was received
    /// (readied orders arrive in about the order they were readied).
    /// Returns whether the median moved.
    pub fn add(&mut self, ready_at: OffsetDateTime, took: Duration) -> bool {
        let took = took.max(Duration::ZERO);
        let at = self.samples.partition_point(|(t, _)| *t <= ready_at);
        self.samples.insert(at, (ready_at, took));
        while self.samples.len() > SAMPLES {
            self.samples.pop_front();
        }
        let newest = self.samples.back().map_or(ready_at, |(t, _)| *t);
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| newest - *t > WINDOW)
        {
            self.samples.pop_front();
        }
        let before = self.median;
        self.median = median(self.samples.iter().map(|(_, d)| *d));
        before != self.median
    }

    /// The typical preparation time now.
    pub fn typical(&self) -> Duration {
        self.median
    }

    /// How many readied orders it is taken over.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}

/// The median of `durations` (the mean of the middle two for an even
/// count), or [`DEFAULT_PREP`] for fewer than [`MIN_SAMPLES`].
pub fn median(durations: impl Iterator<Item = Duration>) -> Duration {
    let mut sorted: Vec<Duration> = durations.collect();
    if sorted.len() < MIN_SAMPLES {
        return DEFAULT_PREP;
    }
    sorted.sort_unstable();
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2
    }
}

/// A duration in whole minutes as a customer reads "about N min": rounded
/// to the nearest, at least 1.
pub fn whole_minutes(d: Duration) -> u32 {
    let secs = d.whole_seconds().max(0);
    u32::try_from((secs + 30) / 60).unwrap_or(u32::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::days(1000) + Duration::minutes(minute)
    }

    #[test]
    fn the_default_stands_in_until_there_is_enough_to_measure() {
        let mut m = PrepMedian::default();
        assert_eq!(m.typical(), DEFAULT_PREP);
        assert!(!m.add(at(0), Duration::minutes(4)));
        assert!(!m.add(at(1), Duration::minutes(6)));
        assert_eq!(m.typical(), DEFAULT_PREP, "two orders say little");
        assert!(m.add(at(2), Duration::minutes(5)));
        assert_eq!(m.typical(), Duration::minutes(5));
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let d = |m: &[i64]| median(m.iter().map(|m| Duration::minutes(*m)));
        assert_eq!(d(&[8, 2, 4, 6]), Duration::minutes(5));
        assert_eq!(d(&[9, 1, 5]), Duration::minutes(5));
        assert_eq!(d(&[1, 2]), DEFAULT_PREP);
    }

    #[test]
    fn a_slower_kitchen_moves_the_median_up_and_old_orders_drop_out() {
        let mut m = PrepMedian::default();
        for i in 0..SAMPLES as i64 {
            m.add(at(i), Duration::minutes(5));
        }
        assert_eq!((m.typical(), m.len()), (Duration::minutes(5), SAMPLES));
        // The kitchen slows down: once most of the last 50 took 15 min, so
        // does the median.
        for i in 0..SAMPLES as i64 / 2 {
            m.add(at(100 + i), Duration::minutes(15));
        }
        assert_eq!(m.typical(), Duration::minutes(10), "half and half");
        m.add(at(200), Duration::minutes(15));
        assert_eq!(m.typical(), Duration::minutes(15));
        assert_eq!(m.len(), SAMPLES, "only the last 50 count");
        // A day later, yesterday's orders no longer count.
        m.add(
            at(200) + WINDOW + Duration::minutes(1),
            Duration::minutes(3),
        );
        assert_eq!((m.len(), m.typical()), (1, DEFAULT_PREP));
    }

    #[test]
    fn a_sample_readied_earlier_than_the_newest_keeps_its_place() {
        let mut m = PrepMedian::default();
        m.add(at(10), Duration::minutes(1));
        m.add(at(5), Duration::minutes(2));
        m.add(at(20), Duration::minutes(30));
        assert_eq!(m.typical(), Duration::minutes(2));
        // A clock that went backwards never makes a negative time.
        m.add(at(21), Duration::minutes(-3));
        assert_eq!(
            m.typical(),
            (Duration::minutes(1) + Duration::minutes(2)) / 2
        );
    }

    #[test]
    fn minutes_are_rounded_for_reading_and_never_zero() {
        assert_eq!(whole_minutes(Duration::seconds(0)), 1);
        assert_eq!(whole_minutes(Duration::seconds(89)), 1);
        assert_eq!(whole_minutes(Duration::seconds(90)), 2);
        assert_eq!(whole_minutes(Duration::minutes(12)), 12);
    }
}
