//! The connection drop drill: a crash, with and without resume.
//!
//! Simulated customers follow orders of the demo over real HTTP, through a
//! [`CuttableLink`] to the server's own address: half reconnect with
//! `Last-Event-ID` (as EventSource does), half without it. Once every
//! customer has its snapshot, the link is cut for a few seconds; while it
//! is down each followed order moves on a stage through the order store,
//! as staff at the pass would (and the demo keeps moving its orders), so
//! that there are always changes to miss. Then the link comes back, the
//! customers reconnect and catch up, and the drill compares what each saw
//! with the orders' real versions: changes missed, seen twice, and the time
//! to catch up. One drill runs at a time; its state is watched by the
//! workshop stream, and the report stays until the next one.

use super::cuttable_link::CuttableLink;
use super::drill_customer::{self, CustomerLog};
use crate::error::ApiError;
use crate::store::OrderStore;
use orderboard_model::drill::{
    DEFAULT_DRILL_CLIENTS, DEFAULT_DRILL_OUTAGE_SECS, MAX_DRILL_CLIENTS, MAX_DRILL_OUTAGE_SECS,
};
use orderboard_model::{
    DrillGroup, DrillPhase, DrillReport, DrillRequest, DrillState, Order, StageChangeRequest,
    ValidationError,
};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The drill follows at most this many orders (each group follows the same ones).
pub const MAX_DRILL_ORDERS: usize = 5;
/// How long every customer has to connect and read its first snapshot.
const CONNECT_WITHIN: Duration = Duration::from_secs(15);
/// How long the customers have to catch up once the link is back.
const CATCH_UP_WITHIN: Duration = Duration::from_secs(15);
/// How long the customers have to see the changes made until the drill ends.
const SETTLE_WITHIN: Duration = Duration::from_secs(5);

#[derive(Default)]
pub struct Drill {
    state: watch::Sender<DrillState>,
}

/// Checks a request; the customers per group and the outage.
pub fn check(request: &DrillRequest) -> Result<(u32, Duration), ApiError> {
    let invalid = |field: &str, message: String| {
        ApiError::Validation(ValidationError {
            field: field.into(),
            message,
        })
    };
    let clients = request.clients_per_group.unwrap_or(DEFAULT_DRILL_CLIENTS);
    if !(1..=MAX_DRILL_CLIENTS).contains(&clients) {
        return Err(invalid(
            "clients_per_group",
            format!("must be between 1 and {MAX_DRILL_CLIENTS}"),
        ));
    }
    let outage = request.outage_secs.unwrap_or(DEFAULT_DRILL_OUTAGE_SECS);
    if !(1..=MAX_DRILL_OUTAGE_SECS).contains(&outage) {
        return Err(invalid(
            "outage_secs",
            format!("must be between 1 and {MAX_DRILL_OUTAGE_SECS}"),
        ));
    }
    Ok((clients, Duration::from_secs(outage)))
}

impl Drill {
    pub fn current(&self) -> DrillState {
        self.state.borrow().clone()
    }

    /// Told of every change of phase.
    pub fn watch(&self) -> watch::Receiver<DrillState> {
        self.state.subscribe()
    }

    /// Starts a drill against the server at `target`, following orders of
    /// the demo in progress, or says why not.
    pub async fn start(
        self: &Arc<Self>,
        store: OrderStore,
        target: Option<SocketAddr>,
        demo_running: bool,
        shutdown: &CancellationToken,
        request: DrillRequest,
    ) -> Result<DrillState, ApiError> {
        let (clients, outage) = check(&request)?;
        if !demo_running {
            return Err(ApiError::DemoNotRunning(
                "the drill follows the demo's orders: start the demo first (--demo, or the \
                 dispatcher's \"Demo orders\")"
                    .into(),
            ));
        }
        let target = target.ok_or_else(|| {
            ApiError::AlreadyRunning(
                "the server is not listening yet; try again in a moment".into(),
            )
        })?;
        let already_running =
            || ApiError::AlreadyRunning("a drill is already running; wait for its report".into());
        if self.state.borrow().phase.is_running() {
            return Err(already_running());
        }
        let mut orders: Vec<Order> = store.list_active(None).await?;
        orders.retain(|o| o.machine().next().is_some());
        // The newest orders have the most stages still ahead of them.
        let most = MAX_DRILL_ORDERS.min(clients as usize);
        let orders: Vec<Order> = orders.into_iter().rev().take(most).collect();
        if orders.is_empty() {
            return Err(ApiError::DemoNotRunning(
                "the demo has no order in progress yet; try again in a few seconds".into(),
            ));
        }
        let claimed = self.state.send_if_modified(|s| {
            if s.phase.is_running() {
                return false;
            }
            *s = DrillState {
                phase: DrillPhase::Connecting,
                request: Some(request.clone()),
                ..Default::default()
            };
            true
        });
        if !claimed {
            return Err(already_running());
        }
        let this = self.clone();
        let stop = shutdown.child_token();
        tokio::spawn(async move {
            let outcome = tokio::select! {
                _ = stop.cancelled() => Err(anyhow::anyhow!("the server is shutting down")),
                o = run(&this, store, target, orders, clients, outage, stop.clone()) => o,
            };
            this.state.send_modify(|s| match outcome {
                Ok(report) => {
                    s.phase = DrillPhase::Finished;
                    s.report = Some(report);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "workshop drill failed");
                    s.phase = DrillPhase::Failed;
                    s.error = Some(format!("{e:#}"));
                }
            });
        });
        Ok(self.current())
    }

    fn set_phase(&self, phase: DrillPhase) {
        self.state.send_modify(|s| s.phase = phase);
    }
}

