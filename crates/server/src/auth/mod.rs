//! Staff sessions: who may make changes, see customers' details and tokens,
//! and read the staff stream.
//!
//! - With a staff passphrase set (`--staff-passphrase`), every staff request
//!   needs a session, loopback included. A session is an HttpOnly,
//!   SameSite=Strict cookie with an expiry; the passphrase is kept only as an
//!   argon2 hash. An open staff stream ends when its session expires or is
//!   signed out: it is bound to the session, not checked once at the start.
//! - Without one, staff requests are accepted from this computer (loopback)
//!   only, and the server says so when it starts.
//! - Sessions are kept in the database ([`session_rows`], only as hashes of
//!   their tokens): a session survives restarts and, on PostgreSQL, is valid
//!   on every node; one signed out on any node ends everywhere within
//!   [`RECHECK`], its open staff streams with it.
//! - Failed sign-ins are counted per client address, in the database too
//!   (so the count holds whichever node is tried); after a few, that
//!   address waits, twice as long after each further failure (429 with
//!   `Retry-After`).
//! - The desktop app signs its own windows in without typing and without a
//!   secret in a URL: in-process it takes a one-time ticket from
//!   [`Sessions::issue_desktop_ticket`] and hands it to its window, whose page
//!   trades it for the cookie at `POST /api/session/desktop`.
//!
//! - Integrations use API keys instead ([`api_keys`]), allowed what their
//!   scopes allow.
//!
//! [`guard`] holds the middleware (each staff route's [`guard::Need`] is
//! written once, where the router is built), [`routes`] the sign-in
//! endpoints.

pub mod api_key_rows;
pub mod api_keys;
pub mod guard;
pub mod routes;
pub mod session_rows;
pub mod stored_passphrase;

use crate::error::ApiError;
use crate::store::Database;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, RwLock};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The session cookie's name.
pub const COOKIE: &str = "orderboard_session";

/// How staff sign in.
#[derive(Clone)]
pub struct AuthSettings {
    /// The staff passphrase; `None` leaves staff requests to loopback only.
    pub staff_passphrase: Option<String>,
    /// How long a session lasts.
    pub session_ttl: Duration,
    /// How long a desktop ticket may wait to be redeemed.
    pub ticket_ttl: Duration,
    /// Other origins whose pages may call the API with credentials (exact
    /// `scheme://host:port`); empty: same origin only.
    pub allowed_origins: Vec<String>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            staff_passphrase: None,
            session_ttl: Duration::from_secs(12 * 3600),
            ticket_ttl: Duration::from_secs(60),
            allowed_origins: Vec::new(),
        }
    }
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field(
                "staff_passphrase",
                &self.staff_passphrase.as_ref().map(|_| "(set)"),
            )
            .field("session_ttl", &self.session_ttl)
            .field("ticket_ttl", &self.ticket_ttl)
            .field("allowed_origins", &self.allowed_origins)
            .finish()
    }
}

/// Failed sign-ins allowed from one address before it must wait.
const FREE_FAILURES: i64 = 3;
/// The longest wait after failed sign-ins.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// How long a node trusts its own copy of a session before it asks the
/// database again (a session signed out on another node ends here within
/// this long, its open staff streams too).
pub const RECHECK: Duration = Duration::from_secs(5);
/// How long re-checking a session this node knows may wait for the database.
const KNOWN_RECHECK_WAIT: Duration = Duration::from_millis(500);

/// One signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub expires: Instant,
    /// Cancelled when the session is signed out.
    pub ended: CancellationToken,
}

/// A session as this node last saw it in the database.
struct Known {
    session: Session,
    confirmed: Instant,
}

