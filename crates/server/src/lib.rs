//! Orderboard's server: an order store on SQLite (one node) or PostgreSQL
//! (several nodes), a REST API and live SSE streams, as a library that the
//! headless binary and the desktop app embed.
//!
//! Follow a stage change, one way down: `routes::orders::change_stage` →
//! `model::stage` (the stage machine) → `store` (commit to the database,
//! append to the event log; on PostgreSQL each node's log tailer reads it
//! back) → `feed` (publish the domain change once) → `stream::cursor` (each stream's resume path) → `wire` (encoded once per
//! wire format) → `sse`, `ws`, `fan_out` → `serving` (the socket).

#![forbid(unsafe_code)]

pub mod auth;
pub mod client_addr;
pub mod config;
mod content_coding;
pub mod db;
pub mod error;
pub mod fan_out;
pub mod feed;
pub mod idempotency;
mod json_compression;
pub mod limits;
pub mod openapi;
pub mod printers;
pub mod reports;
mod request_log;
pub mod retention;
pub mod routes;
pub mod scheduled;
pub mod serving;
pub mod shutdown;
pub mod sse;
pub mod store;
pub mod stream;
pub mod stream_answer;
mod ui_assets;
pub mod webhooks;
pub mod wire;
pub mod workshop;
pub mod ws;

use auth::guard::Need;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{delete, get, post, put};
use axum::Router;
use feed::ChangeFeed;
use limits::StreamAdmission;
use orderboard_model::{Scope, Transport};
use std::future::Future;
use std::sync::Arc;
use store::OrderStore;
use stream::open_streams::OpenStreamCounts;
use stream::snapshot_cache::SnapshotCache;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use workshop::comparison::Comparison;
use workshop::demo_driver::DemoDriver;
use workshop::transport_metrics::TransportMetrics;

pub use config::StreamSettings;

pub use error::MAX_BODY_BYTES;

/// Everything a handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: OrderStore,
    pub open_streams: Arc<OpenStreamCounts>,
    pub settings: StreamSettings,
    pub snapshots: Arc<SnapshotCache>,
    /// Staff sessions, and the desktop windows' sign-in tickets.
    pub sessions: Arc<auth::Sessions>,
    /// The API keys of integrations.
    pub api_keys: Arc<auth::api_keys::ApiKeys>,
    /// Webhook endpoints, and their deliverers on this node.
    pub webhooks: Arc<webhooks::Webhooks>,
    /// Requests being answered under an `Idempotency-Key` on this node.
    pub idempotency: Arc<idempotency::InFlight>,
    /// Places taken by open streams, against `settings.limits`.
    pub admission: Arc<StreamAdmission>,
    /// Cancelled when the application shuts down ([`AppState::shut_down`],
    /// or when its last clone is dropped); background work ends on it.
    pub shutdown: CancellationToken,
    /// Shuts the application down when the last clone of the state goes.
    _lifetime: Arc<Lifetime>,
    /// The newest state of followed orders, kept by the feed: polls are
    /// answered from memory, not from SQLite.
    pub latest_orders: Arc<store::latest_orders::LatestOrders>,
    /// Board streams at rest, written to from one loop.
    pub board_fan_out: Arc<fan_out::BoardFanOut>,
    /// What each way of following an order costs (workshop mode).
    pub transport_metrics: Arc<TransportMetrics>,
    /// The demo driver, which makes orders when asked to.
    pub demo: Arc<DemoDriver>,
    /// The workshop's comparison of the five lanes.
    pub comparison: Arc<Comparison>,
    /// The workshop's connection drop drill.
    pub drill: Arc<workshop::drill::Drill>,
}