/// One customer in the drill.
struct Customer {
    resumes: bool,
    /// Which of the followed orders.
    order: usize,
    known: watch::Receiver<u64>,
    log: tokio::task::JoinHandle<CustomerLog>,
}

async fn run(
    drill: &Drill,
    store: OrderStore,
    target: SocketAddr,
    orders: Vec<Order>,
    clients: u32,
    outage: Duration,
    stop: CancellationToken,
) -> anyhow::Result<DrillReport> {
    let _stop_on_return = stop.clone().drop_guard();
    let link = CuttableLink::open(target, stop.child_token()).await?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let close = stop.child_token();
    let mut customers = Vec::new();
    for resumes in [true, false] {
        for i in 0..clients as usize {
            let order = i % orders.len();
            let url = format!(
                "http://{}/api/track/{}/events",
                link.addr(),
                orders[order].tracking_token
            );
            let (known_tx, known) = watch::channel(0);
            let log = tokio::spawn(drill_customer::follow(
                http.clone(),
                url,
                resumes,
                known_tx,
                close.clone(),
            ));
            customers.push(Customer {
                resumes,
                order,
                known,
                log,
            });
        }
    }
    let every_customer_knows = |at_least: Vec<u64>| {
        let watches: Vec<_> = customers
            .iter()
            .map(|c| (c.known.clone(), at_least[c.order]))
            .collect();
        async move {
            for (mut known, v) in watches {
                // A customer whose task ended keeps what it knew: its order is over.
                let _ = known.wait_for(|k| *k >= v).await;
            }
        }
    };
    let connected = every_customer_knows(vec![1; orders.len()]);
    if tokio::time::timeout(CONNECT_WITHIN, connected)
        .await
        .is_err()
    {
        anyhow::bail!(
            "the simulated customers could not all connect within {} s",
            CONNECT_WITHIN.as_secs()
        );
    }

    drill.set_phase(DrillPhase::Outage);
    let before = versions(&store, &orders).await?;
    let cut_at = Instant::now();
    link.cut();
    // Each followed order moves on a stage while the link is down, spread
    // over the outage, as staff at the pass would move it.
    for (k, order) in orders.iter().enumerate() {
        let at = cut_at + outage.mul_f64((k + 1) as f64 / (orders.len() + 1) as f64);
        tokio::time::sleep_until(at).await;
        advance(&store, order.id).await;
    }
    tokio::time::sleep_until(cut_at + outage).await;
    let at_restore = versions(&store, &orders).await?;
    link.restore();
    let up_at = Instant::now();
    let outage_ms = up_at.duration_since(cut_at).as_millis() as u64;

    drill.set_phase(DrillPhase::Recovering);
    let _ = tokio::time::timeout(CATCH_UP_WITHIN, every_customer_knows(at_restore.clone())).await;
    // The truth the drill is judged by: every change made until now.
    let truth = versions(&store, &orders).await?;
    let _ = tokio::time::timeout(SETTLE_WITHIN, every_customer_knows(truth.clone())).await;
    close.cancel();

    let mut groups = [group(true), group(false)];
    for c in customers {
        let log = c.log.await?;
        let g = &mut groups[usize::from(!c.resumes)];
        judge(g, &log, truth[c.order], at_restore[c.order], up_at);
    }
    for g in &mut groups {
        finish(g);
    }
    let changes_during_outage = at_restore
        .iter()
        .zip(&before)
        .map(|(after, before)| after.saturating_sub(*before))
        .sum();
    Ok(DrillReport {
        outage_ms,
        orders_followed: orders.len() as u64,
        changes_during_outage,
        groups: groups.into_iter().map(|g| g.row).collect(),
    })
}