pub struct Sessions {
    /// The passphrase's argon2 hash, in PHC form; set at start or on first run.
    hash: RwLock<Option<String>>,
    settings: AuthSettings,
    /// Where sessions and failed sign-ins are kept (shared by every node).
    db: Database,
    /// The sessions this node has seen, by token.
    known: Mutex<HashMap<String, Known>>,
    tickets: Mutex<HashMap<String, Instant>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn now_millis() -> i64 {
    crate::store::rows::to_millis(time::OffsetDateTime::now_utc())
}

/// Says in the log which staff policy is in force.
pub fn log_policy(sessions: &Sessions) {
    if sessions.sign_in_required() {
        tracing::info!("staff requests need a signed-in session (a staff passphrase is set)");
    } else {
        tracing::warn!(
            "no staff passphrase is set: only this computer (loopback) may make staff requests; \
             set --staff-passphrase or ORDERBOARD_STAFF_PASSPHRASE to let staff sign in from other machines"
        );
    }
}

/// The argon2 hash of a passphrase, in PHC form, with a fresh salt.
pub fn hash_passphrase(passphrase: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the OS random source");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a salt");
    Argon2::default()
        .hash_password(passphrase.as_bytes(), &salt)
        .expect("argon2 hashes any passphrase")
        .to_string()
}

