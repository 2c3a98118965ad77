//! Opening Orderboard's database: a SQLite file, or PostgreSQL.
//!
//! One place sets the durability rules. On SQLite: WAL so readers never
//! block the writer, `synchronous = FULL` so an acknowledged change survives
//! a crash or a power cut, foreign keys enforced, and the schema only from
//! `migrations/`. On PostgreSQL: its own defaults (a commit is durable once
//! acknowledged), short waits for a connection so that a database that is
//! down gives a quick 503 rather than a hang, and the schema only from
//! `migrations/postgres/`.

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::path::Path;
use std::time::Duration;

/// The SQLite schema, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// The PostgreSQL schema, embedded in the binary.
pub static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// Connections each node keeps to PostgreSQL at most for its requests and
/// streams, unless told otherwise (`--database-connections`).
pub const POSTGRES_CONNECTIONS: u32 = 16;

/// Connections a node's writer and log tailer keep apart from the rest: the
/// writer's transaction, the tailer's reads, and its listening connection.
pub const POSTGRES_LOG_CONNECTIONS: u32 = 3;

/// How long a request waits for a PostgreSQL connection before it is
/// answered 503.
pub const POSTGRES_WAIT: Duration = Duration::from_secs(2);

/// Opens (creating if needed) the database file and brings its schema up to date.
pub async fn open(path: &Path) -> anyhow::Result<SqlitePool> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    migrate_sqlite(options.clone(), path).await?;
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .min_connections(1)
        // A local file's connection cannot go stale: no ping before each use.
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .with_context(|| format!("opening the database {}", path.display()))?;
    Ok(pool)
}

/// Brings the schema up to date on a connection of its own with foreign
/// keys off. A migration that rebuilds a table (to change a CHECK
/// constraint) follows SQLite's procedure for schema changes, which needs
/// them off: dropping the old `orders` with them on would first delete its
/// rows, and by cascade every order's stage history. sqlx runs each
/// migration in a transaction, inside which the pragma cannot change, so
/// it is set when the connection opens. Each migration checks its foreign
/// keys itself (`PRAGMA foreign_key_check`).
async fn migrate_sqlite(options: SqliteConnectOptions, path: &Path) -> anyhow::Result<()> {
    use sqlx::{ConnectOptions, Connection};
    let mut conn = options
        .foreign_keys(false)
        .connect()
        .await
        .with_context(|| format!("opening the database {}", path.display()))?;
    MIGRATOR
        .run(&mut conn)
        .await
        .context("migrating the database")?;
    conn.close()
        .await
        .context("closing the migration connection")?;
    Ok(())
}

/// Connects to PostgreSQL with a pool of `connections` for requests and
/// streams, and brings its schema up to date. Nodes that start together
/// migrate one at a time (sqlx takes an advisory lock).
pub async fn open_postgres(url: &str, connections: u32) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = url
        .parse()
        .context("reading the PostgreSQL URL (postgres://user:password@host:port/database)")?;
    let options = options.application_name("orderboard");
    let pool = PgPoolOptions::new()
        .max_connections(connections)
        .min_connections(1)
        .acquire_timeout(POSTGRES_WAIT)
        .connect_with(options)
        .await
        .context("connecting to PostgreSQL")?;
    POSTGRES_MIGRATOR
        .run(&pool)
        .await
        .context("migrating the PostgreSQL database")?;
    Ok(pool)
}

/// A pool of its own for the node's writer and log tailer, to the same
/// database as `shared`. Streams and requests take their connections from
/// `shared`; thousands of streams resuming at once (a node of several has
/// died, and its screens all come here) can hold every one of those, and
/// changes must still be written and published meanwhile. Opened lazily:
/// it connects when the writer or the tailer first needs it.
pub fn postgres_log_pool(shared: &PgPool) -> PgPool {
    PgPoolOptions::new()
        .max_connections(POSTGRES_LOG_CONNECTIONS)
        .acquire_timeout(POSTGRES_WAIT)
        .connect_lazy_with((*shared.connect_options()).clone())
}
