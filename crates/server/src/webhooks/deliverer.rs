//! One endpoint's deliverer: follows the event log from the endpoint's
//! stored cursor, sends each wanted change, one at a time, and retries a
//! failed one until it is taken or the endpoint is disabled (see the
//! module above for the design).

use super::rows::{self, Endpoint};
use super::{msg_id, signature, WebhookSettings};
use crate::feed::ChangeFeed;
use crate::feed::LogEvent;
use crate::store::event_log;
use crate::store::rows::to_millis;
use crate::store::Database;
use futures_util::{FutureExt, StreamExt};
use orderboard_model::{OrderEvent, WebhookAttempt, WebhookEventType};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long to wait after the database failed before trying again.
const DB_RETRY: Duration = Duration::from_secs(1);
/// The longest error text kept for an attempt.
const MAX_ERROR_CHARS: usize = 200;

pub struct Deliverer {
    pub db: Database,
    pub feed: Arc<dyn ChangeFeed>,
    pub http: reqwest::Client,
    pub settings: WebhookSettings,
    pub node: String,
    /// How long a lease lasts; none on SQLite, where one node delivers.
    pub lease: Option<Duration>,
    pub endpoint: Endpoint,
    pub stop: CancellationToken,
}

/// How sending one message ended.
enum Sent {
    Taken,
    /// The endpoint failed too long and was disabled.
    Disabled,
    /// Another node holds the lease now, or this node stops.
    GaveUp,
}

