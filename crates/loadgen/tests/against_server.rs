//! The load generator against the real server, started in-process on a
//! temporary database: every push transport must deliver every change once,
//! polling (and SSE over database polling) must see some and never more than
//! were made, and only the database-polling lane queries the database as
//! time passes.

use orderboard_loadgen::{
    parse_transports, render_table, run, HttpDriver, LoadConfig, OrderDriver,
};
use orderboard_model::{Channel, ComparisonPhase, NewItem, NewOrder, Transport};
use orderboard_server::feed::in_process::InProcessFeed;
use orderboard_server::{db, serve, AppState, StreamSettings};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

struct Server {
    base: String,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn start(settings: StreamSettings) -> Server {
    // The run's warnings (the first error of each transport) show with a failure.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("orderboard_loadgen=warn")
        .try_init();
    let dir = tempfile::tempdir().unwrap();
    let pool = db::open(&dir.path().join("orderboard.db")).await.unwrap();
    let state = AppState::new(pool, Arc::new(InProcessFeed::default()), settings).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, state, async move {
        let _ = stopped.await;
    }));
    Server {
        base,
        stop,
        task,
        _dir: dir,
    }
}

impl Server {
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(15), self.task).await;
    }
}

fn settings() -> StreamSettings {
    let mut s = StreamSettings {
        heartbeat: Duration::from_secs(2),
        ..StreamSettings::default()
    };
    // Every simulated customer comes from 127.0.0.1.
    s.limits.max_streams_per_client = 10_000;
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_customers_per_transport_see_every_change() {
    let server = start(settings()).await;
    let mut config = LoadConfig::new(
        &server.base,
        50,
        parse_transports("poll:1s,longpoll,sse,ws,sse-db-poll:500ms").unwrap(),
        Duration::from_secs(10),
    );
    config.stage_every = Duration::from_secs(2);
    config.seed = 7;
    let driver: Arc<dyn OrderDriver> =
        Arc::new(HttpDriver::connect(&server.base, None).await.unwrap());
    let phases = Arc::new(Mutex::new(Vec::new()));
    let seen = phases.clone();
    let on_phase = Arc::new(move |p: ComparisonPhase| seen.lock().unwrap().push(p));
    let report = tokio::time::timeout(
        Duration::from_secs(120),
        run(config, driver, CancellationToken::new(), on_phase),
    )
    .await
    .expect("the run ends on time")
    .expect("the run succeeds");
    let table = render_table(&report);
    println!("{table}");
    assert_eq!(
        *phases.lock().unwrap(),
        vec![
            ComparisonPhase::Starting,
            ComparisonPhase::Running,
            ComparisonPhase::Stopping,
            ComparisonPhase::Finished
        ]
    );
    assert!(report.changes_made > 0, "{table}");
    assert!(report.orders >= 50, "{table}");
    assert!(report.duration_secs >= 10.0, "{table}");
    assert_eq!(report.transports.len(), 5);
    let header = table.lines().nth(2).unwrap_or_default();
    assert!(header.contains("db queries/s"), "{table}");
    assert!(
        table.lines().any(|l| l.starts_with("sse_db_poll ")),
        "{table}"
    );
    for s in &report.transports {
        assert_eq!(s.clients, 50);
        assert!(s.requests > 0, "{}: no request\n{table}", s.transport);
        assert_eq!(s.errors, 0, "{}: errors\n{table}", s.transport);
        assert_eq!(s.duplicates, 0, "{}: duplicates\n{table}", s.transport);
        assert!(
            s.staleness_p50_ms.is_some(),
            "{}: no staleness\n{table}",
            s.transport
        );
        if s.transport.is_push() {
            assert!(
                s.updates_expected > 0,
                "{}: nothing expected\n{table}",
                s.transport
            );
            assert_eq!(
                s.updates_seen, s.updates_expected,
                "{}: missed updates\n{table}",
                s.transport
            );
            assert!(s.complete());
        } else {
            assert!(s.updates_seen >= 1, "{}: saw nothing\n{table}", s.transport);
            assert!(
                s.updates_seen <= s.updates_expected,
                "{}: saw more than was made\n{table}",
                s.transport
            );
        }
    }
    let poll = &report.transports[0];
    assert_eq!(poll.transport, Transport::Poll);
    assert!(
        poll.unchanged_answers > 0,
        "polling every second mostly finds nothing new\n{table}"
    );
    // A stream of the database-polling lane queries at every look (two a
    // second here) for as long as its order lives; the pub/sub lanes read
    // only when a stream opens.
    let db_poll = &report.transports[4];
    assert_eq!(db_poll.transport, Transport::SseDbPoll);
    let queries = |s: &orderboard_model::TransportSummary| s.db_queries.expect("counted");
    assert!(
        queries(db_poll) > 3 * db_poll.requests,
        "the database-polling lane queries as time passes\n{table}"
    );
    for pub_sub in &report.transports[2..4] {
        assert!(
            queries(pub_sub) <= 4 * pub_sub.requests,
            "{}: queries beyond opening its streams\n{table}",
            pub_sub.transport
        );
    }
    // The push transports saw the same changes.
    assert_eq!(
        report.transports[2].updates_expected, report.transports[3].updates_expected,
        "{table}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_ends_a_run_early_and_it_still_reports() {
    let server = start(settings()).await;
    let mut config = LoadConfig::new(
        &server.base,
        5,
        parse_transports("poll:1s,sse").unwrap(),
        Duration::from_secs(600),
    );
    config.stage_every = Duration::from_millis(500);
    config.grace = Duration::from_millis(500);
    let driver: Arc<dyn OrderDriver> =
        Arc::new(HttpDriver::connect(&server.base, None).await.unwrap());
    let stop = CancellationToken::new();
    let stopper = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(4)).await;
        stopper.cancel();
    });
    let started = std::time::Instant::now();
    let report = tokio::time::timeout(
        Duration::from_secs(60),
        run(config, driver, stop, Arc::new(|_| {})),
    )
    .await
    .expect("stop ends the run")
    .unwrap();
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(report.changes_made > 0, "{}", render_table(&report));
    let sse = &report.transports[1];
    assert_eq!(
        sse.updates_seen,
        sse.updates_expected,
        "{}",
        render_table(&report)
    );
    server.stop().await;
}

