//! Starting a real server for a test, and a real SSE client to read it.

use eventsource_stream::{Event, Eventsource};
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use orderboard_model::{Channel, Health, NewItem, NewOrder, Order, Stage, StageChangeRequest};
use orderboard_server::feed::in_process::InProcessFeed;
use orderboard_server::feed::{ChangeFeed, Committed, Subscription};
use orderboard_server::store::Database;
use orderboard_server::{db, serve, AppState, StreamSettings};
use serde::de::DeserializeOwned;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long a test waits for something that should happen at once before it
/// fails instead of hanging. Not a performance assertion.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// Runs `$body` with `$pool` bound to the database's pool, whichever
/// backend it is: for the few tests that read or change the tables directly,
/// with SQL both backends accept.
#[macro_export]
macro_rules! on_database {
    ($database:expr, $pool:ident => $body:expr) => {
        match $database {
            orderboard_server::store::Database::Sqlite($pool) => $body,
            orderboard_server::store::Database::Postgres($pool) => $body,
        }
    };
}

/// The database a test's server runs on, named by a file path: that SQLite
/// file, or, when the tests run on PostgreSQL (ORDERBOARD_TEST_DATABASE_URL
/// is set), a database of the test cluster named after the path. The first
/// open of a path gets an empty database; later opens of the same path (a
/// restart) get the same one, with what was stored in it.
pub async fn open_database(path: &Path) -> Database {
    let Some(admin) = crate::postgres::admin_url() else {
        return db::open(path).await.unwrap().into();
    };
    let name = postgres_name(path);
    let first = made_now(path);
    let url = if first {
        crate::postgres::fresh_database(&admin, &name).await
    } else {
        format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
    };
    db::open_postgres(&url, db::POSTGRES_CONNECTIONS)
        .await
        .unwrap()
        .into()
}

/// A database for `path` with the schema as it was before `version`: only
/// the migrations older than it are run (copied from `migrations/`, or
/// `migrations/postgres/`). A later [`open_database`] of the same path
/// (a server's start) migrates it the rest of the way.
pub async fn open_database_before(path: &Path, version: i64) -> Database {
    let postgres = crate::postgres::admin_url();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../migrations")
        .join(if postgres.is_some() { "postgres" } else { "" });
    let old = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let older = name
            .split('_')
            .next()
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|v| v < version);
        if name.ends_with(".sql") && older {
            std::fs::copy(entry.path(), old.path().join(&name)).unwrap();
        }
    }
    let migrator = sqlx::migrate::Migrator::new(old.path()).await.unwrap();
    match postgres {
        None => {
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true);
            let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.into()
        }
        Some(admin) => {
            made_now(path);
            let url = crate::postgres::fresh_database(&admin, &postgres_name(path)).await;
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.into()
        }
    }
}

/// Whether the tests run on PostgreSQL.
pub fn on_postgres() -> bool {
    crate::postgres::admin_url().is_some()
}

/// The paths whose PostgreSQL database this run has made.
/// Notes that this run has made the database of `path`; whether it is new.
fn made_now(path: &Path) -> bool {
    static MADE: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
    MADE.lock()
        .unwrap()
        .get_or_insert_with(HashSet::new)
        .insert(path.to_path_buf())
}

/// A database name for a path: stable within a run, distinct between paths.
fn postgres_name(path: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    path.hash(&mut hasher);
    format!("orderboard_test_{:016x}", hasher.finish())
}

pub fn test_settings() -> StreamSettings {
    StreamSettings {
        heartbeat: Duration::from_millis(300),
        retry: Duration::from_millis(100),
        ..StreamSettings::default()
    }
}

pub struct TestServer {
    pub base: String,
    pub db_path: PathBuf,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
    pub http: reqwest::Client,
}