impl AppState {
    /// Starts the store's writer and the application's background work
    /// (the board fan-out, the copies of followed orders, the event log's
    /// pruning), which last as long as the state: not as long as a
    /// listener. Reads the staff passphrase kept in the database, and says
    /// which staff policy is in force. Call from within a tokio runtime.
    pub async fn new(
        db: impl Into<store::Database>,
        feed: Arc<dyn ChangeFeed>,
        settings: StreamSettings,
    ) -> Self {
        let shutdown = CancellationToken::new();
        let db = db.into();
        let sessions = Arc::new(auth::Sessions::new(settings.auth.clone(), db.clone()));
        let api_keys = Arc::new(auth::api_keys::ApiKeys::new(db.clone()));
        tokio::spawn(
            api_keys
                .clone()
                .run_last_used(auth::api_keys::LAST_USED_EVERY, shutdown.clone()),
        );
        let store = OrderStore::new(db, feed);
        tokio::spawn(retention::run(
            store.clone(),
            settings.retention.clone(),
            shutdown.clone(),
        ));
        tokio::spawn(scheduled::run(store.clone(), shutdown.clone()));
        let webhooks =
            webhooks::Webhooks::start(&store, settings.webhooks.clone(), shutdown.clone());
        let board_fan_out = fan_out::BoardFanOut::start(
            store.clone(),
            settings.heartbeat,
            settings.fan_out_threads,
        );
        let state = AppState {
            store: store.clone(),
            open_streams: Arc::new(OpenStreamCounts::default()),
            settings,
            snapshots: Arc::new(SnapshotCache::default()),
            admission: Arc::new(StreamAdmission::default()),
            sessions,
            api_keys,
            webhooks,
            idempotency: Arc::default(),
            latest_orders: store::latest_orders::LatestOrders::follow(
                store.feed(),
                shutdown.clone(),
            ),
            board_fan_out,
            transport_metrics: Arc::new(TransportMetrics::new()),
            demo: Arc::new(DemoDriver::new(store.clone(), shutdown.clone())),
            comparison: Arc::new(Comparison::default()),
            drill: Arc::default(),
            _lifetime: Arc::new(Lifetime {
                shutdown: shutdown.clone(),
                feed: store.feed().clone(),
            }),
            shutdown,
        };
        if let Err(e) = auth::stored_passphrase::sync(state.store.database(), &state.sessions).await
        {
            tracing::error!(error = %e, "reading or storing the staff passphrase");
        }
        auth::log_policy(&state.sessions);
        state
    }

    /// Ends the application's background work and every open stream (the
    /// feed closes). Called once, when the application quits.
    pub fn shut_down(&self) {
        self._lifetime.end();
    }

    /// What a stream's cursor reads from.
    pub fn stream_source(&self) -> stream::Source {
        stream::Source {
            store: self.store.clone(),
            snapshots: self.snapshots.clone(),
            open_streams: self.open_streams.clone(),
        }
    }
}

// The parts of the state that handlers and middleware take (axum's
// `FromRef`): each takes only what it uses.

impl FromRef<AppState> for OrderStore {
    fn from_ref(state: &AppState) -> Self {
        state.store.clone()
    }
}

impl FromRef<AppState> for Arc<auth::Sessions> {
    fn from_ref(state: &AppState) -> Self {
        state.sessions.clone()
    }
}

impl FromRef<AppState> for Arc<auth::api_keys::ApiKeys> {
    fn from_ref(state: &AppState) -> Self {
        state.api_keys.clone()
    }
}

impl FromRef<AppState> for Arc<webhooks::Webhooks> {
    fn from_ref(state: &AppState) -> Self {
        state.webhooks.clone()
    }
}

impl FromRef<AppState> for auth::guard::Guard {
    fn from_ref(state: &AppState) -> Self {
        auth::guard::Guard {
            sessions: state.sessions.clone(),
            keys: state.api_keys.clone(),
        }
    }
}

impl FromRef<AppState> for idempotency::Idempotency {
    fn from_ref(state: &AppState) -> Self {
        idempotency::Idempotency {
            db: state.store.database().clone(),
            in_flight: state.idempotency.clone(),
        }
    }
}

impl FromRef<AppState> for Arc<OpenStreamCounts> {
    fn from_ref(state: &AppState) -> Self {
        state.open_streams.clone()
    }
}

impl FromRef<AppState> for Arc<DemoDriver> {
    fn from_ref(state: &AppState) -> Self {
        state.demo.clone()
    }
}

impl FromRef<AppState> for sse::Streams {
    fn from_ref(state: &AppState) -> Self {
        sse::Streams {
            source: state.stream_source(),
            retry: state.settings.retry,
            heartbeat: state.settings.heartbeat,
            transport_metrics: state.transport_metrics.clone(),
            fan_out: state.board_fan_out.clone(),
            shutdown: state.shutdown.clone(),
        }
    }
}