#[tokio::test]
async fn signs_in_when_the_server_has_a_passphrase() {
    let mut settings = settings();
    settings.auth.staff_passphrase = Some("loadgen passphrase".into());
    let server = start(settings).await;
    let order = NewOrder {
        customer: Some("Ada Lovelace".into()),
        channel: Channel::Pickup,
        items: vec![NewItem::plain("Mint tea", 1)],
        note: None,
        external_ref: None,
        table: None,
        due_at: None,
    };
    let anonymous = HttpDriver::connect(&server.base, None).await.unwrap();
    let err = anonymous
        .create(order.clone())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("401"), "{err}");
    assert!(HttpDriver::connect(&server.base, Some("wrong".into()))
        .await
        .is_err());
    let staff = HttpDriver::connect(&server.base, Some("loadgen passphrase".into()))
        .await
        .unwrap();
    let created = staff.create(order).await.unwrap();
    assert_eq!(created.version, 1);
    server.stop().await;
}

#[tokio::test]
async fn a_bad_config_is_refused_before_anything_is_sent() {
    let driver: Arc<dyn OrderDriver> = Arc::new(
        HttpDriver::connect("http://127.0.0.1:9", None)
            .await
            .unwrap(),
    );
    let config = LoadConfig::new(
        "http://127.0.0.1:9",
        0,
        parse_transports("sse").unwrap(),
        Duration::from_secs(1),
    );
    let err = run(config, driver, CancellationToken::new(), Arc::new(|_| {}))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("clients per transport"), "{err}");
}

// All of 127.0.0.0/8 is this computer's on Linux; elsewhere only 127.0.0.1 may be.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_spread_over_source_addresses_stay_within_the_per_address_cap() {
    // The server's default cap: 200 open streams per client address.
    let server = start(StreamSettings::default()).await;
    let mut config = LoadConfig::new(
        &server.base,
        80,
        parse_transports("longpoll,sse,ws").unwrap(),
        Duration::from_secs(4),
    );
    config.stage_every = Duration::from_secs(1);
    config.grace = Duration::from_secs(2);
    config.source_addresses = 2;
    let driver: Arc<dyn OrderDriver> =
        Arc::new(HttpDriver::connect(&server.base, None).await.unwrap());
    let report = tokio::time::timeout(
        Duration::from_secs(60),
        run(config, driver, CancellationToken::new(), Arc::new(|_| {})),
    )
    .await
    .unwrap()
    .unwrap();
    let table = render_table(&report);
    for s in &report.transports {
        assert_eq!(
            s.errors, 0,
            "{}: 240 streams from 2 addresses fit under 200 each\n{table}",
            s.transport
        );
        assert!(s.updates_seen > 0, "{table}");
    }
    server.stop().await;
}
