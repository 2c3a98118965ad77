//! The headless server's command line, and the stream settings it carries.

use crate::auth::AuthSettings;
use crate::client_addr::{parse_trusted_proxy, TrustedProxies};
use crate::limits::Limits;
use crate::printers::PrinterSettings;
use crate::retention::Retention;
use crate::webhooks::WebhookSettings;
use clap::Parser;
use ipnet::IpNet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The default interval between heartbeat comments on idle streams.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(15);

/// How streams behave, the server's limits and how much of the event log it
/// keeps; tests shorten the heartbeat and lower the limits.
#[derive(Debug, Clone)]
pub struct StreamSettings {
    /// A comment is sent on a stream that has been quiet this long.
    pub heartbeat: Duration,
    /// The `retry:` a client waits before it reconnects.
    pub retry: Duration,
    pub limits: Limits,
    pub retention: Retention,
    /// How webhook deliveries are retried and bounded.
    pub webhooks: WebhookSettings,
    /// How tickets are sent to kitchen printers and retried.
    pub printers: PrinterSettings,
    pub auth: AuthSettings,
    /// Threads that sweep over parked board streams' sockets
    /// ([`crate::fan_out`]).
    pub fan_out_threads: usize,
}

impl Default for StreamSettings {
    fn default() -> Self {
        StreamSettings {
            heartbeat: DEFAULT_HEARTBEAT,
            retry: Duration::from_millis(2000),
            limits: Limits::default(),
            retention: Retention::default(),
            webhooks: WebhookSettings::default(),
            printers: PrinterSettings::default(),
            auth: AuthSettings::default(),
            fan_out_threads: crate::fan_out::default_threads(),
        }
    }
}

/// Orderboard's server: live order status for restaurant screens.
///
/// Serves the REST API under /api and the live Server-Sent Events streams
/// (/api/events for staff, /api/board/events for customer boards,
/// /api/track/{token}/events for one customer's order), backed by a SQLite
/// database file.
#[derive(Debug, Parser)]
#[command(name = "orderboard-server", version, about, long_about)]
pub struct ServerArgs {
    /// The SQLite database file; created, with its folder, if missing.
    /// Default: orderboard.db in the user's data folder.
    #[arg(long, env = "ORDERBOARD_DB")]
    pub db: Option<PathBuf>,