impl FromRef<AppState> for Arc<store::latest_orders::LatestOrders> {
    fn from_ref(state: &AppState) -> Self {
        state.latest_orders.clone()
    }
}

impl FromRef<AppState> for limits::Admission {
    fn from_ref(state: &AppState) -> Self {
        limits::Admission {
            counts: state.admission.clone(),
            limits: state.settings.limits.clone(),
        }
    }
}

impl FromRef<AppState> for workshop::Workshop {
    fn from_ref(state: &AppState) -> Self {
        workshop::Workshop {
            transport_metrics: state.transport_metrics.clone(),
            comparison: state.comparison.clone(),
            drill: state.drill.clone(),
            demo: state.demo.clone(),
            store: state.store.clone(),
            shutdown: state.shutdown.clone(),
            limits: state.settings.limits.clone(),
        }
    }
}

/// The application's life: ended explicitly, or when the last clone of its
/// state is dropped.
struct Lifetime {
    shutdown: CancellationToken,
    feed: Arc<dyn ChangeFeed>,
}

impl Lifetime {
    fn end(&self) {
        if !self.shutdown.is_cancelled() {
            // In this order: a stream that subscribes after the feed closed
            // sees the cancelled token (`sse::live_stream`).
            self.shutdown.cancel();
            self.feed.close();
        }
    }
}

impl Drop for Lifetime {
    fn drop(&mut self) {
        self.end();
    }
}

