//! Knowing when every client is connected: each reports once, when it has
//! its first state or has failed to get it, and until then holds one of a
//! limited number of places, so that thousands do not connect at once.

use super::ClientContext;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::OwnedSemaphorePermit;

/// How many clients have their first state, or failed to get it.
#[derive(Debug, Default)]
pub struct Readiness {
    ready: AtomicU64,
    failed: AtomicU64,
}

impl Readiness {
    pub fn ready(&self) -> u64 {
        self.ready.load(Ordering::Relaxed)
    }

    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    /// Clients that got their first state or failed to.
    pub fn settled(&self) -> u64 {
        self.ready() + self.failed()
    }
}

/// A client's first connection: it holds a place among those connecting at
/// once until it has its first state or has failed to get it.
pub struct First {
    permit: Option<OwnedSemaphorePermit>,
    readiness: Arc<Readiness>,
    settled: bool,
}

impl First {
    /// Waits for a place to connect; `None` if the run closes first.
    pub async fn acquire(ctx: &ClientContext) -> Option<First> {
        let permit = tokio::select! {
            _ = ctx.close.cancelled() => return None,
            p = ctx.ramp.clone().acquire_owned() => p.ok(),
        };
        Some(First {
            permit,
            readiness: ctx.readiness.clone(),
            settled: false,
        })
    }

    /// The client has its first state.
    pub fn ok(&mut self) {
        self.settle(true);
    }

    /// The client's first try failed (it goes on trying).
    pub fn failed(&mut self) {
        self.settle(false);
    }

    fn settle(&mut self, ok: bool) {
        if !self.settled {
            self.settled = true;
            let counter = if ok {
                &self.readiness.ready
            } else {
                &self.readiness.failed
            };
            counter.fetch_add(1, Ordering::Relaxed);
            self.permit = None;
        }
    }
}
