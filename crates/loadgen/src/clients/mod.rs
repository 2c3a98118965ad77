//! Simulated customers, one module per transport, and what they share: the
//! HTTP client, the signal to close, the count of clients that have their
//! first state, and a limit on how many connect at once.
//!
//! Every client follows its slot's order (see [`crate::kitchen`]) until the
//! slot gets a new one, counts what it sees into a [`Tally`], and returns the
//! tally when told to close. No answer from the server makes a client panic:
//! a failed request or a dropped connection is counted as an error and the
//! client tries again.

pub mod longpoll;
pub mod poll;
mod push;
mod readiness;
pub mod sse;
pub mod sse_db_poll;
mod watched_events;
pub mod ws;

pub use push::PushSession;
pub use readiness::{First, Readiness};
pub use watched_events::{Next, WatchedEvents};

use crate::accounting::Tally;
use crate::kitchen::Assignment;
use crate::plan::TransportPlan;
use orderboard_model::Transport;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Semaphore};
use tokio_util::sync::CancellationToken;

/// How long a request may take to be answered (a long poll adds its own hold).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// A stream that carried no byte for this long is taken for dead and resumed.
pub const STREAM_IDLE: Duration = Duration::from_secs(75);
/// How often a quiet stream is checked (and a WebSocket pinged).
pub const IDLE_CHECK: Duration = Duration::from_secs(15);
/// How long a kept-alive connection may sit idle before it is dropped rather
/// than reused: well under the server's 10 s to send a request's headers,
/// after which it closes the connection and a request sent just then fails.
pub const POOL_IDLE: Duration = Duration::from_secs(4);
/// Clients making their first connection at the same time.
pub const RAMP_CONCURRENCY: usize = 256;

/// The server refused a request with `503 overloaded`: too many open
/// streams, in total or from this client's address.
#[derive(Debug)]
pub struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("503 overloaded: the server's cap on open streams")
    }
}

impl std::error::Error for Refused {}

/// Counts a failed request: an error, and a refusal if it was one.
pub fn count_failure(tally: &mut Tally, error: &anyhow::Error) {
    tally.error(format_args!("{error:#}"));
    if error.is::<Refused>() {
        tally.refused += 1;
    }
}

/// An answer's status as an error (a 503 as [`Refused`]).
pub fn status_error(what: &str, status: reqwest::StatusCode) -> anyhow::Error {
    if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
        anyhow::Error::new(Refused)
    } else {
        anyhow::anyhow!("{what}: {status}")
    }
}

/// Where a client's connections come from: an HTTP client, bound to a
/// loopback source address when customers are spread over several.
#[derive(Clone)]
pub struct Endpoint {
    pub http: reqwest::Client,
    pub local: Option<IpAddr>,
}

/// What every client of a transport shares.
pub struct ClientContext {
    endpoints: Vec<Endpoint>,
    /// The server's address, to bind WebSocket connections' source to.
    pub server: Option<SocketAddr>,
    pub base: String,
    /// Cancelled to close every client.
    pub close: CancellationToken,
    pub readiness: Arc<Readiness>,
    pub(crate) ramp: Arc<Semaphore>,
}

impl ClientContext {
    /// `sources`: the loopback source addresses to spread clients over
    /// (none: let the system choose).
    pub fn new(
        base: String,
        server: Option<SocketAddr>,
        sources: &[IpAddr],
        close: CancellationToken,
        readiness: Arc<Readiness>,
    ) -> anyhow::Result<Self> {
        let build = |local: Option<IpAddr>| -> anyhow::Result<Endpoint> {
            let http = reqwest::Client::builder()
                .connect_timeout(REQUEST_TIMEOUT)
                .pool_idle_timeout(POOL_IDLE)
                .local_address(local)
                .build()?;
            Ok(Endpoint { http, local })
        };
        let endpoints = if sources.is_empty() {
            vec![build(None)?]
        } else {
            sources
                .iter()
                .map(|ip| build(Some(*ip)))
                .collect::<anyhow::Result<_>>()?
        };
        Ok(ClientContext {
            endpoints,
            server,
            base,
            close,
            readiness,
            ramp: Arc::new(Semaphore::new(RAMP_CONCURRENCY)),
        })
    }

    /// The endpoint of the `i`th client.
    pub fn endpoint(&self, i: usize) -> Endpoint {
        self.endpoints[i % self.endpoints.len()].clone()
    }
}

/// Waits `backoff(attempt)` before trying again; `false` if the run closes first.
pub async fn pause(ctx: &ClientContext, attempt: u32) -> bool {
    let wait = Duration::from_millis(500u64 << attempt.min(5)).min(Duration::from_secs(10));
    tokio::select! {
        _ = ctx.close.cancelled() => false,
        _ = tokio::time::sleep(wait) => true,
    }
}

/// Waits until the slot holds another order than `current`; `None` if the
/// run closes first (or the kitchen has stopped for good).
pub async fn next_assignment(
    ctx: &ClientContext,
    slot: &mut watch::Receiver<Assignment>,
    current: &Assignment,
) -> Option<Assignment> {
    loop {
        {
            let now = slot.borrow_and_update();
            if now.order != current.order {
                return Some(now.clone());
            }
        }
        tokio::select! {
            _ = ctx.close.cancelled() => return None,
            changed = slot.changed() => {
                if changed.is_err() {
                    // No new order will come: wait to be closed.
                    ctx.close.cancelled().await;
                    return None;
                }
            }
        }
    }
}

/// Runs a client of `plan`'s transport until the run closes; `index` (over
/// every transport's clients) picks its endpoint.
pub async fn follow(
    ctx: Arc<ClientContext>,
    plan: TransportPlan,
    index: usize,
    slot: watch::Receiver<Assignment>,
    seed: u64,
) -> Tally {
    let ep = ctx.endpoint(index);
    match plan.transport {
        Transport::Poll => poll::follow(&ctx, &ep, slot, plan.poll_interval, seed).await,
        Transport::Longpoll => longpoll::follow(&ctx, &ep, slot).await,
        Transport::Sse => sse::follow(&ctx, &ep, slot).await,
        Transport::Ws => ws::follow(&ctx, &ep, slot).await,
        Transport::SseDbPoll => sse_db_poll::follow(&ctx, &ep, slot, plan.poll_interval).await,
    }
}
