//! Following the event log from a durable cursor: what webhook deliverers
//! and kitchen printers share.
//!
//! A follower keeps its cursor in the database (the last change it took or
//! did not want) and is handed the log after it, a page (500 changes) at a
//! time; it moves its cursor itself, only once a change was taken. When
//! the log has nothing new, [`follow`] sleeps until the change feed (or
//! the follower's own nudge, for work that is not a log event) wakes it:
//! it never polls the database on a timer, except, when asked to, to
//! notice work queued on another node. A database failure is retried
//! after a second; how a follower retries its own sends (its back-off) is
//! its own.
//!
//! **Several nodes** (PostgreSQL): only the holder of the follower's lease
//! works ([`hold`]): a lease row taken with one conditional `UPDATE`,
//! renewed once a third of it has passed; when a node dies another takes
//! over from the stored cursor once the lease ran out. On SQLite there is
//! no lease (`Lease::length` is `None`).

use crate::feed::ChangeFeed;
use crate::feed::LogEvent;
use crate::store::rows::to_millis;
use crate::store::{event_log, Database};
use futures_util::{FutureExt, StreamExt};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long to wait after the database failed before trying again.
pub const DB_RETRY: Duration = Duration::from_secs(1);

/// A follower's lease: which node works for it.
#[derive(Debug, Clone)]
pub struct Lease {
    /// How long a lease lasts; none on SQLite, where one node works.
    pub length: Option<Duration>,
    /// This node's name in leases.
    pub node: String,
    taken_at: Option<Instant>,
}

impl Lease {
    pub fn new(length: Option<Duration>, node: String) -> Lease {
        Lease {
            length,
            node,
            taken_at: None,
        }
    }

    /// Forgets the lease: the next [`hold`] takes it anew.
    pub fn lost(&mut self) {
        self.taken_at = None;
    }
}

/// How a follower's turn ended.
pub enum Flow {
    /// Nothing was pending: sleep until woken.
    Idle,
    /// Something was done (or given up): look again at once.
    More,
    /// The follower is done for good (deleted, disabled).
    Stop,
}

/// One thing that follows the log: a webhook endpoint, a printer.
pub trait Follower: Send {
    fn lease(&mut self) -> &mut Lease;
    /// Takes or renews the lease row for `owner` until `until`, unless
    /// another node holds one still running at `now`; whether it is held.
    fn take_lease(
        &self,
        owner: &str,
        now: i64,
        until: i64,
    ) -> impl Future<Output = Result<bool, sqlx::Error>> + Send;
    /// Rereads the follower's row once the lease was taken anew (another
    /// node may have moved its cursor); whether it is still there to work for.
    fn reload(&mut self) -> impl Future<Output = Result<bool, sqlx::Error>> + Send;
    /// Every change up to this one was taken.
    fn cursor(&self) -> u64;
    /// Works through `page` (the log after the cursor, maybe empty) and
    /// anything else queued.
    fn take(&mut self, page: Vec<LogEvent>) -> impl Future<Output = Flow> + Send;
}

/// Takes or renews the follower's lease when a third of it has passed;
/// whether it is held. A follower whose row is gone is told so by `Ok(false)`
/// and [`Follower::reload`] having returned `false`.
pub async fn hold<F: Follower>(f: &mut F) -> Result<bool, sqlx::Error> {
    let lease = f.lease().clone();
    let Some(length) = lease.length else {
        return Ok(true);
    };
    if lease.taken_at.is_some_and(|at| at.elapsed() < length / 3) {
        return Ok(true);
    }
    let now = to_millis(OffsetDateTime::now_utc());
    let until = now + length.as_millis() as i64;
    if !f.take_lease(&lease.node, now, until).await? {
        f.lease().lost();
        return Ok(false);
    }
    if lease.taken_at.is_none() && !f.reload().await? {
        return Ok(false);
    }
    f.lease().taken_at = Some(Instant::now());
    Ok(true)
}

/// What [`follow`] reads and waits on.
pub struct Follow {
    pub db: Database,
    pub feed: Arc<dyn ChangeFeed>,
    /// Wakes the follower for work that is not in the log.
    pub nudge: Arc<Notify>,
    /// Look again this often even if nothing woke the follower (work
    /// queued on another node); `None`: only when woken.
    pub recheck: Option<Duration>,
    pub stop: CancellationToken,
}

impl Follow {
    /// Sleeps, unless stopped first; whether it was stopped.
    pub async fn pause(stop: &CancellationToken, d: Duration) -> bool {
        tokio::select! {
            _ = stop.cancelled() => true,
            _ = tokio::time::sleep(d) => false,
        }
    }
}

/// Runs `f` until it stops, `how.stop` is cancelled or the feed closes.
pub async fn follow<F: Follower>(mut f: F, how: Follow) {
    // Subscribed before the first read of the log, so that a change
    // committed after that read wakes the follower.
    let mut wake = how.feed.subscribe();
    loop {
        if how.stop.is_cancelled() {
            return;
        }
        match hold(&mut f).await {
            Ok(true) => {}
            Ok(false) => {
                let wait = f.lease().length.map_or(DB_RETRY, |l| l / 2);
                if Follow::pause(&how.stop, wait).await {
                    return;
                }
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "taking a lease on the event log");
                if Follow::pause(&how.stop, DB_RETRY).await {
                    return;
                }
                continue;
            }
        }
        let page = {
            let read = async {
                let mut conn = how.db.acquire().await?;
                event_log::read_after(conn.conn(), f.cursor(), None).await
            };
            match read.await {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the event log");
                    if Follow::pause(&how.stop, DB_RETRY).await {
                        return;
                    }
                    continue;
                }
            }
        };
        match f.take(page).await {
            Flow::More => continue,
            Flow::Stop => return,
            Flow::Idle => {}
        }
        let recheck = async {
            match how.recheck {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = how.stop.cancelled() => return,
            _ = how.nudge.notified() => {}
            _ = recheck => {}
            next = wake.next() => if next.is_none() { return },
        }
        // Every change already waiting is read from the log at once.
        while let Some(Some(_)) = wake.next().now_or_never() {}
    }
}
