//! The workshop's comparison: simulated customers on every transport at once,
//! against this very server, started and stopped from the workshop page.
//!
//! It runs the load generator's library (`orderboard-loadgen`) in-process.
//! The simulated customers connect over real HTTP to the server's own
//! listening address, exactly as phones would, so what the workshop page
//! charts is what the transports really cost. Their orders are created and
//! moved through the order store directly, as staff would, without a sign-in.
//! Only one comparison runs at a time; its state is watched by the workshop
//! stream, and the report stays until the next one.

use crate::error::ApiError;
use crate::limits::Limits;
use crate::store::OrderStore;
use futures_util::future::BoxFuture;
use orderboard_loadgen::{LoadConfig, OrderDriver, TransportPlan};
use orderboard_model::workshop::{
    DEFAULT_COMPARISON_SECS, DEFAULT_DB_POLL_INTERVAL_MS, MAX_COMPARISON_CLIENTS,
    MAX_COMPARISON_SECS, MAX_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS,
};
use orderboard_model::{
    ComparisonPhase, ComparisonRequest, ComparisonState, NewOrder, Order, StageChangeRequest,
    Transport, ValidationError,
};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub struct Comparison {
    state: watch::Sender<ComparisonState>,
    run: Mutex<Option<Run>>,
    /// Where the simulated customers connect: the server's own address, as
    /// of the listener started last (the desktop app restarts its listener).
    target: Mutex<Option<SocketAddr>>,
}

struct Run {
    stop: CancellationToken,
    started: Instant,
}

impl Default for Comparison {
    fn default() -> Self {
        Comparison {
            state: watch::Sender::new(ComparisonState::default()),
            run: Mutex::new(None),
            target: Mutex::new(None),
        }
    }
}

fn invalid(field: &str, message: String) -> ApiError {
    ApiError::Validation(ValidationError {
        field: field.into(),
        message,
    })
}

/// Checks a request; the transports to run, in order, without repeats.
pub fn check(request: &ComparisonRequest) -> Result<Vec<Transport>, ApiError> {
    if !(1..=MAX_COMPARISON_CLIENTS).contains(&request.clients_per_transport) {
        return Err(invalid(
            "clients_per_transport",
            format!("must be between 1 and {MAX_COMPARISON_CLIENTS}"),
        ));
    }
    if !(MIN_POLL_INTERVAL_MS..=MAX_POLL_INTERVAL_MS).contains(&request.poll_interval_ms) {
        return Err(invalid(
            "poll_interval_ms",
            format!("must be between {MIN_POLL_INTERVAL_MS} and {MAX_POLL_INTERVAL_MS}"),
        ));
    }
    if let Some(ms) = request.db_poll_interval_ms {
        if !(MIN_POLL_INTERVAL_MS..=MAX_POLL_INTERVAL_MS).contains(&ms) {
            return Err(invalid(
                "db_poll_interval_ms",
                format!("must be between {MIN_POLL_INTERVAL_MS} and {MAX_POLL_INTERVAL_MS}"),
            ));
        }
    }
    if let Some(secs) = request.duration_secs {
        if !(1..=MAX_COMPARISON_SECS).contains(&secs) {
            return Err(invalid(
                "duration_secs",
                format!("must be between 1 and {MAX_COMPARISON_SECS}"),
            ));
        }
    }
    let mut transports = request
        .transports
        .clone()
        .unwrap_or_else(|| Transport::ALL.to_vec());
    let asked = transports.len();
    transports.sort();
    transports.dedup();
    if transports.is_empty() || transports.len() != asked {
        return Err(invalid(
            "transports",
            "must name at least one transport, each once".into(),
        ));
    }
    Ok(transports)
}

/// How many source addresses keep `customers` at half the per-address cap or less.
fn source_addresses(customers: usize, per_address_cap: usize) -> u32 {
    let per_address = (per_address_cap / 2).max(1);
    customers.div_ceil(per_address).clamp(1, 65_000) as u32
}

/// A loopback address of the listener, which the simulated customers can reach.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port())
        }
        _ => addr,
    }
}

impl Comparison {
    /// Records where the server listens; called each time a listener is bound.
    pub fn serve_on(&self, addr: SocketAddr) {
        *self.target.lock().unwrap_or_else(|e| e.into_inner()) = Some(reachable(addr));
    }

    /// Where the simulated customers connect now.
    pub fn target(&self) -> Option<SocketAddr> {
        *self.target.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The state now, with its elapsed time brought up to date.
    pub fn current(&self) -> ComparisonState {
        let mut state = self.state.borrow().clone();
        if let Some(run) = self.run.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            if matches!(
                state.phase,
                ComparisonPhase::Starting | ComparisonPhase::Running | ComparisonPhase::Stopping
            ) {
                state.elapsed_ms = run.started.elapsed().as_millis() as u64;
            }
        }
        state
    }

    /// Told of every change of phase.
    pub fn watch(&self) -> watch::Receiver<ComparisonState> {
        self.state.subscribe()
    }

    fn is_running(&self) -> bool {
        matches!(
            self.state.borrow().phase,
            ComparisonPhase::Starting | ComparisonPhase::Running | ComparisonPhase::Stopping
        )
    }

