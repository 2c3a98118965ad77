//! Outbound webhooks (Standard Webhooks), delivered from the event log.
//!
//! **The event log is the outbox.** Every change is already a row of the
//! event log, written in the same transaction as the change itself
//! (`store::event_log`), so nothing is added to the writers' hot path: each
//! endpoint keeps a durable cursor in the database (`after_seq`, the last
//! change it took or did not want), and its deliverer ([`deliverer`])
//! reads the log after that cursor, sends each wanted change and moves the
//! cursor forward once the endpoint has answered 2xx. Hence:
//! - a crash (even `kill -9`) between a commit and a send loses nothing:
//!   after a restart the deliverer starts again from the stored cursor;
//! - the message for change `seq` is always `msg_<seq>` ([`msg_id`]), on
//!   every retry and after a restart, so a receiver can drop the duplicates
//!   that at-least-once delivery implies (a crash between the endpoint's
//!   answer and the cursor's update sends that message once more);
//! - an endpoint gets its messages in log order, one at a time: the next
//!   is not sent before the previous one was taken.
//!
//! **Retries**: a non-2xx answer, a timeout or a refused connection is
//! retried after growing delays ([`WebhookSettings::retry_delays`]: 5 s,
//! 5 min, 30 min, 2 h, 5 h, then every 10 h), with the same `webhook-id`
//! and a fresh timestamp and signature. An endpoint that has failed for
//! [`WebhookSettings::disable_after`] (24 h) without one success is
//! disabled: `disabled_at` is set, the dispatcher shows it, nothing more is
//! sent to it. Every attempt is written down (`GET
//! /api/webhooks/{id}/deliveries`).
//!
//! **Never in the order flow's way**: a deliverer follows the log as every
//! follower does (`crate::log_follower`): it is woken by the change feed, reads the log from the pool, and waits on nobody but its endpoint;
//! the writers never wait for it. It does not poll the database on a timer,
//! except to sleep out a retry's delay and, on several nodes, to renew its
//! lease.
//!
//! **Memory bound**: one deliverer per endpoint, at most
//! [`WebhookSettings::max_endpoints`] (50) endpoints; each has at most one
//! request in flight, whose body is one change (an order is bounded by the
//! API's 64 KiB body limit), and reads at most a page of the log (500
//! changes) at a time. An answer's body is never read, only its status, and
//! every request ends after [`WebhookSettings::timeout`] (10 s) at most: an
//! endpoint that answers slowly, resets or returns 500s for an hour costs
//! one task, one connection and a page of events, and nobody else waits.
//!
//! **Several nodes** (PostgreSQL): every node runs a deliverer for each
//! endpoint, but only the holder of the endpoint's lease (a lease row in
//! `webhook_endpoints`: `lease_owner`, `lease_until`, taken with one
//! conditional `UPDATE`) sends. The lease lasts three attempt timeouts (30
//! s) and is renewed before each attempt once a third of it has passed, so
//! an attempt never outlives it, and when a node dies another takes over
//! within 30 s, from the stored cursor. Each node also rereads the list of
//! endpoints every [`REFRESH`], to start delivering for endpoints
//! registered on another node. On SQLite (one node per file) there is no
//! lease: a restarted node carries on at once.
//!
//! **Retention** never prunes an event that an enabled endpoint has not
//! taken yet (`retention::prune` stops below the lowest cursor); an
//! endpoint stays enabled for at most 24 h of failures, which bounds what
//! it can hold back.

pub mod deliverer;
pub mod rows;
pub mod signature;

use crate::error::ApiError;
use crate::feed::ChangeFeed;
use crate::log_follower::{Follow, Lease};
use crate::store::{event_log, Database, OrderStore};
use orderboard_model::{CreatedWebhook, NewWebhook, ValidationError, WebhookAttempt, WebhookInfo};
use rows::Endpoint;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often each node rereads the list of endpoints.
pub const REFRESH: Duration = Duration::from_secs(60);
/// The most attempts `GET /api/webhooks/{id}/deliveries` lists.
pub const ATTEMPTS_LISTED: i64 = 500;
/// How long attempts are kept for the listing.
pub const KEEP_ATTEMPTS: Duration = Duration::from_secs(7 * 24 * 3600);

/// The `webhook-id` of the message for the change with this sequence number.
pub fn msg_id(seq: u64) -> String {
    format!("msg_{seq}")
}

/// How deliveries are retried and bounded; tests shorten them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// The delay before each retry; the last is repeated.
    pub retry_delays: Vec<Duration>,
    /// An endpoint that has failed this long without a success is disabled.
    pub disable_after: Duration,
    /// The longest an attempt may take, from connecting to the answer's
    /// status line.
    pub timeout: Duration,
    /// The most endpoints that can be registered.
    pub max_endpoints: usize,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        let secs = Duration::from_secs;
        WebhookSettings {
            retry_delays: vec![
                secs(5),
                secs(5 * 60),
                secs(30 * 60),
                secs(2 * 3600),
                secs(5 * 3600),
                secs(10 * 3600),
            ],
            disable_after: secs(24 * 3600),
            timeout: secs(10),
            max_endpoints: 50,
        }
    }
}

/// The registered endpoints and their deliverers on this node.
pub struct Webhooks {
    db: Database,
    feed: Arc<dyn ChangeFeed>,
    http: reqwest::Client,
    settings: WebhookSettings,
    /// This node's name in leases.
    node: String,
    /// The running deliverers, by endpoint.
    running: Mutex<HashMap<String, CancellationToken>>,
    /// Held for a whole [`Webhooks::refresh`], so that an older reading of
    /// the endpoints never stops a deliverer a newer one started.
    refreshing: tokio::sync::Mutex<()>,
    shutdown: CancellationToken,
}

