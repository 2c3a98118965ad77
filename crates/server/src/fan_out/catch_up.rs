//! The fan-out reading what it missed from the event log, once for all its
//! parked streams.

use super::sweep::FanOutTask;
use crate::store::event_log;
use std::sync::atomic::Ordering;

impl FanOutTask {
    /// The task fell behind the feed: it reads what it missed from the
    /// event log, up to the newest change published, and encodes each once.
    /// What the feed holds after that it takes as usual (anything it already
    /// has is skipped); falling behind again brings it back here.
    pub(super) async fn recover(&mut self) {
        self.lagged = false;
        self.recoveries.fetch_add(1, Ordering::Relaxed);
        let Some(head) = self.head else { return };
        let newest = self.store.last_published().unwrap_or(head);
        if head >= newest {
            return;
        }
        match self.read_from_log(head, newest).await {
            Ok(Some(head)) => self.advance(head),
            // The log no longer holds all it missed (pruned): each stream
            // goes back, to resume from the log or start over with a reset.
            Ok(None) => self.let_go_of_all(),
            Err(e) => {
                tracing::warn!(error = %e, "the board fan-out reading what it missed");
                self.let_go_of_all();
            }
        }
    }

    /// Adds the log's board frames after `head`, up to `newest`, to the
    /// recent ones, on one connection. Returns the new head, or `None` if
    /// the log no longer starts right after `head`.
    async fn read_from_log(
        &mut self,
        mut head: u64,
        newest: u64,
    ) -> Result<Option<u64>, sqlx::Error> {
        let mut conn = self.store.database().acquire().await?;
        while head < newest {
            let events = event_log::read_after(conn.conn(), head, None).await?;
            if events.first().is_some_and(|event| event.seq() != head + 1) {
                return Ok(None);
            }
            for event in &events {
                self.recent.remember_event(event);
                head = event.seq();
            }
            if events.len() < crate::store::rows::PAGE as usize {
                break;
            }
        }
        Ok(Some(head))
    }
}