    /// PostgreSQL instead of a SQLite file, for several Orderboard nodes
    /// behind a load balancer (postgres://user:password@host:port/database).
    /// Needs a staff passphrase.
    #[arg(
        long,
        env = "ORDERBOARD_DATABASE_URL",
        hide_env_values = true,
        conflicts_with = "db"
    )]
    pub database_url: Option<String>,

    /// Connections this node keeps to PostgreSQL for requests and streams
    /// (its writer and its log tailer keep three more of their own, so a
    /// burst of resuming streams never holds up changes). PostgreSQL's
    /// `max_connections` must cover every node's share.
    #[arg(long, env = "ORDERBOARD_DATABASE_CONNECTIONS", default_value_t = 16, value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub database_connections: u32,

    /// The address to listen on. Port 0 picks a free port; the log says which.
    /// Use 0.0.0.0:7878 to serve other machines on the restaurant's network.
    #[arg(long, env = "ORDERBOARD_LISTEN", default_value = "127.0.0.1:7878")]
    pub listen: SocketAddr,

    /// Threads that write changes to customer boards' sockets, each to its
    /// share of them, at a lower priority than the rest of the server.
    /// Default: one per core, up to 8 (see docs/benchmarks.md).
    #[arg(long, env = "ORDERBOARD_FAN_OUT_THREADS", value_parser = clap::value_parser!(u64).range(1..=64))]
    pub fan_out_threads: Option<u64>,

    /// Seconds between heartbeat comments on quiet streams.
    #[arg(long, env = "ORDERBOARD_HEARTBEAT_SECS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub heartbeat_secs: u64,

    /// Milliseconds a client waits before reconnecting (the SSE `retry:` field).
    #[arg(long, env = "ORDERBOARD_RETRY_MS", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub retry_ms: u64,

    /// Open streams allowed in total; beyond it a stream gets 503 with Retry-After.
    #[arg(long, env = "ORDERBOARD_MAX_STREAMS", default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_streams: u64,

    /// Open streams allowed from one client address.
    #[arg(long, env = "ORDERBOARD_MAX_STREAMS_PER_CLIENT", default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_streams_per_client: u64,

    /// Seconds a client may take to send a request's headers.
    #[arg(long, env = "ORDERBOARD_HEADER_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub header_timeout_secs: u64,

    /// Seconds a connection may refuse every byte (a client that stopped
    /// reading) before it is closed; its stream resumes with Last-Event-ID.
    #[arg(long, env = "ORDERBOARD_STALL_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub stall_secs: u64,

    /// Keep the event log's events of the last this many days...
    #[arg(long, env = "ORDERBOARD_RETENTION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=36_500))]
    pub retention_days: u32,

    /// ...or its last this many events, whichever keeps more.
    #[arg(long, env = "ORDERBOARD_RETENTION_EVENTS", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub retention_events: u64,

    /// Milliseconds before each retry of a webhook message that was not
    /// taken, separated by commas; the last is repeated. Default: 5 s,
    /// 5 min, 30 min, 2 h, 5 h, 10 h.
    #[arg(long, env = "ORDERBOARD_WEBHOOK_RETRY_MS", value_delimiter = ',', value_parser = clap::value_parser!(u64).range(1..=86_400_000))]
    pub webhook_retry_ms: Vec<u64>,

    /// Seconds a webhook endpoint may fail without one success before it is
    /// disabled.
    #[arg(long, env = "ORDERBOARD_WEBHOOK_DISABLE_AFTER_SECS", default_value_t = 24 * 3600, value_parser = clap::value_parser!(u64).range(1..=30 * 24 * 3600))]
    pub webhook_disable_after_secs: u64,

    /// Seconds a webhook endpoint has to answer a message (and to accept
    /// the connection) before the attempt counts as failed.
    #[arg(long, env = "ORDERBOARD_WEBHOOK_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=120))]
    pub webhook_timeout_secs: u64,

    /// Milliseconds before each retry of a kitchen ticket a printer did not
    /// take, separated by commas; the last is repeated. Default: 1 s, 5 s,
    /// 30 s, 60 s.
    #[arg(long, env = "ORDERBOARD_PRINTER_RETRY_MS", value_delimiter = ',', value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub printer_retry_ms: Vec<u64>,

    /// Seconds a printer has to take a ticket (written, and the connection
    /// closed by the printer) before the attempt counts as failed.
    #[arg(long, env = "ORDERBOARD_PRINTER_WRITE_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=120))]
    pub printer_write_timeout_secs: u64,

    /// Hours a printer may stay offline before the tickets waiting for it
    /// are dropped.
    #[arg(long, env = "ORDERBOARD_PRINTER_DROP_AFTER_HOURS", default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..=24 * 7))]
    pub printer_drop_after_hours: u64,

    /// The staff passphrase. With it, every staff request (changes, the
    /// staff stream, order lists) needs a signed-in session, this computer
    /// included; without it, only this computer may make staff requests.
    #[arg(long, env = "ORDERBOARD_STAFF_PASSPHRASE", hide_env_values = true)]
    pub staff_passphrase: Option<String>,

    /// An origin (scheme://host:port) whose pages may call the API with
    /// credentials, besides the server's own; repeat for more. Default: none.
    #[arg(
        long = "allowed-origin",
        env = "ORDERBOARD_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,

    /// A reverse proxy or load balancer in front of this server, by address
    /// (127.0.0.1) or range (10.0.0.0/8); repeat, or separate with commas,
    /// for more. A request from one of them is counted as from the client it
    /// names in X-Forwarded-For (or Forwarded), for the per-client stream
    /// caps, the sign-in back-off and the rule that lets only this computer
    /// make staff requests when no passphrase is set. Such headers from
    /// anyone else are ignored. Default: none.
    #[arg(
        long = "trusted-proxy",
        env = "ORDERBOARD_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = parse_trusted_proxy
    )]
    pub trusted_proxies: Vec<IpNet>,

    /// Hours a staff session lasts.
    #[arg(long, env = "ORDERBOARD_SESSION_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u64).range(1..=24 * 30))]
    pub session_hours: u64,

    /// Start the demo driver: orders arrive and move through their stages on
    /// their own, for workshops and trying Orderboard out.
    #[arg(long, env = "ORDERBOARD_DEMO")]
    pub demo: bool,

    /// The demo's seed: the same seed makes the same orders.
    #[arg(long, env = "ORDERBOARD_DEMO_SEED", default_value_t = 1)]
    pub demo_seed: u64,

    /// How much faster than a real kitchen the demo runs (0.1 to 100).
    #[arg(long, env = "ORDERBOARD_DEMO_SPEED", default_value_t = orderboard_model::workshop::DEFAULT_DEMO_SPEED)]
    pub demo_speed: f64,

    /// Log as JSON lines instead of human-readable text.
    #[arg(long, env = "ORDERBOARD_LOG_JSON")]
    pub log_json: bool,
}

