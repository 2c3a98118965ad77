//! How requests are logged: a span per request (tower-http's trace layer),
//! and server errors at ERROR, except a refusal at a limit.
//!
//! A stream refused at a cap (`503 overloaded`) is the server protecting
//! itself as intended, and comes in bursts: a thousand screens reconnecting
//! at once past the cap would log a thousand ERROR lines. Refusals are logged
//! at WARN instead, at most once a second, with how many there were.

use axum::http::StatusCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tower_http::classify::{ServerErrorsAsFailures, ServerErrorsFailureClass, SharedClassifier};
use tower_http::trace::{DefaultMakeSpan, OnFailure, TraceLayer};
use tracing::Span;

/// The most often a burst of refusals is logged.
const REFUSALS_EVERY: Duration = Duration::from_secs(1);

/// The trace layer every request passes through.
pub fn layer() -> TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    DefaultMakeSpan,
    tower_http::trace::DefaultOnRequest,
    tower_http::trace::DefaultOnResponse,
    tower_http::trace::DefaultOnBodyChunk,
    tower_http::trace::DefaultOnEos,
    LogFailure,
> {
    TraceLayer::new_for_http().on_failure(LogFailure::default())
}

/// Logs server errors; refusals at a limit at WARN, at most once a second.
#[derive(Clone, Default)]
pub struct LogFailure {
    refusals: std::sync::Arc<Refusals>,
}

#[derive(Default)]
struct Refusals {
    /// Refusals since the last line about them.
    unlogged: AtomicU64,
    last_line: Mutex<Option<Instant>>,
}

impl Refusals {
    /// Counts a refusal; returns how many to report, when it is time for a line.
    fn count(&self, now: Instant) -> Option<u64> {
        self.unlogged.fetch_add(1, Ordering::Relaxed);
        let mut last = self.last_line.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|at| now.duration_since(at) < REFUSALS_EVERY) {
            return None;
        }
        *last = Some(now);
        Some(self.unlogged.swap(0, Ordering::Relaxed))
    }
}

impl OnFailure<ServerErrorsFailureClass> for LogFailure {
    fn on_failure(&mut self, class: ServerErrorsFailureClass, latency: Duration, _: &Span) {
        match class {
            ServerErrorsFailureClass::StatusCode(StatusCode::SERVICE_UNAVAILABLE) => {
                if let Some(refused) = self.refusals.count(Instant::now()) {
                    tracing::warn!(refused, "refused requests at a limit (503 overloaded); see the limits in the README");
                }
            }
            class => {
                let latency_ms = latency.as_millis() as u64;
                tracing::error!(%class, latency_ms, "request failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_refusals_makes_one_line_a_second_with_its_count() {
        let refusals = Refusals::default();
        let start = Instant::now();
        assert_eq!(refusals.count(start), Some(1));
        for i in 1..1800 {
            let at = start + Duration::from_micros(i * 100);
            assert_eq!(refusals.count(at), None, "refusal {i}");
        }
        assert_eq!(refusals.count(start + REFUSALS_EVERY), Some(1800));
        assert_eq!(refusals.count(start + REFUSALS_EVERY * 3), Some(1));
    }
}