    /// Starts a comparison, or says why not.
    pub fn start(
        self: &Arc<Self>,
        store: OrderStore,
        shutdown: &CancellationToken,
        limits: &Limits,
        request: ComparisonRequest,
    ) -> Result<ComparisonState, ApiError> {
        let transports = check(&request)?;
        let target = self.target().ok_or_else(|| {
            ApiError::AlreadyRunning(
                "the server is not listening yet; try again in a moment".into(),
            )
        })?;
        let mut run = self.run.lock().unwrap_or_else(|e| e.into_inner());
        if self.is_running() {
            return Err(ApiError::AlreadyRunning(
                "a comparison is already running; stop it first".into(),
            ));
        }
        let stop = shutdown.child_token();
        let started = Instant::now();
        *run = Some(Run {
            stop: stop.clone(),
            started,
        });
        drop(run);
        self.state.send_replace(ComparisonState {
            phase: ComparisonPhase::Starting,
            request: Some(request.clone()),
            ..Default::default()
        });

        let customers = request.clients_per_transport as usize * transports.len();
        let plans = transports
            .into_iter()
            .map(|transport| TransportPlan {
                transport,
                poll_interval: Duration::from_millis(match transport {
                    Transport::SseDbPoll => request
                        .db_poll_interval_ms
                        .unwrap_or(DEFAULT_DB_POLL_INTERVAL_MS),
                    _ => request.poll_interval_ms,
                }),
            })
            .collect();
        let duration =
            Duration::from_secs(request.duration_secs.unwrap_or(DEFAULT_COMPARISON_SECS));
        let mut config = LoadConfig::new(
            format!("http://{target}"),
            request.clients_per_transport,
            plans,
            duration,
        );
        // Customers come from as many loopback addresses as it takes to stay
        // well within the server's cap on streams per address.
        if target.is_ipv4() {
            config.source_addresses = source_addresses(customers, limits.max_streams_per_client);
        }
        // Each order changes a few times within the run, however short.
        config.stage_every = (duration / 4).clamp(Duration::from_secs(1), Duration::from_secs(20));
        let this = self.clone();
        let on_phase = {
            let this = self.clone();
            Arc::new(move |phase: ComparisonPhase| this.set_phase(phase, started))
        };
        tokio::spawn(async move {
            let driver: Arc<dyn OrderDriver> = Arc::new(StoreDriver(store));
            let outcome = orderboard_loadgen::run(config, driver, stop, on_phase).await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            this.state.send_modify(|s| {
                s.elapsed_ms = elapsed_ms;
                match outcome {
                    Ok(report) => {
                        s.phase = ComparisonPhase::Finished;
                        s.report = Some(report);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "workshop comparison failed");
                        s.phase = ComparisonPhase::Failed;
                        s.error = Some(format!("{e:#}"));
                    }
                }
            });
        });
        Ok(self.current())
    }

    fn set_phase(&self, phase: ComparisonPhase, started: Instant) {
        self.state.send_modify(|s| {
            // The run's own end (finished or failed) is set when it returns.
            if matches!(
                phase,
                ComparisonPhase::Starting | ComparisonPhase::Running | ComparisonPhase::Stopping
            ) {
                s.phase = phase;
                s.elapsed_ms = started.elapsed().as_millis() as u64;
            }
        });
    }

    /// Asks the running comparison to stop; its report follows when the
    /// last deliveries are in.
    pub fn stop(&self) -> ComparisonState {
        if let Some(run) = self.run.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            run.stop.cancel();
        }
        self.current()
    }
}

/// Makes the comparison's orders through the order store, as staff would.
struct StoreDriver(OrderStore);

impl OrderDriver for StoreDriver {
    fn create(&self, order: NewOrder) -> BoxFuture<'_, anyhow::Result<Order>> {
        Box::pin(async move {
            self.0
                .create(order)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
        })
    }

    fn change_stage(
        &self,
        id: Uuid,
        request: StageChangeRequest,
    ) -> BoxFuture<'_, anyhow::Result<Order>> {
        Box::pin(async move {
            self.0
                .change_stage(id, request)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> ComparisonRequest {
        ComparisonRequest {
            clients_per_transport: 10,
            poll_interval_ms: 5000,
            db_poll_interval_ms: None,
            transports: None,
            duration_secs: None,
        }
    }

    #[test]
    fn requests_are_checked() {
        assert_eq!(check(&request()).unwrap(), Transport::ALL.to_vec());
        let bad = [
            ComparisonRequest {
                clients_per_transport: 0,
                ..request()
            },
            ComparisonRequest {
                clients_per_transport: MAX_COMPARISON_CLIENTS + 1,
                ..request()
            },
            ComparisonRequest {
                poll_interval_ms: 10,
                ..request()
            },
            ComparisonRequest {
                db_poll_interval_ms: Some(100),
                ..request()
            },
            ComparisonRequest {
                duration_secs: Some(0),
                ..request()
            },
            ComparisonRequest {
                duration_secs: Some(MAX_COMPARISON_SECS + 1),
                ..request()
            },
            ComparisonRequest {
                transports: Some(vec![]),
                ..request()
            },
            ComparisonRequest {
                transports: Some(vec![Transport::Sse, Transport::Sse]),
                ..request()
            },
        ];
        for b in bad {
            assert!(matches!(check(&b), Err(ApiError::Validation(_))), "{b:?}");
        }
    }

    #[test]
    fn customers_are_spread_within_the_per_address_cap() {
        assert_eq!(source_addresses(1, 200), 1);
        assert_eq!(source_addresses(100, 200), 1);
        assert_eq!(source_addresses(101, 200), 2);
        assert_eq!(source_addresses(8000, 200), 80);
        assert_eq!(source_addresses(5, 1), 5);
    }

    #[test]
    fn unspecified_listeners_are_reached_on_loopback() {
        assert_eq!(
            reachable("0.0.0.0:7878".parse().unwrap()),
            "127.0.0.1:7878".parse().unwrap()
        );
        assert_eq!(
            reachable("[::]:7878".parse().unwrap()),
            "[::1]:7878".parse().unwrap()
        );
        assert_eq!(
            reachable("127.0.0.1:9".parse().unwrap()),
            "127.0.0.1:9".parse().unwrap()
        );
    }
}
