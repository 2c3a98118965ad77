//! Kitchen printers (ESC/POS over raw TCP, port 9100) and their durable
//! queue.
//!
//! **The event log is the queue of new orders**, as it is the outbox of
//! webhooks: each printer keeps a durable cursor in the database
//! (`printers.after_seq`), and its worker ([`worker`]) follows the log
//! after it (`crate::log_follower`, shared with webhooks), prints a ticket
//! ([`ticket`], [`escpos`]) for each order made that has items for the
//! printer's stations, and moves the cursor past it only once the printer
//! took it ([`send`]: written, flushed, shut down, and closed by the
//! printer). Reprints and test tickets are not log events: they are rows
//! of `print_jobs` (the ticket's bytes, written in one transaction for all
//! the printers concerned), printed by the same worker, in order, before
//! the next order's ticket. Hence:
//! - a crash (even `kill -9`) loses no ticket: after a restart the worker
//!   starts again from the stored cursor and the remaining jobs;
//! - a printer gets its tickets in order, one at a time, one connection
//!   per ticket; a crash between the printer taking a ticket and the
//!   cursor's update prints that ticket twice (at least once).
//!
//! **A printer that is off or out of paper blocks nothing**: the writers
//! never wait for a worker; a worker waits on nobody but its printer. A
//! failed ticket (refused, no connection within 3 s, not taken within
//! 10 s) marks the printer offline with the reason, and is retried after
//! 1 s, 5 s, 30 s, then every 60 s, while the tickets behind it wait.
//!
//! **Bounds**: at most [`orderboard_model::printers::MAX_PRINTERS`] (20)
//! printers, one worker each, with one ticket in memory and at most
//! `send::SEND_BUFFER` (16 KiB, doubled by the kernel) in its socket. A
//! printer offline for [`PrinterSettings::drop_after`] (24 h) has its
//! backlog dropped (its jobs, and its cursor moved to the log's head), and
//! says so in its state; until then retention keeps the log's events it
//! has not printed (`retention::prune` stops below the lowest cursor).
//!
//! **Several nodes** (PostgreSQL): every node runs a worker for each
//! printer, but only the holder of the printer's lease (`lease_owner`,
//! `lease_until`; three write timeouts long) prints. A job queued on one
//! node wakes its own worker at once; the lease holder on another node
//! looks for jobs every [`RECHECK`] as well.

pub mod escpos;
pub mod rows;
pub mod send;
pub mod ticket;
pub mod worker;

use crate::error::ApiError;
use crate::feed::ChangeFeed;
use crate::log_follower::{Follow, Lease};
use crate::store::{event_log, Database, OrderStore};
use orderboard_model::printers::MAX_PRINTERS;
use orderboard_model::{NewPrinter, PrintQueued, PrinterInfo, PrinterState, ValidationError};
use rows::Printer;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// How often each node rereads the list of printers.
pub const REFRESH: Duration = Duration::from_secs(60);
/// How often a worker on PostgreSQL looks for jobs queued on another node.
pub const RECHECK: Duration = Duration::from_secs(5);

/// How tickets are sent and retried; tests shorten them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterSettings {
    pub connect_timeout: Duration,
    /// Writing a ticket until the printer closed the connection.
    pub write_timeout: Duration,
    /// The delay before each retry; the last is repeated.
    pub retry_delays: Vec<Duration>,
    /// A printer offline this long has its backlog dropped.
    pub drop_after: Duration,
}

impl Default for PrinterSettings {
    fn default() -> Self {
        let secs = Duration::from_secs;
        PrinterSettings {
            connect_timeout: secs(3),
            write_timeout: secs(10),
            retry_delays: vec![secs(1), secs(5), secs(30), secs(60)],
            drop_after: secs(24 * 3600),
        }
    }
}

/// A running worker: how to stop it, and how to wake it for a job.
struct Running {
    stop: CancellationToken,
    nudge: Arc<Notify>,
}

/// The registered printers and their workers on this node.
pub struct Printers {
    store: OrderStore,
    db: Database,
    feed: Arc<dyn ChangeFeed>,
    settings: PrinterSettings,
    /// This node's name in leases.
    node: String,
    running: Mutex<HashMap<String, Running>>,
    /// Held for a whole [`Printers::refresh`].
    refreshing: tokio::sync::Mutex<()>,
    shutdown: CancellationToken,
}

impl Printers {
    /// Starts a worker for every printer, until `shutdown`.
    pub fn start(
        store: &OrderStore,
        settings: PrinterSettings,
        shutdown: CancellationToken,
    ) -> Arc<Printers> {
        let printers = Arc::new(Printers {
            store: store.clone(),
            db: store.database().clone(),
            feed: store.feed().clone(),
            settings,
            node: uuid::Uuid::new_v4().to_string(),
            running: Mutex::default(),
            refreshing: tokio::sync::Mutex::default(),
            shutdown,
        });
        tokio::spawn(printers.clone().follow_printers());
        printers
    }