impl Deliverer {
    pub async fn run(mut self) {
        // Subscribed before the first read of the log, so that a change
        // committed after that read wakes this deliverer.
        let mut wake = self.feed.subscribe();
        let mut leased_at: Option<Instant> = None;
        loop {
            if self.stop.is_cancelled() {
                return;
            }
            match self.hold_lease(&mut leased_at).await {
                Ok(true) => {}
                Ok(false) => {
                    if self.pause(self.lease.unwrap_or(DB_RETRY) / 2).await {
                        return;
                    }
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, endpoint = %self.endpoint.info.id, "taking a webhook lease");
                    if self.pause(DB_RETRY).await {
                        return;
                    }
                    continue;
                }
            }
            let page = match self.read_page().await {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the event log for webhooks");
                    if self.pause(DB_RETRY).await {
                        return;
                    }
                    continue;
                }
            };
            if page.is_empty() {
                tokio::select! {
                    _ = self.stop.cancelled() => return,
                    next = wake.next() => if next.is_none() { return },
                }
                // Every change already waiting is read from the log at once.
                while let Some(Some(_)) = wake.next().now_or_never() {}
                continue;
            }
            let mut skipped_to = None;
            for logged in &page {
                // A settings change is sent to no endpoint.
                let Some(event) = logged.order_event() else {
                    skipped_to = Some(logged.seq());
                    self.endpoint.info.delivered_through = logged.seq();
                    continue;
                };
                // One message per change: the first of its types the
                // endpoint wants (an item bump that moved the order is
                // `order.item_done` where that is wanted, else
                // `order.stage_changed`).
                let wanted = WebhookEventType::of_change(&event.change)
                    .into_iter()
                    .find(|t| self.endpoint.info.events.contains(t));
                if let Some(kind) = wanted {
                    match self.send_until_taken(event, kind, &mut leased_at).await {
                        Sent::Taken => skipped_to = None,
                        Sent::Disabled => return,
                        Sent::GaveUp => {
                            leased_at = None;
                            break;
                        }
                    }
                } else {
                    skipped_to = Some(event.seq);
                }
                self.endpoint.info.delivered_through = event.seq;
            }
            if let Some(seq) = skipped_to {
                if let Err(e) = rows::advance(&self.db, &self.endpoint.info.id, seq).await {
                    tracing::warn!(error = %e, "moving a webhook cursor");
                }
            }
        }
    }

    /// Sleeps, unless stopped first; whether it was stopped.
    async fn pause(&self, d: Duration) -> bool {
        tokio::select! {
            _ = self.stop.cancelled() => true,
            _ = tokio::time::sleep(d) => false,
        }
    }

    /// Takes or renews this node's lease on the endpoint when a third of it
    /// has passed; on taking it anew, rereads the endpoint (another node
    /// may have moved its cursor). Whether the lease is held.
    async fn hold_lease(&mut self, leased_at: &mut Option<Instant>) -> Result<bool, sqlx::Error> {
        let Some(lease) = self.lease else {
            return Ok(true);
        };
        if leased_at.is_some_and(|at| at.elapsed() < lease / 3) {
            return Ok(true);
        }
        let now = to_millis(OffsetDateTime::now_utc());
        let until = now + lease.as_millis() as i64;
        let id = self.endpoint.info.id.clone();
        if !rows::take_lease(&self.db, &id, &self.node, now, until).await? {
            *leased_at = None;
            return Ok(false);
        }
        if leased_at.is_none() {
            match rows::get(&self.db, &id).await? {
                Some(e) if e.info.disabled_at.is_none() => self.endpoint = e,
                _ => {
                    self.stop.cancel();
                    return Ok(false);
                }
            }
        }
        *leased_at = Some(Instant::now());
        Ok(true)
    }

    async fn read_page(&self) -> Result<Vec<LogEvent>, sqlx::Error> {
        let mut conn = self.db.acquire().await?;
        event_log::read_after(conn.conn(), self.endpoint.info.delivered_through, None).await
    }

    /// Sends one change until the endpoint takes it (and then moves the
    /// cursor past it), the endpoint is disabled, or this node gives up.
    async fn send_until_taken(
        &mut self,
        event: &OrderEvent,
        kind: WebhookEventType,
        leased_at: &mut Option<Instant>,
    ) -> Sent {
        let id = self.endpoint.info.id.clone();
        let msg = msg_id(event.seq);
        let body = serde_json::to_vec(&serde_json::json!({
            "type": kind.as_str(),
            "timestamp": event.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            "data": event,
        }))
        .expect("an event serializes");
        let mut attempt = rows::attempts_made(&self.db, &id, event.seq)
            .await
            .unwrap_or(0)
            + 1;
        loop {
            match self.hold_lease(leased_at).await {
                Ok(true) => {}
                Ok(false) | Err(_) => return Sent::GaveUp,
            }
            let now = OffsetDateTime::now_utc();
            let outcome = self.send(&msg, now.unix_timestamp(), &body).await;
            let delivered = matches!(outcome, Ok(status) if (200..300).contains(&status));
            let record = WebhookAttempt {
                msg_id: msg.clone(),
                seq: event.seq,
                event_type: kind,
                attempt,
                at: crate::store::rows::from_millis(to_millis(now)),
                status: outcome.as_ref().ok().copied(),
                error: outcome.err(),
                delivered,
            };
            if let Err(e) = rows::record_attempt(&self.db, &id, &record).await {
                tracing::warn!(error = %e, "writing down a webhook attempt");
            }
            if delivered {
                // Until this is written, a restart sends the message again
                // under the same id: at least once.
                while let Err(e) = rows::advance(&self.db, &id, event.seq).await {
                    tracing::warn!(error = %e, "moving a webhook cursor");
                    if self.pause(DB_RETRY).await {
                        return Sent::GaveUp;
                    }
                }
                self.endpoint.info.failing_since = None;
                return Sent::Taken;
            }
            let since = *self.endpoint.info.failing_since.get_or_insert(record.at);
            if let Err(e) = rows::set_failing_since(&self.db, &id, to_millis(since)).await {
                tracing::warn!(error = %e, "writing down a failing webhook endpoint");
            }
            if now - since >= self.settings.disable_after {
                tracing::warn!(endpoint = %id, url = %self.endpoint.info.url,
                    "disabling a webhook endpoint that has failed since {since}");
                if let Err(e) = rows::disable(&self.db, &id, to_millis(now)).await {
                    tracing::warn!(error = %e, "disabling a webhook endpoint");
                }
                self.stop.cancel();
                return Sent::Disabled;
            }
            let delays = &self.settings.retry_delays;
            let delay = delays
                .get((attempt as usize).saturating_sub(1))
                .or(delays.last())
                .copied()
                .unwrap_or(Duration::from_secs(60));
            if self.pause(delay).await {
                return Sent::GaveUp;
            }
            attempt += 1;
        }
    }

    /// One attempt: the endpoint's status, or why there was none. The
    /// answer's body is never read.
    async fn send(&self, msg: &str, timestamp: i64, body: &[u8]) -> Result<u16, String> {
        let signature = signature::sign(&self.endpoint.secret, msg, timestamp, body)
            .ok_or_else(|| "the endpoint's secret cannot sign".to_string())?;
        let sent = self
            .http
            .post(&self.endpoint.info.url)
            .header("content-type", "application/json")
            .header("webhook-id", msg)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.to_vec())
            .send()
            .await;
        match sent {
            Ok(answer) => Ok(answer.status().as_u16()),
            Err(e) if e.is_timeout() => Err(format!(
                "no answer within {} s",
                self.settings.timeout.as_secs_f32()
            )),
            Err(e) if e.is_connect() => Err(limit(format!("could not connect: {e}"))),
            Err(e) => Err(limit(format!("{e}"))),
        }
    }
}

fn limit(mut text: String) -> String {
    if let Some((i, _)) = text.char_indices().nth(MAX_ERROR_CHARS) {
        text.truncate(i);
    }
    text
}