/// The API routes, under `/api`.
fn api_routes(state: &AppState) -> Router<AppState> {
    use axum::middleware::from_fn_with_state;
    let admit = || from_fn_with_state(limits::Admission::from_ref(state), limits::admit_stream);
    let guard = auth::guard::Guard::from_ref(state);
    // What each staff route needs of its caller, written once, here: staff,
    // or an API key with the scope (`auth::guard::Need`).
    let needs = |need| from_fn_with_state((guard.clone(), need), auth::guard::require);
    let read = || needs(Need::Scope(Scope::OrdersRead));
    let write = || needs(Need::Scope(Scope::OrdersWrite));
    let staff_only = || needs(Need::Staff);
    // Changes that an `Idempotency-Key` makes safe to retry.
    let idempotent = || {
        from_fn_with_state(
            idempotency::Idempotency::from_ref(state),
            idempotency::replay_or_run,
        )
    };
    // Staff endpoints: changes, customers' details and tokens, the staff
    // stream, settings. The caller is checked before a stream takes a place.
    let staff = Router::new()
        .route(
            "/events",
            get(routes::staff_events::stream)
                .route_layer(admit())
                .route_layer(read()),
        )
        .route(
            "/orders",
            get(routes::orders::list).route_layer(read()).merge(
                post(routes::orders::create)
                    .route_layer(idempotent())
                    .route_layer(write()),
            ),
        )
        .route("/orders/{id}", get(routes::orders::get).route_layer(read()))
        .route(
            "/orders/history",
            get(routes::order_history::history).route_layer(read()),
        )
        .route(
            "/orders/export.csv",
            get(routes::order_history::export_csv).route_layer(staff_only()),
        )
        .route(
            "/reports/prep-times",
            get(routes::reports::prep_times).route_layer(staff_only()),
        )
        .route(
            "/orders/{id}/stage",
            post(routes::orders::change_stage)
                .route_layer(idempotent())
                .route_layer(write()),
        )
        .route(
            "/orders/{id}/items/{index}",
            post(routes::orders::bump_item)
                .route_layer(idempotent())
                .route_layer(write()),
        )
        .route(
            "/settings",
            get(routes::settings::get)
                .put(routes::settings::put)
                .route_layer(staff_only()),
        )
        .route(
            "/menu",
            get(routes::menu::get)
                .route_layer(read())
                .merge(put(routes::menu::put).route_layer(staff_only())),
        )
        .route(
            "/keys",
            get(routes::keys::list)
                .post(routes::keys::create)
                .route_layer(staff_only()),
        )
        .route(
            "/keys/{id}",
            delete(routes::keys::revoke).route_layer(staff_only()),
        )
        .route(
            "/webhooks",
            get(routes::webhooks::list)
                .post(routes::webhooks::create)
                .route_layer(staff_only()),
        )
        .route(
            "/webhooks/{id}",
            delete(routes::webhooks::delete).route_layer(staff_only()),
        )
        .route(
            "/webhooks/{id}/deliveries",
            get(routes::webhooks::deliveries).route_layer(staff_only()),
        )
        .route(
            "/demo",
            get(routes::demo::status)
                .put(routes::demo::set)
                .route_layer(staff_only()),
        )
        .route(
            "/workshop/comparison",
            post(routes::workshop::start_comparison)
                .delete(routes::workshop::stop_comparison)
                .route_layer(staff_only()),
        )
        .route(
            "/workshop/drill",
            post(routes::workshop::start_drill).route_layer(staff_only()),
        );
    // Public streams: every stream takes a place against the limits first.
    // A tracking page's four transports, and the workshop's SSE over
    // database polling, are metered for workshop mode.
    let metered = |t| {
        from_fn_with_state(
            (state.transport_metrics.clone(), t),
            workshop::metered::count,
        )
    };
    let public_streams = Router::new()
        .route("/board/events", get(routes::board::stream))
        .route("/workshop/events", get(routes::workshop::events))
        .route("/track/events", get(routes::tracks::stream))
        .route(
            "/track/{token}/events",
            get(routes::track::stream).layer(metered(Transport::Sse)),
        )
        .route(
            "/track/{token}/longpoll",
            get(routes::track::longpoll).layer(metered(Transport::Longpoll)),
        )
        .route(
            "/workshop/sse-db-poll/{token}",
            get(routes::workshop::sse_db_poll).layer(metered(Transport::SseDbPoll)),
        )
        .route_layer(admit());
    Router::new()
        .merge(staff)
        .merge(public_streams)
        .route("/health", get(routes::health::health))
        .route("/openapi.json", get(openapi::openapi_json))
        .route(
            "/session",
            get(auth::routes::status)
                .post(auth::routes::sign_in)
                .delete(auth::routes::sign_out),
        )
        .route("/session/desktop", post(auth::routes::desktop))
        .route("/session/passphrase", put(auth::routes::set_passphrase))
        .route(
            "/track/{token}",
            get(routes::track::get).layer(metered(Transport::Poll)),
        )
        .route(
            "/track/{token}/ws",
            get(routes::track::socket).layer(metered(Transport::Ws)),
        )
        .route("/workshop/counts", get(routes::workshop::counts))
        .route("/workshop/comparison", get(routes::workshop::comparison))
        .route("/workshop/drill", get(routes::workshop::drill))
        .fallback(error::api_not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
}

/// Builds the whole application from its state.
pub fn app(state: AppState) -> Router {
    let cors = cross_origin(&state.settings.auth.allowed_origins);
    let router = Router::new()
        .nest("/api", api_routes(&state))
        .route("/metrics", get(routes::workshop::metrics))
        .fallback(ui_assets::serve)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(json_compression::layer());
    let router = match cors {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router.layer(request_log::layer()).with_state(state)
}

/// CORS for the allow-listed origins only, with credentials, never `*`;
/// none at all by default (same origin only).
fn cross_origin(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use axum::http::{header, HeaderName, HeaderValue, Method};
    let origins: Vec<HeaderValue> = origins
        .iter()
        .map(|o| o.trim().trim_end_matches('/'))
        .filter(|o| !o.is_empty() && *o != "*")
        .filter_map(|o| match HeaderValue::from_str(o) {
            Ok(v) => Some(v),
            Err(_) => {
                tracing::warn!(
                    origin = o,
                    "ignoring an allowed origin that is not a valid header value"
                );
                None
            }
        })
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        tower_http::cors::CorsLayer::new()
            .allow_origin(origins)
            .allow_credentials(true)
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                HeaderName::from_static("last-event-id"),
                HeaderName::from_static("idempotency-key"),
            ])
            .expose_headers([HeaderName::from_static("idempotent-replayed")]),
    )
}

/// Serves the application on `listener` until `shutdown` completes; then
/// ends this listener's connections and streams. The state, and everything
/// it runs, outlives the listener: another may be started on it. The
/// connection limits (header read timeout, write stalls) are applied here:
/// see [`serving`].
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        state.comparison.serve_on(addr);
    }
    let limits = state.settings.limits.clone();
    serving::serve_router(listener, app(state), &limits, shutdown).await
}

pub use config::DEFAULT_HEARTBEAT;
