//! The fan-out's threads, and their lower priority.

use std::future::Future;

/// How much lower than the rest of the server a sweeping thread runs: this
/// is added to its nice value. Three lets the writer and the request
/// handlers go first when they want a core; with ten, passes over 5,000 and
/// 10,000 boards were slower than one thread's at normal priority
/// (docs/benchmarks.md).
pub(super) const SWEEP_NICENESS: i32 = 3;

/// The most sweeping threads the server starts unless told otherwise: each
/// one is woken by every change, whether or not it has boards to write to.
const MAX_DEFAULT_THREADS: usize = 8;

/// The number of sweeping threads unless told otherwise: one per core, up
/// to [`MAX_DEFAULT_THREADS`].
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_DEFAULT_THREADS)
}

/// Runs the future that `task` makes on a thread of its own, with a
/// single-threaded runtime that has timers, at a lower priority.
pub(super) fn spawn<F>(task: impl FnOnce() -> F + Send + 'static)
where
    F: Future<Output = ()>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("fan-out runtime");
    std::thread::Builder::new()
        .name("board-fan-out".into())
        .spawn(move || {
            sweep_at_lower_priority();
            runtime.block_on(task())
        })
        .expect("fan-out thread");
}

/// Lowers the calling thread's priority by [`SWEEP_NICENESS`]. On Linux
/// the nice value belongs to each thread, and raising one's own needs no
/// privilege. Elsewhere, and if it fails, the thread keeps its priority.
pub(super) fn sweep_at_lower_priority() {
    #[cfg(target_os = "linux")]
    {
        use rustix::{process, thread};
        let me = Some(thread::gettid());
        let lowered = process::getpriority_process(me)
            .and_then(|nice| process::setpriority_process(me, (nice + SWEEP_NICENESS).min(19)));
        if let Err(e) = lowered {
            tracing::warn!(error = %e, "the board fan-out could not lower its thread's priority");
        }
    }
}
