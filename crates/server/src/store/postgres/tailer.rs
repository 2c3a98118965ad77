//! A node's log tailer: publishes every committed change, from any node,
//! into this node's feed, in sequence order, exactly once.
//!
//! A `NOTIFY` is only a wake-up: it is delivered at commit and only to
//! listeners connected at the time, so the tailer always reads the log
//! after the last sequence number it published. It wakes on a
//! notification, on this node's own commit (without waiting for the
//! notification to come round), after its listening connection was lost
//! and made again (what was sent meanwhile is lost), and once a second in
//! any case: a missed notification costs at most a second.

use super::CHANNEL;
use crate::feed::{ChangeFeed, Committed};
use crate::store::database::Conn;
use crate::store::event_log;
use crate::store::rows::PAGE;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{watch, Notify, OnceCell};

/// How long the tailer waits for a wake-up before it reads the log anyway.
pub const IDLE_READ: Duration = Duration::from_secs(1);

/// How long a writer waits for its changes to be published before it
/// answers anyway (the tailer publishes them when it can).
const PUBLISH_WAIT: Duration = Duration::from_secs(2);

/// The handle the node's writer holds.
pub struct Tailer {
    wake: Notify,
    published: watch::Sender<u64>,
    /// The log's head when the node started: the tailer publishes what
    /// comes after it. Read before the node's first write, by whichever of
    /// the tailer and the writer comes first, so that no write of this node
    /// can fall before it unpublished.
    start: OnceCell<u64>,
}

impl Tailer {
    /// Starts the node's tailer task. It reads through `log_pool`, the
    /// connections it shares with the node's writer alone, so that streams
    /// holding every connection of the node's `shared` pool cannot stop it
    /// publishing. It ends, closing `log_pool`, when `shared` is closed or
    /// the returned handle (the writer's) is dropped.
    pub fn start(
        shared: PgPool,
        log_pool: PgPool,
        feed: Arc<dyn ChangeFeed>,
        last_published: Arc<AtomicU64>,
    ) -> Arc<Tailer> {
        let tailer = Arc::new(Tailer {
            wake: Notify::new(),
            published: watch::Sender::new(0),
            start: OnceCell::new(),
        });
        tokio::spawn(
            Task {
                shared,
                pool: log_pool,
                feed,
                last_published,
                tailer: Arc::downgrade(&tailer),
            }
            .run(),
        );
        tailer
    }

    /// Where the tailer starts, read from the log's head once. The writer
    /// asks before its first batch.
    pub async fn start_point(&self, pool: &PgPool) -> Result<u64, sqlx::Error> {
        self.start
            .get_or_try_init(|| async {
                let mut conn = pool.acquire().await?;
                event_log::head(Conn::Postgres(&mut conn)).await
            })
            .await
            .copied()
    }

    /// Called by the writer after it committed changes up to `seq`: wakes
    /// the tailer and waits until they are published on this node, so that
    /// a client that is answered then sees its change on this node's streams
    /// and polls (as on SQLite).
    pub async fn committed(&self, seq: u64) {
        self.wake.notify_one();
        let mut published = self.published.subscribe();
        let reached = published.wait_for(|p| *p >= seq);
        if tokio::time::timeout(PUBLISH_WAIT, reached).await.is_err() {
            tracing::warn!(seq, "a committed change is not yet published on this node");
        }
    }
}

struct Task {
    /// The node's pool for requests and streams: when it closes, the node
    /// is shutting down.
    shared: PgPool,
    /// The connections of the writer and the tailer.
    pool: PgPool,
    feed: Arc<dyn ChangeFeed>,
    last_published: Arc<AtomicU64>,
    /// The writer's handle: when the writer is gone, so is the tailer.
    tailer: Weak<Tailer>,
}

impl Task {
    async fn run(self) {
        self.tail().await;
        // The writer is gone or the node is shutting down: nothing else
        // uses the log pool.
        self.pool.close().await;
    }