/// Each order's version now.
async fn versions(store: &OrderStore, orders: &[Order]) -> anyhow::Result<Vec<u64>> {
    let mut out = Vec::with_capacity(orders.len());
    for o in orders {
        let now = store.get(o.id).await?;
        out.push(now.map_or(o.version, |n| n.version));
    }
    Ok(out)
}

/// Moves the order to its next stage, from the version it has now; leaves
/// it be if it is over, or if someone moved it meanwhile.
async fn advance(store: &OrderStore, id: Uuid) {
    let Ok(Some(order)) = store.get(id).await else {
        return;
    };
    let Some(to) = order.machine().next() else {
        return;
    };
    let request = StageChangeRequest {
        to,
        expected_version: Some(order.version),
    };
    if let Err(e) = store.change_stage(id, request).await {
        tracing::debug!(error = %e, "drill: order not moved");
    }
}

/// A group's row while its customers are judged, with their catch-up times.
struct Judged {
    row: DrillGroup,
    catch_ups_ms: Vec<f64>,
}

fn group(resumes: bool) -> Judged {
    Judged {
        row: DrillGroup {
            resumes,
            ..Default::default()
        },
        catch_ups_ms: Vec::new(),
    }
}

/// Adds one customer to its group: what it was owed up to `truth`, what
/// reached it as events, and when it knew `at_restore` again after `up_at`.
fn judge(g: &mut Judged, log: &CustomerLog, truth: u64, at_restore: u64, up_at: Instant) {
    let row = &mut g.row;
    row.clients += 1;
    row.snapshots_on_reconnect += log.snapshots_on_reconnect;
    let Some(first) = log.first_version else {
        return;
    };
    let owed = truth.saturating_sub(first);
    let mut seen = std::collections::BTreeSet::new();
    for v in &log.event_versions {
        if !seen.insert(*v) {
            row.duplicated += 1;
        }
    }
    let delivered = seen.range(first + 1..=truth).count() as u64;
    row.changes_owed += owed;
    row.delivered += delivered;
    row.missed += owed - delivered;
    // Caught up: connected again after the link came back, and knowing the
    // state the orders had when it did.
    let reconnected = log.connected_at.iter().find(|t| **t >= up_at);
    let knew = log
        .known
        .iter()
        .find(|(_, v)| *v >= at_restore)
        .map(|(t, _)| *t);
    if let (Some(reconnected), Some(knew)) = (reconnected, knew) {
        let caught_up = (*reconnected).max(knew);
        row.caught_up += 1;
        g.catch_ups_ms
            .push(caught_up.duration_since(up_at).as_secs_f64() * 1000.0);
    }
}

fn finish(g: &mut Judged) {
    g.catch_ups_ms.sort_by(f64::total_cmp);
    // By nearest rank, as every other p50 on the workshop page.
    g.row.catch_up_p50_ms = orderboard_loadgen::accounting::quantile(&g.catch_ups_ms, 0.5);
    g.row.catch_up_max_ms = g.catch_ups_ms.last().copied();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_checked() {
        assert_eq!(
            check(&DrillRequest::default()).unwrap(),
            (DEFAULT_DRILL_CLIENTS, Duration::from_secs(5))
        );
        for bad in [
            DrillRequest {
                clients_per_group: Some(0),
                outage_secs: None,
            },
            DrillRequest {
                clients_per_group: Some(MAX_DRILL_CLIENTS + 1),
                outage_secs: None,
            },
            DrillRequest {
                clients_per_group: None,
                outage_secs: Some(0),
            },
            DrillRequest {
                clients_per_group: None,
                outage_secs: Some(MAX_DRILL_OUTAGE_SECS + 1),
            },
        ] {
            assert!(
                matches!(check(&bad), Err(ApiError::Validation(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_customer_is_judged_against_the_truth() {
        let up_at = Instant::now();
        let later = up_at + Duration::from_millis(300);
        // Snapshot at 2, events 3 and 4, then a snapshot at 6 after the
        // link came back: 5 and 6 were never events.
        let log = CustomerLog {
            first_version: Some(2),
            event_versions: vec![3, 4, 4],
            snapshots_on_reconnect: 1,
            connected_at: vec![up_at - Duration::from_secs(9), later],
            known: vec![(up_at - Duration::from_secs(9), 2), (later, 6)],
        };
        let mut g = group(false);
        judge(&mut g, &log, 6, 6, up_at);
        finish(&mut g);
        let row = g.row;
        assert_eq!((row.changes_owed, row.delivered, row.missed), (4, 2, 2));
        assert_eq!((row.duplicated, row.snapshots_on_reconnect), (1, 1));
        assert_eq!(row.caught_up, 1);
        assert!((row.catch_up_p50_ms.unwrap() - 300.0).abs() < 1.0);
    }
}
