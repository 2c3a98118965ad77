//! Counts of open SSE streams, by kind, and of their reads from the event log.
//!
//! Each stream holds a guard for its whole life; dropping the stream (the
//! client went away, or the server is shutting down) drops the guard, so the
//! counts fall back to zero when nothing is connected. Tests and
//! `/api/health` read them. The count of catch-ups from the log shows how
//! often screens fell behind what the server keeps in memory.

use orderboard_model::OpenStreams;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamKind {
    Staff,
    Board,
    Track,
}

#[derive(Debug, Default)]
pub struct OpenStreamCounts {
    staff: AtomicU64,
    board: AtomicU64,
    track: AtomicU64,
    log_catch_ups: AtomicU64,
}

impl OpenStreamCounts {
    /// A stream read events it lacked from the event log.
    pub fn caught_up_from_log(&self) {
        self.log_catch_ups.fetch_add(1, Ordering::Relaxed);
    }

    pub fn log_catch_ups(&self) -> u64 {
        self.log_catch_ups.load(Ordering::Relaxed)
    }

    fn counter(&self, kind: StreamKind) -> &AtomicU64 {
        match kind {
            StreamKind::Staff => &self.staff,
            StreamKind::Board => &self.board,
            StreamKind::Track => &self.track,
        }
    }

    pub fn snapshot(&self) -> OpenStreams {
        let staff = self.staff.load(Ordering::Relaxed);
        let board = self.board.load(Ordering::Relaxed);
        let track = self.track.load(Ordering::Relaxed);
        OpenStreams {
            staff,
            board,
            track,
            total: staff + board + track,
        }
    }
}

/// Held by one open stream.
#[derive(Debug)]
pub struct OpenStreamGuard {
    counts: Arc<OpenStreamCounts>,
    kind: StreamKind,
}

impl OpenStreamGuard {
    pub fn open(counts: &Arc<OpenStreamCounts>, kind: StreamKind) -> Self {
        counts.counter(kind).fetch_add(1, Ordering::Relaxed);
        OpenStreamGuard {
            counts: counts.clone(),
            kind,
        }
    }
}

impl Drop for OpenStreamGuard {
    fn drop(&mut self) {
        self.counts
            .counter(self.kind)
            .fetch_sub(1, Ordering::Relaxed);
    }
}