impl TestServer {
    /// A server on a fresh database file in a temporary folder.
    pub async fn start() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orderboard.db");
        let mut server = TestServer::start_on(&path).await;
        server._dir = Some(dir);
        server
    }

    /// A server on the given database file.
    pub async fn start_on(path: &Path) -> TestServer {
        TestServer::start_with_feed(path, Arc::new(InProcessFeed::default())).await
    }

    pub async fn start_with_feed(path: &Path, feed: Arc<dyn ChangeFeed>) -> TestServer {
        TestServer::start_with(path, feed, test_settings()).await
    }

    /// A server on a fresh database file, with these settings.
    pub async fn start_with_settings(settings: StreamSettings) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orderboard.db");
        let mut server =
            TestServer::start_with(&path, Arc::new(InProcessFeed::default()), settings).await;
        server._dir = Some(dir);
        server
    }

    pub async fn start_with(
        path: &Path,
        feed: Arc<dyn ChangeFeed>,
        settings: StreamSettings,
    ) -> TestServer {
        let database = open_database(path).await;
        let state = AppState::new(database, feed, settings).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        TestServer {
            base,
            db_path: path.to_path_buf(),
            state,
            stop: Some(stop),
            task: Some(task),
            _dir: None,
            http: reqwest::Client::new(),
        }
    }

    /// Stops the listener (its connections and streams end) and starts
    /// another on a new port with the same state, as the desktop app does
    /// when it switches between this computer and the restaurant network.
    pub async fn restart_listener(&mut self) {
        self.stop.take().unwrap().send(()).ok();
        tokio::time::timeout(PATIENCE, self.task.take().unwrap())
            .await
            .expect("the listener stops promptly, open streams included")
            .unwrap()
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        self.base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        self.task = Some(tokio::spawn(serve(
            listener,
            self.state.clone(),
            async move {
                let _ = stopped.await;
            },
        )));
        self.stop = Some(stop);
    }

    /// Shuts the server down as Ctrl-C would, waits for it, and closes the database.
    /// Returns the temporary folder so that the file outlives the server.
    pub async fn stop(mut self) -> Option<tempfile::TempDir> {
        self.stop.take().unwrap().send(()).ok();
        tokio::time::timeout(PATIENCE, self.task.take().unwrap())
            .await
            .expect("the server stops promptly on shutdown, open streams included")
            .unwrap()
            .unwrap();
        self.state.shut_down();
        self.state.store.close().await;
        self._dir.take()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn create(&self, customer: Option<&str>, channel: Channel) -> Order {
        let new = NewOrder {
            customer: customer.map(str::to_string),
            channel,
            items: vec![
                NewItem::plain("Falafel wrap", 2),
                NewItem::plain("Mint tea", 1),
            ],
            note: Some("no onions".into()),
            external_ref: None,
            table: (channel == Channel::DineIn).then(|| "7".to_string()),
            due_at: None,
        };
        let res = self
            .http
            .post(self.url("/api/orders"))
            .json(&new)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        res.json().await.unwrap()
    }

    /// Creates an order from a JSON body (`POST /api/orders`), expecting 201.
    pub async fn create_json(&self, body: serde_json::Value) -> Order {
        let res = self
            .http
            .post(self.url("/api/orders"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        res.json().await.unwrap()
    }

    pub async fn try_move(
        &self,
        id: uuid::Uuid,
        to: Stage,
        expected_version: Option<u64>,
    ) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/api/orders/{id}/stage")))
            .json(&StageChangeRequest {
                to,
                expected_version,
            })
            .send()
            .await
            .unwrap()
    }

    pub async fn move_to(&self, id: uuid::Uuid, to: Stage) -> Order {
        let res = self.try_move(id, to, None).await;
        assert_eq!(res.status(), 200, "moving to {to}: {:?}", res.text().await);
        res.json().await.unwrap()
    }

    /// Makes an API key with these scopes, as staff on this computer (a
    /// server without a passphrase); returns the key.
    pub async fn make_key(&self, name: &str, scopes: &[&str]) -> String {
        let res = self
            .http
            .post(self.url("/api/keys"))
            .json(&serde_json::json!({ "name": name, "scopes": scopes }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        let made: orderboard_model::CreatedApiKey = res.json().await.unwrap();
        made.key
    }

    pub async fn health(&self) -> Health {
        self.http
            .get(self.url("/api/health"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Waits until no stream is open, and fails if that does not happen.
    pub async fn wait_for_no_open_streams(&self) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let h = self.health().await;
            if h.open_streams.total == 0 {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "streams still open: {:?}",
                h.open_streams
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A real SSE client: reqwest for HTTP, eventsource-stream for the parsing.
pub struct SseClient {
    pub status: reqwest::StatusCode,
    pub headers: reqwest::header::HeaderMap,
    events: BoxStream<'static, Result<Event, String>>,
    /// The last `id:` seen, as EventSource keeps it.
    pub last_id: Option<String>,
    /// Whether [`Self::next`] returns tracking streams' `queue` events
    /// (places in the queue, which other orders move); most tests look
    /// only at the changes and skip them.
    queue_events: bool,
}

impl SseClient {
    pub async fn connect(url: &str, last_event_id: Option<&str>) -> SseClient {
        let mut req = reqwest::Client::new()
            .get(url)
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id);
        }
        SseClient::from_response(req.send().await.unwrap())
    }

    pub fn from_response(res: reqwest::Response) -> SseClient {
        let status = res.status();
        let headers = res.headers().clone();
        let events = res
            .bytes_stream()
            .eventsource()
            .map(|r| r.map_err(|e| e.to_string()))
            .boxed();
        SseClient {
            status,
            headers,
            events,
            last_id: None,
            queue_events: false,
        }
    }

    /// The same client, returning `queue` events too.
    pub fn with_queue_events(mut self) -> SseClient {
        self.queue_events = true;
        self
    }

    /// The next event, or `None` when the server ended the stream.
    /// Like EventSource, frames without data (such as `retry:` alone) are not events.
    pub async fn next(&mut self) -> Option<Event> {
        loop {
            let event = tokio::time::timeout(PATIENCE, self.events.next())
                .await
                .expect("an event arrives")
                .map(|r| r.expect("a well-formed event"))?;
            if !event.id.is_empty() {
                self.last_id = Some(event.id.clone());
            }
            if !event.data.is_empty() && (self.queue_events || event.event != "queue") {
                return Some(event);
            }
        }
    }

    /// The next event, which must have this name; returns its id and data.
    pub async fn expect<T: DeserializeOwned>(&mut self, name: &str) -> (u64, T) {
        let e = self
            .next()
            .await
            .unwrap_or_else(|| panic!("stream ended while waiting for {name}"));
        assert_eq!(e.event, name, "event {e:?}");
        (
            e.id.parse().expect("numeric id"),
            serde_json::from_str(&e.data).expect("data parses"),
        )
    }

    /// Asserts the server ends the stream next.
    pub async fn expect_end(&mut self) {
        if let Some(e) = self.next().await {
            panic!("expected the stream to end, got {e:?}");
        }
    }
}

/// Reads raw bytes of a stream until `needle` appears (or fails).
pub async fn read_raw_until(url: &str, needle: &str) -> String {
    let res = reqwest::Client::new().get(url).send().await.unwrap();
    let mut body = res.bytes_stream();
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !seen.contains(needle) {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .unwrap_or_else(|_| panic!("{needle:?} never came; got {seen:?}"))
            .expect("stream still open")
            .unwrap();
        seen.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    seen
}

/// The real in-process feed, with each subscription rewritten on its way
/// out: to make the streams that take it fall behind on cue.
pub struct RewrittenFeed {
    feed: InProcessFeed,
    rewrite: fn(Subscription) -> Subscription,
}

impl RewrittenFeed {
    pub fn new(rewrite: fn(Subscription) -> Subscription) -> Arc<RewrittenFeed> {
        Arc::new(RewrittenFeed {
            feed: InProcessFeed::default(),
            rewrite,
        })
    }
}

impl ChangeFeed for RewrittenFeed {
    fn publish(&self, change: Arc<Committed>) {
        self.feed.publish(change)
    }
    fn subscribe(&self) -> Subscription {
        (self.rewrite)(self.feed.subscribe())
    }
    fn subscriber_count(&self) -> usize {
        self.feed.subscriber_count()
    }
    fn close(&self) {
        self.feed.close()
    }
}

/// Waits until `n` board streams are parked, failing after `PATIENCE`.
pub async fn until_parked(s: &TestServer, n: usize, never: &str) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while s.state.board_fan_out.parked() != n {
        assert!(tokio::time::Instant::now() < deadline, "{never}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// Waits until the demo driver has created `n` orders.
pub async fn demo_orders(s: &TestServer, n: u64) -> orderboard_model::DemoStatus {
    let wait = async {
        loop {
            let status: orderboard_model::DemoStatus = s
                .http
                .get(s.url("/api/demo"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if status.orders_created >= n {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(PATIENCE * 2, wait)
        .await
        .expect("the demo makes orders")
}

const BIN: &str = env!("CARGO_BIN_EXE_orderboard-server");
/// The staff passphrase of every [`Node`].
pub const PASSPHRASE: &str = "binary node";

/// The server binary, running; its log is read (and dropped) by a thread.
pub struct Node {
    child: std::process::Child,
    pub base: String,
    http: reqwest::Client,
    cookie: String,
}

impl Node {
    /// Starts the binary on a free port with these database arguments and
    /// options, and signs in as staff.
    pub async fn start(db: &[String], options: &[&str]) -> Node {
        use std::io::{BufRead, BufReader};
        let mut child = std::process::Command::new(BIN)
            .args(["--listen", "127.0.0.1:0", "--staff-passphrase", PASSPHRASE])
            .args(options)
            .args(db)
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let base = loop {
            let line = rx
                .recv_timeout(PATIENCE)
                .expect("the server logs its address");
            if let Some(i) = line.find("listening on http://") {
                break line[i + "listening on ".len()..].trim().to_string();
            }
        };
        let http = reqwest::Client::new();
        let res = http
            .post(format!("{base}/api/session"))
            .json(&serde_json::json!({ "passphrase": PASSPHRASE }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        let cookie = res.headers()["set-cookie"].to_str().unwrap();
        let cookie = cookie.split(';').next().unwrap().to_string();
        Node {
            child,
            base,
            http,
            cookie,
        }
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// `kill -9`: no shutdown, no last write.
    pub fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// A node is never left running, even by a failed test.
impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