    /// Rereads the printers now and every [`REFRESH`], until shutdown.
    async fn follow_printers(self: Arc<Self>) {
        let mut tick = tokio::time::interval(REFRESH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = self.shutdown.cancelled() => return,
                _ = tick.tick() => {}
            }
            if let Err(e) = self.refresh().await {
                tracing::warn!(error = %e, "reading the printers");
            }
        }
    }

    /// Starts a worker for each printer that has none, and stops those of
    /// printers deleted.
    async fn refresh(&self) -> Result<(), sqlx::Error> {
        let _one_at_a_time = self.refreshing.lock().await;
        let printers = rows::list(&self.db).await?;
        let mut running = self.running.lock().unwrap();
        running.retain(|id, r| {
            let keep = printers.iter().any(|p| &p.info.id == id);
            if !keep {
                r.stop.cancel();
            }
            keep && !r.stop.is_cancelled()
        });
        let postgres = matches!(self.db, Database::Postgres(_));
        for printer in printers {
            if running.contains_key(&printer.info.id) {
                continue;
            }
            let stop = self.shutdown.child_token();
            let nudge = Arc::new(Notify::new());
            running.insert(
                printer.info.id.clone(),
                Running {
                    stop: stop.clone(),
                    nudge: nudge.clone(),
                },
            );
            let lease = postgres.then_some(self.settings.write_timeout * 3);
            tokio::spawn(
                worker::Worker {
                    db: self.db.clone(),
                    settings: self.settings.clone(),
                    lease: Lease::new(lease, self.node.clone()),
                    printer,
                    stop: stop.clone(),
                    dropped: None,
                }
                .run(Follow {
                    db: self.db.clone(),
                    feed: self.feed.clone(),
                    nudge,
                    recheck: postgres.then_some(RECHECK),
                    stop,
                }),
            );
        }
        Ok(())
    }

    /// Registers a printer: it prints every order made from now on.
    pub async fn create(&self, new: NewPrinter) -> Result<PrinterInfo, ApiError> {
        let new = new.normalized().map_err(ApiError::Validation)?;
        let head = {
            let mut conn = self.db.acquire().await?;
            event_log::head(conn.conn()).await?
        };
        let printer = Printer {
            info: PrinterInfo {
                id: format!("prn_{}", uuid::Uuid::new_v4().simple()),
                name: new.name,
                address: new.address,
                stations: new.stations,
                state: PrinterState::Unknown,
                queued: 0,
                last_error: None,
                since: None,
                created_at: crate::store::now(),
            },
            after_seq: head,
        };
        if !rows::insert(&self.db, &printer, MAX_PRINTERS).await? {
            return Err(ApiError::Validation(ValidationError {
                field: "address".into(),
                message: format!(
                    "at most {MAX_PRINTERS} printers can be registered; delete one first"
                ),
            }));
        }
        self.refresh().await?;
        Ok(printer.info)
    }

    /// Every printer with its state and the length of its queue.
    pub async fn list(&self) -> Result<Vec<PrinterInfo>, sqlx::Error> {
        let mut out = Vec::new();
        for p in rows::list(&self.db).await? {
            let mut info = p.info;
            info.queued = rows::queued(&self.db, &info.id)
                .await?
                .min(u64::from(u32::MAX)) as u32;
            out.push(info);
        }
        Ok(out)
    }

    /// Deletes a printer; its worker stops. Whether it existed.
    pub async fn delete(&self, id: &str) -> Result<bool, sqlx::Error> {
        let deleted = rows::delete(&self.db, id).await?;
        if let Some(r) = self.running.lock().unwrap().remove(id) {
            r.stop.cancel();
        }
        Ok(deleted)
    }

    /// Queues a test ticket for the printer; `None` if there is no such printer.
    pub async fn test(&self, id: &str) -> Result<Option<PrintQueued>, sqlx::Error> {
        let Some(printer) = rows::get(&self.db, id).await? else {
            return Ok(None);
        };
        let bytes = ticket::test_ticket(&printer.info.name, time::OffsetDateTime::now_utc());
        self.queue(vec![(printer.info.id, bytes)]).await.map(Some)
    }

    /// Queues a reprint of `order` on every printer that prints some of its
    /// items, or on `only` that printer. `Err(NotFound)` for an unknown
    /// order or printer.
    pub async fn reprint(
        &self,
        order: uuid::Uuid,
        only: Option<&str>,
    ) -> Result<PrintQueued, ApiError> {
        let order = self
            .store
            .get(order)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("no order {order}")))?;
        let printers = rows::list(&self.db).await?;
        if let Some(only) = only {
            if !printers.iter().any(|p| p.info.id == only) {
                return Err(ApiError::NotFound(format!("no printer {only}")));
            }
        }
        let jobs = printers
            .into_iter()
            .filter(|p| only.is_none_or(|only| p.info.id == only))
            .filter_map(|p| {
                ticket::order_ticket(&order, &p.info.stations, true).map(|t| (p.info.id, t))
            })
            .collect();
        Ok(self.queue(jobs).await?)
    }

    /// Writes the jobs in one transaction, then wakes their workers.
    async fn queue(&self, jobs: Vec<(String, Vec<u8>)>) -> Result<PrintQueued, sqlx::Error> {
        rows::queue_jobs(&self.db, &jobs).await?;
        let running = self.running.lock().unwrap();
        for (id, _) in &jobs {
            if let Some(r) = running.get(id) {
                r.nudge.notify_one();
            }
        }
        Ok(PrintQueued {
            printers: jobs.into_iter().map(|(id, _)| id).collect(),
        })
    }
}