    async fn tail(&self) {
        let closing = self.shared.close_event();
        tokio::pin!(closing);
        // Where the node starts: the log's head. Streams that start later
        // read what came before from the log.
        let mut last = loop {
            let Some(tailer) = self.tailer.upgrade() else {
                return;
            };
            match tailer.start_point(&self.pool).await {
                Ok(head) => break head,
                Err(e) => {
                    tracing::warn!(error = %e, "the log tailer reading the log's head; retrying");
                    tokio::select! {
                        _ = &mut closing => return,
                        _ = tokio::time::sleep(IDLE_READ) => {}
                    }
                }
            }
        };
        let mut listener: Option<PgListener> = None;
        let mut listener_failing = false;
        let mut reading_failing = false;
        let mut started = false;
        loop {
            let Some(tailer) = self.tailer.upgrade() else {
                break;
            };
            if !started {
                mark_published(&tailer, &self.last_published, last);
                started = true;
            }
            // A change published here is never published again, even if a
            // later page fails: `last` moves with each one.
            let read = self.publish_after(&tailer, &mut last).await;
            let reachable = read.is_ok();
            match read {
                Ok(()) if reading_failing => {
                    tracing::info!(last, "the log tailer reads the log again");
                    reading_failing = false;
                }
                Ok(()) => {}
                Err(e) if !reading_failing => {
                    tracing::warn!(error = %e, "the log tailer cannot read the log; retrying every second");
                    reading_failing = true;
                }
                Err(_) => {}
            }
            // Listening again once the database answers; then reading at
            // once what was committed before the LISTEN took effect.
            if reachable && listener.is_none() {
                match tokio::time::timeout(IDLE_READ, self.listen()).await {
                    Ok(Ok(l)) => {
                        if listener_failing {
                            tracing::info!("the log tailer is listening again");
                        }
                        listener_failing = false;
                        listener = Some(l);
                        continue;
                    }
                    Ok(Err(e)) if !listener_failing => {
                        tracing::warn!(error = %e, "the log tailer cannot listen; reading the log every second");
                        listener_failing = true;
                    }
                    _ => listener_failing = true,
                }
            }
            // Wait for a reason to read again.
            let notified = async {
                match listener.as_mut() {
                    Some(l) => match l.try_recv().await {
                        Ok(Some(_)) => true,
                        // The connection was lost: what was sent meanwhile
                        // is lost too, so read the log.
                        Ok(None) => true,
                        Err(_) => false,
                    },
                    None => std::future::pending().await,
                }
            };
            let lost = tokio::select! {
                biased;
                _ = &mut closing => break,
                alive = notified => !alive,
                _ = tailer.wake.notified() => false,
                _ = tokio::time::sleep(IDLE_READ) => false,
            };
            if lost {
                listener = None;
            }
        }
        // Gives the listening connection back, so that closing the pool
        // does not wait for it.
        drop(listener);
    }

    async fn listen(&self) -> Result<PgListener, sqlx::Error> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }

    /// Publishes every change after `last`, in order, moving `last` along.
    async fn publish_after(&self, tailer: &Tailer, last: &mut u64) -> Result<(), sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        loop {
            let events = event_log::read_after(Conn::Postgres(&mut conn), *last, None).await?;
            let full = events.len() as i64 == PAGE;
            for event in events {
                if event.seq() != *last + 1 {
                    tracing::warn!(
                        after = *last,
                        next = event.seq(),
                        "the event log has a gap here (pruned); publishing on from it"
                    );
                }
                *last = event.seq();
                self.feed.publish(Arc::new(Committed::new(event)));
                mark_published(tailer, &self.last_published, *last);
            }
            if !full {
                return Ok(());
            }
        }
    }
}

/// Says on this node how far the feed has got.
fn mark_published(tailer: &Tailer, last_published: &AtomicU64, seq: u64) {
    last_published.store(seq, Ordering::Release);
    tailer.published.send_replace(seq);
}
