//! One printer's worker: follows the event log from the printer's stored
//! cursor (`crate::log_follower`), prints its queued jobs (reprints,
//! tests) and then a ticket for each new order with items for it, one at
//! a time, retrying a ticket the printer did not take until it does.

use super::rows::{self, Printer};
use super::send::{self, SendTimeouts};
use super::{ticket, PrinterSettings};
use crate::feed::LogEvent;
use crate::log_follower::{self, Flow, Follow, Follower, Lease};
use crate::store::{event_log, Database};
use orderboard_model::PrinterState;
use std::time::Duration;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

pub struct Worker {
    pub db: Database,
    pub settings: PrinterSettings,
    pub lease: Lease,
    pub printer: Printer,
    pub stop: CancellationToken,
    /// Set when a backlog was dropped, until the printer is back.
    pub dropped: Option<String>,
}

/// How printing one ticket ended.
enum Printed {
    Taken,
    /// The printer was offline too long: its backlog was dropped.
    Dropped,
    /// Another node holds the lease now, or this node stops.
    GaveUp,
}

impl Follower for Worker {
    fn lease(&mut self) -> &mut Lease {
        &mut self.lease
    }

    async fn take_lease(&self, owner: &str, now: i64, until: i64) -> Result<bool, sqlx::Error> {
        rows::take_lease(&self.db, &self.printer.info.id, owner, now, until).await
    }

    async fn reload(&mut self) -> Result<bool, sqlx::Error> {
        match rows::get(&self.db, &self.printer.info.id).await? {
            Some(p) => {
                self.printer = p;
                Ok(true)
            }
            None => {
                self.stop.cancel();
                Ok(false)
            }
        }
    }

    fn cursor(&self) -> u64 {
        self.printer.after_seq
    }

    async fn take(&mut self, page: Vec<LogEvent>) -> Flow {
        let id = self.printer.info.id.clone();
        match rows::next_job(&self.db, &id).await {
            Ok(Some((job, bytes))) => {
                return match self.print_until_taken(&bytes).await {
                    Printed::Taken => {
                        if let Err(e) = rows::job_done(&self.db, job).await {
                            tracing::warn!(error = %e, "removing a printed job");
                        }
                        Flow::More
                    }
                    Printed::Dropped => Flow::More,
                    Printed::GaveUp => self.gave_up(),
                };
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "reading a printer's jobs");
                Follow::pause(&self.stop, log_follower::DB_RETRY).await;
                return Flow::More;
            }
        }
        if page.is_empty() {
            return Flow::Idle;
        }
        for logged in &page {
            let seq = logged.seq();
            let bytes = match logged.order_event() {
                Some(event) if ticket::prints(&event.change) => {
                    ticket::order_ticket(&event.order, &self.printer.info.stations, false)
                }
                _ => None,
            };
            if let Some(bytes) = bytes {
                match self.print_until_taken(&bytes).await {
                    Printed::Taken => {}
                    Printed::Dropped => return Flow::More,
                    Printed::GaveUp => return self.gave_up(),
                }
                // Until this is written, a restart prints the ticket
                // again: at least once.
                self.advance(seq).await;
            }
            self.printer.after_seq = seq;
        }
        self.advance(self.printer.after_seq).await;
        Flow::More
    }
}

impl Worker {
    /// Prints until the printer is deleted, or `how.stop`.
    pub async fn run(self, how: Follow) {
        log_follower::follow(self, how).await
    }

    fn gave_up(&mut self) -> Flow {
        self.lease.lost();
        if self.stop.is_cancelled() {
            Flow::Stop
        } else {
            Flow::More
        }
    }

    async fn advance(&self, seq: u64) {
        while let Err(e) = rows::advance(&self.db, &self.printer.info.id, seq).await {
            tracing::warn!(error = %e, "moving a printer's cursor");
            if Follow::pause(&self.stop, log_follower::DB_RETRY).await {
                return;
            }
        }
    }

    async fn set_state(&mut self, state: PrinterState, error: Option<String>) {
        let now = OffsetDateTime::now_utc();
        let info = &mut self.printer.info;
        if info.state != state || info.since.is_none() {
            info.since = Some(now);
        } else if info.last_error == error {
            return;
        }
        info.state = state;
        info.last_error = error;
        let since = info.since.unwrap_or(now);
        if let Err(e) =
            rows::set_state(&self.db, &info.id, state, info.last_error.as_deref(), since).await
        {
            tracing::warn!(error = %e, "writing down a printer's state");
        }
    }

    /// Sends one ticket until the printer takes it, its backlog is dropped
    /// (offline for [`PrinterSettings::drop_after`]) or this node gives up.
    async fn print_until_taken(&mut self, bytes: &[u8]) -> Printed {
        let timeouts = SendTimeouts {
            connect: self.settings.connect_timeout,
            write: self.settings.write_timeout,
        };
        let mut failures = 0usize;
        loop {
            match log_follower::hold(self).await {
                Ok(true) => {}
                Ok(false) | Err(_) => return Printed::GaveUp,
            }
            if self.stop.is_cancelled() {
                return Printed::GaveUp;
            }
            let address = self.printer.info.address.clone();
            match send::send(&address, bytes, timeouts).await {
                Ok(()) => {
                    self.dropped = None;
                    self.set_state(PrinterState::Online, None).await;
                    return Printed::Taken;
                }
                Err(why) => {
                    let why = match &self.dropped {
                        Some(note) => format!("{note}; {why}"),
                        None => why,
                    };
                    self.set_state(PrinterState::Offline, Some(why)).await;
                }
            }
            let since = self
                .printer
                .info
                .since
                .unwrap_or_else(OffsetDateTime::now_utc);
            if OffsetDateTime::now_utc() - since >= self.settings.drop_after {
                self.drop_backlog().await;
                return Printed::Dropped;
            }
            let delays = &self.settings.retry_delays;
            let delay = delays
                .get(failures)
                .or(delays.last())
                .copied()
                .unwrap_or(Duration::from_secs(60));
            failures += 1;
            if Follow::pause(&self.stop, delay).await {
                return Printed::GaveUp;
            }
        }
    }

    /// Drops every ticket waiting for the printer, and says so in its state.
    async fn drop_backlog(&mut self) {
        let id = self.printer.info.id.clone();
        let head = async {
            let mut conn = self.db.acquire().await?;
            event_log::head(conn.conn()).await
        };
        let dropped = match head.await {
            Ok(head) => match rows::drop_backlog(&self.db, &id, head).await {
                Ok(n) => {
                    self.printer.after_seq = self.printer.after_seq.max(head);
                    n
                }
                Err(e) => {
                    tracing::warn!(error = %e, "dropping a printer's backlog");
                    return;
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "dropping a printer's backlog");
                return;
            }
        };
        let note = format!(
            "offline for {} h: {dropped} waiting tickets were dropped",
            self.settings.drop_after.as_secs() / 3600
        );
        tracing::warn!(printer = %id, name = %self.printer.info.name, "{note}");
        self.dropped = Some(note.clone());
        // Offline anew from now: the next day of failures counts afresh.
        self.printer.info.since = None;
        self.set_state(PrinterState::Offline, Some(note)).await;
    }
}