/// 32 random bytes, URL-safe: a session token or a ticket.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl Sessions {
    /// Hashes the passphrase, if one is set; sessions are kept in `db`.
    pub fn new(settings: AuthSettings, db: Database) -> Sessions {
        let hash = settings.staff_passphrase.as_deref().map(hash_passphrase);
        Sessions {
            hash: RwLock::new(hash),
            settings: AuthSettings {
                staff_passphrase: None,
                ..settings
            },
            db,
            known: Mutex::default(),
            tickets: Mutex::default(),
        }
    }

    /// The passphrase's hash, if one is set.
    pub fn passphrase_hash(&self) -> Option<String> {
        self.hash.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Sets (or replaces) the passphrase, by its hash.
    pub fn set_passphrase_hash(&self, phc: String) {
        *self.hash.write().unwrap_or_else(|e| e.into_inner()) = Some(phc);
    }

    /// Whether staff requests need a session (a passphrase is set).
    pub fn sign_in_required(&self) -> bool {
        self.passphrase_hash().is_some()
    }

    pub fn session_ttl(&self) -> Duration {
        self.settings.session_ttl
    }

    /// Opens a session, kept in the database.
    pub async fn open_session(&self) -> Result<(String, Session), ApiError> {
        let token = random_token();
        let ttl = self.settings.session_ttl;
        let expires_at = now_millis() + ttl.as_millis() as i64;
        session_rows::insert(&self.db, &session_rows::token_hash(&token), expires_at).await?;
        let session = Session {
            expires: Instant::now() + ttl,
            ended: CancellationToken::new(),
        };
        let known = Known {
            session: session.clone(),
            confirmed: Instant::now(),
        };
        lock(&self.known).insert(token.clone(), known);
        Ok((token, session))
    }

    /// Signs in with the passphrase, or says why not. The passphrase is
    /// checked against the one kept in the database (another node may have
    /// changed it), and failures are counted there, per client address.
    pub async fn sign_in(
        &self,
        client: Option<IpAddr>,
        passphrase: String,
    ) -> Result<(String, Session), ApiError> {
        let stored = stored_passphrase::load(&self.db).await?;
        if let Some(phc) = &stored {
            if self.passphrase_hash().as_ref() != Some(phc) {
                self.set_passphrase_hash(phc.clone());
            }
        }
        let Some(hash) = self.passphrase_hash() else {
            return Err(ApiError::BadRequest(
                "no staff passphrase is set: staff requests are accepted from this computer only"
                    .into(),
            ));
        };
        let client = client.unwrap_or(IpAddr::from([0, 0, 0, 0])).to_string();
        let now = now_millis();
        if let Some((count, wait_until)) = session_rows::failures(&self.db, &client).await? {
            if count >= FREE_FAILURES && wait_until > now {
                return Err(ApiError::TooManyRequests {
                    message: "too many failed sign-ins from this address; wait and try again"
                        .into(),
                    retry_after: Duration::from_millis((wait_until - now) as u64),
                });
            }
        }
        // Verifying is deliberately slow: off the async workers.
        let ok = tokio::task::spawn_blocking(move || {
            let parsed = PasswordHash::new(&hash).expect("our own hash parses");
            Argon2::default()
                .verify_password(passphrase.as_bytes(), &parsed)
                .is_ok()
        })
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
        if ok {
            session_rows::clear_failures(&self.db, &client).await?;
            session_rows::delete_expired(&self.db, now).await?;
            return self.open_session().await;
        }
        let count = session_rows::count_failure(&self.db, &client).await?;
        if count >= FREE_FAILURES {
            let doublings = (count - FREE_FAILURES).min(16) as u32;
            let wait = Duration::from_secs(1 << doublings).min(MAX_BACKOFF);
            session_rows::set_wait(&self.db, &client, now_millis() + wait.as_millis() as i64)
                .await?;
        }
        Err(ApiError::Unauthorized("wrong staff passphrase".into()))
    }

    /// A one-time ticket, valid for a minute, that signs one desktop window
    /// in through `POST /api/session/desktop`. For the desktop app's own
    /// windows only: hand it over in-process, never in a URL.
    pub fn issue_desktop_ticket(&self) -> String {
        let ticket = random_token();
        let mut tickets = lock(&self.tickets);
        let now = Instant::now();
        tickets.retain(|_, until| *until > now);
        tickets.insert(ticket.clone(), now + self.settings.ticket_ttl);
        ticket
    }

    /// Trades a desktop ticket, once, for a session.
    pub async fn redeem_ticket(&self, ticket: &str) -> Result<(String, Session), ApiError> {
        let until = lock(&self.tickets).remove(ticket);
        match until {
            Some(until) if until > Instant::now() => self.open_session().await,
            _ => Err(ApiError::Unauthorized(
                "this desktop ticket is unknown, used or expired".into(),
            )),
        }
    }

    /// The live session for a token, if any. A session this node confirmed
    /// within [`RECHECK`] is taken as it is; otherwise the database says
    /// (it may have been made, or signed out, on another node). If the
    /// database cannot be reached, a session this node knows stays valid.
    pub async fn lookup(&self, token: &str) -> Result<Option<Session>, ApiError> {
        let now = Instant::now();
        let known = lock(&self.known)
            .get(token)
            .map(|k| (k.session.clone(), k.confirmed));
        if let Some((session, confirmed)) = &known {
            if session.expires <= now {
                self.forget(token);
                return Ok(None);
            }
            if now.duration_since(*confirmed) < RECHECK {
                return Ok(Some(session.clone()));
            }
        }
        let hash = session_rows::token_hash(token);
        let asked = session_rows::expires_at(&self.db, &hash, now_millis());
        // A session this node knows is not held up long by a database that
        // cannot be reached: the request's own work will say so.
        let answer = match &known {
            Some(_) => tokio::time::timeout(KNOWN_RECHECK_WAIT, asked)
                .await
                .unwrap_or(Err(sqlx::Error::PoolTimedOut)),
            None => asked.await,
        };
        match answer {
            Ok(Some(expires_at)) => {
                let left = Duration::from_millis((expires_at - now_millis()).max(0) as u64);
                let session = Session {
                    expires: now + left,
                    ended: known.map(|(s, _)| s.ended).unwrap_or_default(),
                };
                let known = Known {
                    session: session.clone(),
                    confirmed: now,
                };
                lock(&self.known).insert(token.to_string(), known);
                Ok(Some(session))
            }
            Ok(None) => {
                self.forget(token);
                Ok(None)
            }
            Err(e) => match known {
                Some((session, _)) => {
                    tracing::warn!(error = %e, "checking a staff session; keeping this node's copy");
                    Ok(Some(session))
                }
                None => Err(e.into()),
            },
        }
    }

    /// Ends a session on every node, and with it every stream it holds open.
    pub async fn sign_out(&self, token: &str) -> Result<(), ApiError> {
        self.forget(token);
        session_rows::delete(&self.db, &session_rows::token_hash(token)).await?;
        Ok(())
    }

    /// Completes when the session ends: it expires, is signed out on this
    /// node, or is found gone from the database (signed out on another).
    pub async fn until_ended(&self, token: &str, session: Session) {
        let ends = async {
            tokio::select! {
                _ = tokio::time::sleep_until(session.expires) => {}
                _ = session.ended.cancelled() => {}
            }
        };
        let gone = async {
            loop {
                tokio::time::sleep(RECHECK).await;
                if let Ok(None) = self.lookup(token).await {
                    return;
                }
            }
        };
        tokio::select! {
            _ = ends => {}
            _ = gone => {}
        }
    }

    fn forget(&self, token: &str) {
        if let Some(k) = lock(&self.known).remove(token) {
            k.session.ended.cancel();
        }
    }
}
