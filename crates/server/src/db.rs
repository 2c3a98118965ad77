//! Opening Orderboard's SQLite database.
//!
//! One place sets the durability rules: WAL so readers never block the writer,
//! `synchronous = FULL` so an acknowledged change survives a crash or a power
//! cut, foreign keys enforced, and the schema only from `migrations/`.

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::path::Path;
use std::time::Duration;

/// The schema, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

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
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .min_connections(1)
        // A local file's connection cannot go stale: no ping before each use.
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .with_context(|| format!("opening the database {}", path.display()))?;
    MIGRATOR
        .run(&pool)
        .await
        .context("migrating the database")?;
    Ok(pool)
}