impl ServerArgs {
    pub fn stream_settings(&self) -> StreamSettings {
        StreamSettings {
            heartbeat: Duration::from_secs(self.heartbeat_secs),
            retry: Duration::from_millis(self.retry_ms),
            fan_out_threads: self
                .fan_out_threads
                .map_or_else(crate::fan_out::default_threads, |n| n as usize),
            limits: Limits {
                max_streams: self.max_streams as usize,
                max_streams_per_client: self.max_streams_per_client as usize,
                header_read_timeout: Duration::from_secs(self.header_timeout_secs),
                stall_timeout: Duration::from_secs(self.stall_secs),
                trusted_proxies: TrustedProxies::new(self.trusted_proxies.iter().copied()),
                ..Limits::default()
            },
            retention: Retention {
                keep_days: self.retention_days,
                keep_events: self.retention_events,
                ..Retention::default()
            },
            webhooks: WebhookSettings {
                retry_delays: if self.webhook_retry_ms.is_empty() {
                    WebhookSettings::default().retry_delays
                } else {
                    self.webhook_retry_ms
                        .iter()
                        .map(|ms| Duration::from_millis(*ms))
                        .collect()
                },
                disable_after: Duration::from_secs(self.webhook_disable_after_secs),
                timeout: Duration::from_secs(self.webhook_timeout_secs),
                ..WebhookSettings::default()
            },
            printers: PrinterSettings {
                retry_delays: if self.printer_retry_ms.is_empty() {
                    PrinterSettings::default().retry_delays
                } else {
                    self.printer_retry_ms
                        .iter()
                        .map(|ms| Duration::from_millis(*ms))
                        .collect()
                },
                write_timeout: Duration::from_secs(self.printer_write_timeout_secs),
                drop_after: Duration::from_secs(self.printer_drop_after_hours * 3600),
                ..PrinterSettings::default()
            },
            auth: AuthSettings {
                staff_passphrase: self.staff_passphrase.clone().filter(|p| !p.is_empty()),
                session_ttl: Duration::from_secs(self.session_hours * 3600),
                allowed_origins: self.allowed_origins.clone(),
                ..AuthSettings::default()
            },
        }
    }

    /// Checks what clap cannot: settings that are valid alone but not
    /// together.
    pub fn check(&self) -> Result<(), ConfigError> {
        let multi_node = self.database_url.as_deref().is_some_and(|u| !u.is_empty());
        let passphrase = self
            .staff_passphrase
            .as_deref()
            .is_some_and(|p| !p.is_empty());
        if multi_node && !passphrase {
            return Err(ConfigError::MultiNodeWithoutPassphrase);
        }
        Ok(())
    }

    /// The database path, or the default in the user's data folder.
    pub fn db_path(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(default_db_path)
    }
}

/// Settings that cannot be used together.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "multi-node mode (--database-url) needs a staff passphrase (--staff-passphrase or \
         ORDERBOARD_STAFF_PASSPHRASE): behind a load balancer every request comes from the \
         proxy's address, so the rule that lets this computer make staff requests without \
         a passphrase would let anyone in"
    )]
    MultiNodeWithoutPassphrase,
}

pub fn default_db_path() -> PathBuf {
    directories::ProjectDirs::from("", "", "orderboard")
        .map(|d| d.data_dir().join("orderboard.db"))
        .unwrap_or_else(|| PathBuf::from("orderboard.db"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn parse(args: &[&str]) -> Result<ServerArgs, clap::Error> {
        ServerArgs::try_parse_from(std::iter::once("orderboard-server").chain(args.iter().copied()))
    }

    #[test]
    fn trusted_proxies_repeat_and_split_on_commas() {
        let args = parse(&[
            "--trusted-proxy",
            "10.0.0.0/8, ::1",
            "--trusted-proxy",
            "127.0.0.1",
        ])
        .unwrap();
        let limits = args.stream_settings().limits;
        let nets: Vec<String> = limits
            .trusted_proxies
            .nets()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(nets, ["10.0.0.0/8", "::1/128", "127.0.0.1/32"]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(limits.trusted_proxies.trusts(ip("10.9.8.7")));
        assert!(!limits.trusted_proxies.trusts(ip("127.0.0.2")));
    }

    #[test]
    fn bad_trusted_proxies_are_refused_with_the_reason() {
        for bad in ["10.0.0.0/33", "proxy.example", "10.0.0.1:8080"] {
            let e = parse(&["--trusted-proxy", bad]).unwrap_err();
            assert_eq!(e.kind(), clap::error::ErrorKind::ValueValidation, "{bad}");
            let shown = e.to_string();
            assert!(shown.contains("--trusted-proxy"), "{shown}");
            assert!(shown.contains(bad), "{shown}");
            assert!(shown.contains("10.0.0.0/8"), "{shown}");
        }
    }

    #[test]
    fn none_trusted_by_default() {
        let args = parse(&[]).unwrap();
        assert!(args.stream_settings().limits.trusted_proxies.is_empty());
        assert!(args.check().is_ok());
    }

    #[test]
    fn multi_node_mode_needs_a_passphrase() {
        let url = "postgres://orderboard@db.example/orderboard";
        let e = parse(&["--database-url", url])
            .unwrap()
            .check()
            .unwrap_err();
        let shown = e.to_string();
        assert!(shown.contains("--staff-passphrase"), "{shown}");
        assert!(shown.contains("load balancer"), "{shown}");
        // An empty passphrase is none.
        let args = parse(&["--database-url", url, "--staff-passphrase", ""]).unwrap();
        assert!(args.check().is_err());
        let args = parse(&["--database-url", url, "--staff-passphrase", "s3cret"]).unwrap();
        assert!(args.check().is_ok());
        assert_eq!(args.database_url.as_deref(), Some(url));
    }
}
