//! Orderboard's server: an order store on SQLite, a REST API and live SSE
//! streams, as a library that the headless binary and the desktop app embed.
//!
//! Follow a stage change: `routes::orders::change_stage` → `store` (commit to
//! SQLite, append to `store::event_log`) → `feed` (publish once) →
//! `sse::live_stream` (every open stream) → the screens.

pub mod config;
pub mod db;
pub mod error;
pub mod feed;
pub mod routes;
pub mod shutdown;
pub mod sse;
pub mod store;
mod ui_assets;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use feed::ChangeFeed;
use sqlx::SqlitePool;
use sse::open_streams::OpenStreamCounts;
use sse::snapshot_cache::SnapshotCache;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use store::OrderStore;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::trace::TraceLayer;

pub use config::StreamSettings;

/// The largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Everything a handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: OrderStore,
    pub open_streams: Arc<OpenStreamCounts>,
    pub settings: StreamSettings,
    pub snapshots: Arc<SnapshotCache>,
    /// Cancelled when the server shuts down; every open stream ends on it.
    pub shutdown: CancellationToken,
}

impl AppState {
    pub fn new(pool: SqlitePool, feed: Arc<dyn ChangeFeed>, settings: StreamSettings) -> Self {
        AppState {
            store: OrderStore::new(pool, feed),
            open_streams: Arc::new(OpenStreamCounts::default()),
            settings,
            snapshots: Arc::new(SnapshotCache::default()),
            shutdown: CancellationToken::new(),
        }
    }
}

/// The API routes, under `/api`.
fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(routes::health::health))
        .route(
            "/orders",
            get(routes::orders::list).post(routes::orders::create),
        )
        .route("/orders/{id}", get(routes::orders::get))
        .route("/orders/{id}/stage", post(routes::orders::change_stage))
        .route("/events", get(routes::staff_events::stream))
        .route("/board/events", get(routes::board::stream))
        .route("/track/{token}", get(routes::track::get))
        .route("/track/{token}/events", get(routes::track::stream))
        .fallback(error::api_not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
}

/// Builds the whole application from its state.
pub fn app(state: AppState) -> Router {
    Router::new()
        .nest("/api", api_routes())
        .fallback(ui_assets::serve)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the application until `shutdown` completes; then ends every open
/// stream, so that graceful shutdown does not wait on them forever.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let token = state.shutdown.clone();
    let listener = listener.tap_io(|tcp| {
        // Events are small and must leave at once, not wait for more bytes.
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async move {
            shutdown.await;
            token.cancel();
        })
        .await
}

/// The default interval between heartbeat comments on idle streams.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(15);
