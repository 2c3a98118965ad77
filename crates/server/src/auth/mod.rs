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
//! - Failed sign-ins are counted per client address; after a few, that
//!   address waits, twice as long after each further failure (429 with
//!   `Retry-After`).
//! - The desktop app signs its own windows in without typing and without a
//!   secret in a URL: in-process it takes a one-time ticket from
//!   [`Sessions::issue_desktop_ticket`] and hands it to its window, whose page
//!   trades it for the cookie at `POST /api/session/desktop`.
//!
//! [`guard`] holds the middleware, [`routes`] the sign-in endpoints.

pub mod guard;
pub mod routes;
pub mod stored_passphrase;

use crate::error::ApiError;
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
const FREE_FAILURES: u32 = 3;
/// The longest wait after failed sign-ins.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// One signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub expires: Instant,
    /// Cancelled when the session is signed out.
    pub ended: CancellationToken,
}

#[derive(Debug)]
struct Failures {
    count: u32,
    wait_until: Instant,
}

pub struct Sessions {
    /// The passphrase's argon2 hash, in PHC form; set at start or on first run.
    hash: RwLock<Option<String>>,
    settings: AuthSettings,
    live: Mutex<HashMap<String, Session>>,
    tickets: Mutex<HashMap<String, Instant>>,
    failures: Mutex<HashMap<IpAddr, Failures>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The argon2 hash of a passphrase, in PHC form, with a fresh salt.
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
    /// Hashes the passphrase, if one is set.
    pub fn new(settings: AuthSettings) -> Sessions {
        let hash = settings.staff_passphrase.as_deref().map(hash_passphrase);
        Sessions {
            hash: RwLock::new(hash),
            settings: AuthSettings {
                staff_passphrase: None,
                ..settings
            },
            live: Mutex::default(),
            tickets: Mutex::default(),
            failures: Mutex::default(),
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

    fn open_session(&self) -> (String, Session) {
        let token = random_token();
        let session = Session {
            expires: Instant::now() + self.settings.session_ttl,
            ended: CancellationToken::new(),
        };
        lock(&self.live).insert(token.clone(), session.clone());
        (token, session)
    }

    /// Signs in with the passphrase, or says why not.
    pub async fn sign_in(
        &self,
        client: Option<IpAddr>,
        passphrase: String,
    ) -> Result<(String, Session), ApiError> {
        let Some(hash) = self.passphrase_hash() else {
            return Err(ApiError::BadRequest(
                "no staff passphrase is set: staff requests are accepted from this computer only"
                    .into(),
            ));
        };
        let client = client.unwrap_or(IpAddr::from([0, 0, 0, 0]));
        if let Some(f) = lock(&self.failures).get(&client) {
            let now = Instant::now();
            if f.count >= FREE_FAILURES && f.wait_until > now {
                return Err(ApiError::TooManyRequests {
                    message: "too many failed sign-ins from this address; wait and try again"
                        .into(),
                    retry_after: f.wait_until - now,
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
        let mut failures = lock(&self.failures);
        if ok {
            failures.remove(&client);
            drop(failures);
            return Ok(self.open_session());
        }
        let f = failures.entry(client).or_insert(Failures {
            count: 0,
            wait_until: Instant::now(),
        });
        f.count += 1;
        if f.count >= FREE_FAILURES {
            let doublings = (f.count - FREE_FAILURES).min(16);
            let wait = Duration::from_secs(1 << doublings).min(MAX_BACKOFF);
            f.wait_until = Instant::now() + wait;
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
    pub fn redeem_ticket(&self, ticket: &str) -> Result<(String, Session), ApiError> {
        match lock(&self.tickets).remove(ticket) {
            Some(until) if until > Instant::now() => Ok(self.open_session()),
            _ => Err(ApiError::Unauthorized(
                "this desktop ticket is unknown, used or expired".into(),
            )),
        }
    }

    /// The live session for a token, if any.
    pub fn lookup(&self, token: &str) -> Option<Session> {
        let mut live = lock(&self.live);
        let now = Instant::now();
        match live.get(token) {
            Some(s) if s.expires > now => Some(s.clone()),
            Some(_) => {
                if let Some(s) = live.remove(token) {
                    s.ended.cancel();
                }
                None
            }
            None => None,
        }
    }

    /// Ends a session, and with it every stream it holds open.
    pub fn sign_out(&self, token: &str) {
        if let Some(s) = lock(&self.live).remove(token) {
            s.ended.cancel();
        }
    }
}
