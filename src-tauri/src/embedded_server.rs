//! The Orderboard server, embedded in the desktop app.
//!
//! The app owns one database pool, one order store and their background
//! work for its whole life; the HTTP listener on top of them can be restarted (to switch between "this
//! computer only" and "the restaurant network") without touching either. On
//! quit the listener's shutdown future is completed, the server is awaited,
//! and only then is the pool closed, so every acknowledged change is on disk.

use orderboard_server::feed::in_process::InProcessFeed;
use orderboard_server::{AppState, StreamSettings};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tauri::async_runtime::JoinHandle;
use tokio::net::TcpListener;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// The port the app tries first, the same as the headless server's default.
pub const DEFAULT_PORT: u16 = 7878;

/// Overrides the preferred port (tests use it to stay off 7878).
pub const PORT_ENV: &str = "ORDERBOARD_PORT";

/// How long quitting waits for open connections before giving up on them.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Who may connect to the embedded server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenScope {
    /// 127.0.0.1 only: the app's own windows and browsers on this computer.
    ThisComputer,
    /// Every interface, so screens on the restaurant's network can connect.
    RestaurantNetwork,
}

impl ListenScope {
    pub fn from_setting(restaurant_network: bool) -> ListenScope {
        if restaurant_network {
            ListenScope::RestaurantNetwork
        } else {
            ListenScope::ThisComputer
        }
    }

    fn ip(self) -> IpAddr {
        match self {
            ListenScope::ThisComputer => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ListenScope::RestaurantNetwork => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        }
    }
}

/// The port to try first: `ORDERBOARD_PORT` if set and valid, else 7878.
pub fn preferred_port() -> u16 {
    std::env::var(PORT_ENV)
        .ok()
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(DEFAULT_PORT)
}

/// Binds `scope` on `port`, or on a free port when that one is taken; the log
/// says which, because the address is what staff type into other screens.
pub async fn bind(scope: ListenScope, port: u16) -> std::io::Result<TcpListener> {
    match orderboard_server::serving::bind(SocketAddr::new(scope.ip(), port)) {
        Ok(listener) => Ok(listener),
        Err(err) if port != 0 => {
            let listener = orderboard_server::serving::bind(SocketAddr::new(scope.ip(), 0))?;
            let actual = listener.local_addr()?.port();
            tracing::warn!(
                "port {port} is not available ({err}); Orderboard is listening on port {actual} instead: http://127.0.0.1:{actual}/"
            );
            Ok(listener)
        }
        Err(err) => Err(err),
    }
}

/// A running listener.
struct Running {
    scope: ListenScope,
    port: u16,
    stop: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

/// The embedded server: the shared state plus whichever listener is running.
pub struct EmbeddedServer {
    state: AppState,
    running: Mutex<Option<Running>>,
}

impl EmbeddedServer {
    /// The server's shared state (sessions included).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Opens (creating and migrating) the database and prepares the state.
    pub async fn open(db_path: &Path) -> anyhow::Result<Arc<EmbeddedServer>> {
        let pool = orderboard_server::db::open(db_path).await?;
        tracing::info!(db = %db_path.display(), "database open");
        let state = AppState::new(
            pool,
            Arc::new(InProcessFeed::default()),
            StreamSettings::default(),
        )
        .await;
        Ok(Arc::new(EmbeddedServer {
            state,
            running: Mutex::new(None),
        }))
    }

    /// Starts listening on `scope`, trying `port` first; returns the port used.
    pub async fn start(&self, scope: ListenScope, port: u16) -> std::io::Result<u16> {
        let mut running = self.running.lock().await;
        if let Some(previous) = running.take() {
            stop_listener(previous).await;
        }
        let listener = bind(scope, port).await?;
        let port = listener.local_addr()?.port();
        tracing::info!("Orderboard is listening on http://{}:{port}/", scope.ip());
        let stop = CancellationToken::new();
        // The listener owns its connections only: stopping it ends its
        // streams, and the state's background work (the board fan-out, the
        // copies of followed orders) goes on for the next listener.
        let task = tauri::async_runtime::spawn(serve_embedded(
            listener,
            self.state.clone(),
            stop.clone().cancelled_owned(),
        ));
        *running = Some(Running {
            scope,
            port,
            stop,
            task,
        });
        Ok(port)
    }

    /// The scope and port of the running listener.
    pub async fn current(&self) -> Option<(ListenScope, u16)> {
        self.running
            .lock()
            .await
            .as_ref()
            .map(|r| (r.scope, r.port))
    }

    /// Stops the listener (ending its streams), waits for it, then closes the
    /// database pool. Called once, when the app quits.
    pub async fn shut_down(&self) {
        if let Some(running) = self.running.lock().await.take() {
            stop_listener(running).await;
        }
        // The application's background work ends with it.
        self.state.shut_down();
        self.state.store.close().await;
        tracing::info!("embedded server stopped and database closed");
    }
}

async fn stop_listener(running: Running) {
    running.stop.cancel();
    match tokio::time::timeout(STOP_GRACE, running.task).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(err))) => tracing::warn!(%err, "the embedded server ended with an error"),
        Ok(Err(err)) => tracing::warn!(%err, "the embedded server task failed"),
        Err(_) => tracing::warn!("the embedded server did not stop within {STOP_GRACE:?}"),
    }
}

/// Serves Orderboard through the server's own connection handling
/// (timeouts, stall watch, graceful end of streams). Requests from other
/// machines get no special treatment here: the server's staff guard already
/// refuses their changes without a staff session (and refuses every staff
/// request from them while no staff passphrase is set).
async fn serve_embedded(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    orderboard_server::serve(listener, state, shutdown).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_taken_port_falls_back_to_a_free_one() {
        let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = taken.local_addr().unwrap().port();
        let listener = bind(ListenScope::ThisComputer, port).await.unwrap();
        assert_ne!(listener.local_addr().unwrap().port(), port);
        assert!(listener.local_addr().unwrap().ip().is_loopback());
    }

    #[tokio::test]
    async fn serves_reads_and_local_changes_and_stops_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let server = EmbeddedServer::open(&dir.path().join("orderboard.db"))
            .await
            .unwrap();
        let port = server.start(ListenScope::ThisComputer, 0).await.unwrap();
        let health = http_request(
            port,
            "GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(health.starts_with("HTTP/1.1 200"), "{health}");
        let body = r#"{"customer":"Ada","channel":"pickup","items":[{"name":"Tea","qty":1}]}"#;
        let create = format!(
            "POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let created = http_request(port, &create).await;
        assert!(created.starts_with("HTTP/1.1 201"), "{created}");
        server.shut_down().await;
        assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err());
    }

    async fn http_request(port: u16, raw: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        stream.write_all(raw.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    }
}
