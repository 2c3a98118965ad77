//! Counts the database queries made on behalf of whoever asked for them.
//!
//! Every query of the shared read path runs through [`on_conn!`] or
//! [`on_pool!`](super::database), which call [`one`]. While a request (or the
//! body of its response) is served inside [`counting`], each query is told
//! to that request's counter; elsewhere (the writer, the log's pruning,
//! requests nobody counts) nothing happens. The workshop uses it to show what
//! each way of following an order costs the database.
//!
//! [`on_conn!`]: super::database

use std::future::Future;
use std::sync::Arc;
use std::task::Poll;

/// What to do for each query: count it somewhere.
pub type QueryCounter = Arc<dyn Fn() + Send + Sync>;

tokio::task_local! {
    static COUNTER: QueryCounter;
}

/// One query is being made.
pub fn one() {
    let _ = COUNTER.try_with(|count| count());
}

/// Runs `work`, telling `counter` of each query it makes.
pub fn counting<F: Future>(counter: QueryCounter, work: F) -> impl Future<Output = F::Output> {
    COUNTER.scope(counter, work)
}

/// Polls once with `counter` told of each query the poll makes: for
/// response bodies and streams, which are polled after their handler has
/// returned.
pub fn poll_counting<T>(counter: &QueryCounter, poll: impl FnOnce() -> Poll<T>) -> Poll<T> {
    COUNTER.sync_scope(counter.clone(), poll)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[tokio::test]
    async fn counts_inside_only() {
        let n = Arc::new(AtomicU64::new(0));
        let seen = n.clone();
        let counter: QueryCounter = Arc::new(move || {
            seen.fetch_add(1, Ordering::Relaxed);
        });
        one();
        counting(counter.clone(), async {
            one();
            one();
        })
        .await;
        let _ = poll_counting(&counter, || {
            one();
            Poll::Ready(())
        });
        one();
        assert_eq!(n.load(Ordering::Relaxed), 3);
    }
}