impl Webhooks {
    /// Starts delivering for every enabled endpoint, until `shutdown`.
    pub fn start(
        store: &OrderStore,
        settings: WebhookSettings,
        shutdown: CancellationToken,
    ) -> Arc<Webhooks> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(1)
            .user_agent(concat!("Orderboard-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the webhook HTTP client");
        let webhooks = Arc::new(Webhooks {
            db: store.database().clone(),
            feed: store.feed().clone(),
            http,
            settings,
            node: uuid::Uuid::new_v4().to_string(),
            running: Mutex::default(),
            refreshing: tokio::sync::Mutex::default(),
            shutdown,
        });
        tokio::spawn(webhooks.clone().follow_endpoints());
        webhooks
    }

    /// Rereads the endpoints now and every [`REFRESH`], until shutdown.
    async fn follow_endpoints(self: Arc<Self>) {
        let mut tick = tokio::time::interval(REFRESH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = self.shutdown.cancelled() => return,
                _ = tick.tick() => {}
            }
            if let Err(e) = self.refresh().await {
                tracing::warn!(error = %e, "reading the webhook endpoints");
            }
        }
    }

    /// Starts a deliverer for each enabled endpoint that has none, and
    /// stops those of endpoints deleted or disabled.
    async fn refresh(&self) -> Result<(), sqlx::Error> {
        let _one_at_a_time = self.refreshing.lock().await;
        let endpoints = rows::list(&self.db).await?;
        let mut running = self.running.lock().unwrap();
        running.retain(|id, stop| {
            let keep = endpoints
                .iter()
                .any(|e| &e.info.id == id && e.info.disabled_at.is_none());
            if !keep {
                stop.cancel();
            }
            keep && !stop.is_cancelled()
        });
        for endpoint in endpoints {
            if endpoint.info.disabled_at.is_some() || running.contains_key(&endpoint.info.id) {
                continue;
            }
            let stop = self.shutdown.child_token();
            running.insert(endpoint.info.id.clone(), stop.clone());
            let lease = match self.db {
                Database::Sqlite(_) => None,
                Database::Postgres(_) => Some(self.settings.timeout * 3),
            };
            tokio::spawn(
                deliverer::Deliverer {
                    db: self.db.clone(),
                    http: self.http.clone(),
                    settings: self.settings.clone(),
                    lease: Lease::new(lease, self.node.clone()),
                    endpoint,
                    stop: stop.clone(),
                }
                .run(Follow {
                    db: self.db.clone(),
                    feed: self.feed.clone(),
                    nudge: Arc::default(),
                    recheck: None,
                    stop,
                }),
            );
        }
        Ok(())
    }

    /// Registers an endpoint: it is sent every change from now on.
    pub async fn create(&self, new: NewWebhook) -> Result<CreatedWebhook, ApiError> {
        let new = new.normalized().map_err(ApiError::Validation)?;
        check_url(&new.url).map_err(ApiError::Validation)?;
        let head = {
            let mut conn = self.db.acquire().await?;
            event_log::head(conn.conn()).await?
        };
        let endpoint = Endpoint {
            info: WebhookInfo {
                id: format!("wh_{}", uuid::Uuid::new_v4().simple()),
                url: new.url,
                events: new.events,
                created_at: crate::store::now(),
                delivered_through: head,
                failing_since: None,
                disabled_at: None,
            },
            secret: signature::new_secret(),
        };
        if !rows::insert(&self.db, &endpoint, self.settings.max_endpoints).await? {
            return Err(ApiError::Validation(ValidationError {
                field: "url".into(),
                message: format!(
                    "at most {} webhook endpoints can be registered; delete one first",
                    self.settings.max_endpoints
                ),
            }));
        }
        self.refresh().await?;
        Ok(CreatedWebhook {
            secret: endpoint.secret,
            info: endpoint.info,
        })
    }

    pub async fn list(&self) -> Result<Vec<WebhookInfo>, sqlx::Error> {
        Ok(rows::list(&self.db)
            .await?
            .into_iter()
            .map(|e| e.info)
            .collect())
    }

    /// An endpoint's attempts, newest first; `None` if there is no such endpoint.
    pub async fn attempts(&self, id: &str) -> Result<Option<Vec<WebhookAttempt>>, sqlx::Error> {
        if rows::get(&self.db, id).await?.is_none() {
            return Ok(None);
        }
        rows::attempts(&self.db, id, ATTEMPTS_LISTED)
            .await
            .map(Some)
    }

    /// Deletes an endpoint; its deliverer stops. Whether it existed.
    pub async fn delete(&self, id: &str) -> Result<bool, sqlx::Error> {
        let deleted = rows::delete(&self.db, id).await?;
        if let Some(stop) = self.running.lock().unwrap().remove(id) {
            stop.cancel();
        }
        Ok(deleted)
    }
}

/// An absolute `http` or `https` URL with a host.
fn check_url(url: &str) -> Result<(), ValidationError> {
    let invalid = |message: &str| ValidationError {
        field: "url".into(),
        message: message.into(),
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid(&format!("not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("must be an http:// or https:// URL"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("must name a host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid("must not carry a user name or password"));
    }
    Ok(())
}
