//! `orderboard-server`: Orderboard without the desktop app, for headless machines.

#![forbid(unsafe_code)]

use clap::Parser;
use orderboard_server::config::ServerArgs;
use orderboard_server::feed::in_process::InProcessFeed;
use orderboard_server::store::Database;
use orderboard_server::{db, serve, shutdown, AppState};
use std::io::IsTerminal;
use std::sync::Arc;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = ServerArgs::parse();
    args.check()?;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if args.log_json {
        logs.json().init();
    } else {
        logs.with_ansi(std::io::stderr().is_terminal()).init();
    }

    let database: Database = match &args.database_url {
        Some(url) => {
            let pool = db::open_postgres(url, args.database_connections).await?;
            tracing::info!("PostgreSQL open: this node shares it with any others");
            pool.into()
        }
        None => {
            let db_path = args.db_path();
            let pool = db::open(&db_path).await?;
            tracing::info!(db = %db_path.display(), "database open");
            pool.into()
        }
    };
    let state = AppState::new(
        database.clone(),
        Arc::new(InProcessFeed::default()),
        args.stream_settings(),
    )
    .await;
    if args.demo {
        state
            .demo
            .start(args.demo_seed, args.demo_speed)
            .map_err(|e| anyhow::anyhow!("--demo-speed: {e}"))?;
    }
    let listener = orderboard_server::serving::bind(args.listen)?;
    tracing::info!("listening on http://{}", listener.local_addr()?);
    serve(listener, state.clone(), shutdown::signal()).await?;
    state.shut_down();
    database.close().await;
    tracing::info!("stopped");
    Ok(())
}
