//! What a run is asked to do: the transports to compare (parsed from a spec
//! such as `poll:5s,longpoll,sse,ws`), how many customers, for how long, and
//! the limits every run is held to, checked before anything is sent.

use anyhow::{bail, Context};
use orderboard_model::Transport;
use std::time::Duration;

/// Most simulated customers on one transport.
pub const MAX_CLIENTS_PER_TRANSPORT: u32 = 50_000;
/// The longest run.
pub const MAX_DURATION: Duration = Duration::from_secs(3600);
/// Most orders followed at once: display numbers run from 1 to 999 among the
/// active orders, and the restaurant's own orders need some.
pub const MAX_ORDERS: u32 = 900;
/// Orders created when none are asked for: one per customer, up to this many.
pub const DEFAULT_MAX_ORDERS: u32 = 50;
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// The interval of SSE over database polling when none is given, as the
/// tutorials' sample has it.
pub const DEFAULT_DB_POLL_INTERVAL: Duration = Duration::from_secs(3);
/// The shortest and longest interval the server's SSE over database polling accepts.
pub const MIN_DB_POLL_INTERVAL: Duration = Duration::from_millis(500);
pub const MAX_DB_POLL_INTERVAL: Duration = Duration::from_secs(60);
pub const DEFAULT_STAGE_EVERY: Duration = Duration::from_secs(20);
pub const DEFAULT_GRACE: Duration = Duration::from_secs(3);
/// Shortest poll interval and stage-change interval accepted.
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);
/// Most loopback source addresses customers are spread over.
pub const MAX_SOURCE_ADDRESSES: u32 = 65_000;
/// Longest grace after the last change.
pub const MAX_GRACE: Duration = Duration::from_secs(120);

/// One transport to run, and how it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransportPlan {
    pub transport: Transport,
    /// Time between two polls: the client's for [`Transport::Poll`], the
    /// server's database queries for [`Transport::SseDbPoll`]; unused otherwise.
    pub poll_interval: Duration,
}

impl TransportPlan {
    pub fn new(transport: Transport) -> Self {
        TransportPlan {
            transport,
            poll_interval: match transport {
                Transport::SseDbPoll => DEFAULT_DB_POLL_INTERVAL,
                _ => DEFAULT_POLL_INTERVAL,
            },
        }
    }

    /// The shortest interval allowed for this transport.
    fn interval_range(&self) -> std::ops::RangeInclusive<Duration> {
        match self.transport {
            Transport::SseDbPoll => MIN_DB_POLL_INTERVAL..=MAX_DB_POLL_INTERVAL,
            _ => MIN_INTERVAL..=MAX_DURATION,
        }
    }
}

/// Parses a duration such as `5s`, `250ms`, `2m` or `1h`; a bare number is seconds.
pub fn parse_duration(s: &str) -> anyhow::Result<Duration> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&s[..i], s[i..].trim()),
        None => (s, "s"),
    };
    let value: f64 = number
        .parse()
        .with_context(|| format!("{s:?} is not a duration (examples: 5s, 250ms, 2m)"))?;
    let secs = match unit {
        "ms" => value / 1000.0,
        "s" | "sec" | "secs" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => bail!("unknown unit {other:?} in {s:?}: use ms, s, m or h"),
    };
    if !secs.is_finite() || !(0.0..=366.0 * 86_400.0).contains(&secs) {
        bail!("{s:?} is out of range");
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Parses `poll:5s,longpoll,sse,ws,sse-db-poll:3s`: transports by name,
/// comma-separated, each at most once; `poll` takes an optional interval
/// (default 5 s), and so does `sse-db-poll` (the server's, default 3 s).
pub fn parse_transports(spec: &str) -> anyhow::Result<Vec<TransportPlan>> {
    let mut plans: Vec<TransportPlan> = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, arg) = match part.split_once(':') {
            Some((n, a)) => (n.trim(), Some(a.trim())),
            None => (part, None),
        };
        let name = name.to_ascii_lowercase();
        let transport = match name.as_str() {
            "websocket" => Transport::Ws,
            "long-poll" | "long_poll" => Transport::Longpoll,
            "sse-db-poll" => Transport::SseDbPoll,
            n => Transport::parse(n).with_context(|| {
                format!("unknown transport {name:?}: use poll[:INTERVAL], longpoll, sse, ws or sse-db-poll[:INTERVAL]")
            })?,
        };
        let mut plan = TransportPlan::new(transport);
        match (transport, arg) {
            (t, Some(a)) if t.polls() => {
                plan.poll_interval = parse_duration(a).with_context(|| format!("in {part:?}"))?;
                let range = plan.interval_range();
                if !range.contains(&plan.poll_interval) {
                    bail!(
                        "{transport} interval {a} is outside {} ms to {} s",
                        range.start().as_millis(),
                        range.end().as_secs()
                    );
                }
            }
            (_, Some(a)) => bail!("{transport} takes no argument (got {a:?})"),
            (_, None) => {}
        }
        if plans.iter().any(|p| p.transport == transport) {
            bail!("{transport} is listed twice");
        }
        plans.push(plan);
    }
    if plans.is_empty() {
        bail!("no transport given: use e.g. poll:5s,longpoll,sse,ws");
    }
    Ok(plans)
}

/// Everything a run needs to know.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// The server's base URL, such as `http://127.0.0.1:7878`.
    pub target: String,
    pub clients_per_transport: u32,
    pub transports: Vec<TransportPlan>,
    /// How long changes are made; the caller's `stop` may end it earlier.
    pub duration: Duration,
    /// Orders to create; by default one per customer, at most 50, at least 1.
    pub orders: Option<u32>,
    /// The mean time between two stage changes of one order, varied ±50%.
    pub stage_every: Duration,
    /// Seeds the orders, the schedule of changes and the polls' phases.
    pub seed: u64,
    /// After the last change, time for the deliveries to land.
    pub grace: Duration,
    /// At the end, cancel the run's orders that are still active, so that
    /// they leave the dispatcher's screen and free their display numbers.
    pub cancel_leftovers: bool,
    /// Spread each transport's customers over this many loopback source
    /// addresses (127.0.0.1, 127.0.0.2, …), as if they came from that many
    /// devices. One address runs out of ports at about 28,000 connections, and
    /// the server caps open streams per address. 1 (the default) binds
    /// nothing; more needs an IPv4 loopback target such as 127.0.0.1.
    pub source_addresses: u32,
}

impl LoadConfig {
    pub fn new(
        target: impl Into<String>,
        clients_per_transport: u32,
        transports: Vec<TransportPlan>,
        duration: Duration,
    ) -> Self {
        LoadConfig {
            target: target.into(),
            clients_per_transport,
            transports,
            duration,
            orders: None,
            stage_every: DEFAULT_STAGE_EVERY,
            seed: 1,
            grace: DEFAULT_GRACE,
            cancel_leftovers: true,
            source_addresses: 1,
        }
    }

    /// The number of orders followed at once.
    pub fn order_count(&self) -> u32 {
        self.orders
            .unwrap_or_else(|| self.clients_per_transport.min(DEFAULT_MAX_ORDERS))
            .max(1)
    }

    /// The target without a trailing slash.
    pub fn base_url(&self) -> String {
        self.target.trim().trim_end_matches('/').to_string()
    }

    /// The target's address, when it is an IPv4 loopback literal.
    pub fn server_v4(&self) -> Option<std::net::SocketAddr> {
        let url = reqwest::Url::parse(&self.base_url()).ok()?;
        let ip: std::net::Ipv4Addr = url.host_str()?.parse().ok()?;
        ip.is_loopback()
            .then(|| std::net::SocketAddr::from((ip, url.port_or_known_default().unwrap_or(80))))
    }

    /// The `i`th loopback source address (from 0: 127.0.0.1, 127.0.0.2, …).
    pub fn source_address(i: u32) -> std::net::IpAddr {
        std::net::IpAddr::V4(std::net::Ipv4Addr::from(
            u32::from(std::net::Ipv4Addr::new(127, 0, 0, 1)) + i,
        ))
    }

    /// Checks every limit; a run refuses a config that breaks one.
    pub fn validate(&self) -> anyhow::Result<()> {
        let base = self.base_url();
        let url =
            reqwest::Url::parse(&base).with_context(|| format!("target {base:?} is not a URL"))?;
        if url.scheme() != "http" {
            bail!("target {base:?}: only http:// is supported");
        }
        if url.host_str().is_none() {
            bail!("target {base:?} has no host");
        }
        if self.clients_per_transport == 0 || self.clients_per_transport > MAX_CLIENTS_PER_TRANSPORT
        {
            bail!(
                "clients per transport must be 1 to {MAX_CLIENTS_PER_TRANSPORT}, got {}",
                self.clients_per_transport
            );
        }
        if self.transports.is_empty() {
            bail!("no transport to run");
        }
        for (i, p) in self.transports.iter().enumerate() {
            if self.transports[..i]
                .iter()
                .any(|q| q.transport == p.transport)
            {
                bail!("{} is listed twice", p.transport);
            }
            let range = p.interval_range();
            if p.transport.polls() && !range.contains(&p.poll_interval) {
                bail!(
                    "{} interval must be {} ms to {} s",
                    p.transport,
                    range.start().as_millis(),
                    range.end().as_secs()
                );
            }
        }
        if self.duration.is_zero() || self.duration > MAX_DURATION {
            bail!(
                "duration must be more than 0 and at most {} s",
                MAX_DURATION.as_secs()
            );
        }
        if let Some(n) = self.orders {
            if n == 0 || n > MAX_ORDERS {
                bail!("orders must be 1 to {MAX_ORDERS}, got {n}");
            }
        }
        if self.stage_every < MIN_INTERVAL || self.stage_every > MAX_DURATION {
            bail!(
                "stage changes must be {} ms to {} s apart",
                MIN_INTERVAL.as_millis(),
                MAX_DURATION.as_secs()
            );
        }
        if self.source_addresses == 0 || self.source_addresses > MAX_SOURCE_ADDRESSES {
            bail!(
                "source addresses must be 1 to {MAX_SOURCE_ADDRESSES}, got {}",
                self.source_addresses
            );
        }
        if self.source_addresses > 1 && self.server_v4().is_none() {
            bail!("spreading customers over source addresses needs an IPv4 loopback target such as http://127.0.0.1:7878");
        }
        if self.grace > MAX_GRACE {
            bail!("grace must be at most {} s", MAX_GRACE.as_secs());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_five_transports() {
        let plans = parse_transports("poll:5s,longpoll,sse,ws,sse-db-poll").unwrap();
        let names: Vec<Transport> = plans.iter().map(|p| p.transport).collect();
        assert_eq!(names, Transport::ALL.to_vec());
        assert_eq!(plans[0].poll_interval, Duration::from_secs(5));
        assert_eq!(plans[4].poll_interval, Duration::from_secs(3));
        let db = parse_transports("sse-db-poll:1500ms").unwrap();
        assert_eq!(
            (db[0].transport, db[0].poll_interval),
            (Transport::SseDbPoll, Duration::from_millis(1500))
        );
        assert_eq!(
            parse_transports("sse_db_poll").unwrap()[0].transport,
            Transport::SseDbPoll
        );
    }

    #[test]
    fn poll_interval_takes_units_and_defaults_to_five_seconds() {
        assert_eq!(
            parse_transports("poll").unwrap()[0].poll_interval,
            Duration::from_secs(5)
        );
        assert_eq!(
            parse_transports("poll:750ms").unwrap()[0].poll_interval,
            Duration::from_millis(750)
        );
        assert_eq!(
            parse_transports("poll:2").unwrap()[0].poll_interval,
            Duration::from_secs(2)
        );
        assert_eq!(
            parse_transports(" sse , poll:1.5s ").unwrap()[1].poll_interval,
            Duration::from_millis(1500)
        );
        assert_eq!(
            parse_transports("websocket").unwrap()[0].transport,
            Transport::Ws
        );
    }

    #[test]
    fn refuses_bad_specs() {
        for bad in [
            "",
            ",",
            "smoke",
            "poll:fast",
            "poll:5x",
            "sse:1s",
            "poll:10ms",
            "sse,sse",
            "poll:1s,poll:2s",
            "sse-db-poll:100ms",
            "sse-db-poll:2m",
            "sse-db-poll:often",
        ] {
            assert!(parse_transports(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("s").is_err());
    }

    #[test]
    fn config_defaults_and_limits() {
        let c = LoadConfig::new(
            "http://127.0.0.1:7878/",
            1000,
            parse_transports("sse").unwrap(),
            Duration::from_secs(60),
        );
        assert_eq!(c.order_count(), 50);
        assert_eq!(c.base_url(), "http://127.0.0.1:7878");
        assert_eq!(c.stage_every, Duration::from_secs(20));
        assert_eq!(c.grace, Duration::from_secs(3));
        c.validate().unwrap();
        assert_eq!(
            LoadConfig {
                clients_per_transport: 3,
                ..c.clone()
            }
            .order_count(),
            3
        );
        assert!(LoadConfig {
            clients_per_transport: 50_001,
            ..c.clone()
        }
        .validate()
        .is_err());
        assert!(LoadConfig {
            duration: Duration::from_secs(3601),
            ..c.clone()
        }
        .validate()
        .is_err());
        assert!(LoadConfig {
            orders: Some(0),
            ..c.clone()
        }
        .validate()
        .is_err());
        assert!(LoadConfig {
            target: "https://127.0.0.1".into(),
            ..c.clone()
        }
        .validate()
        .is_err());
        assert!(LoadConfig {
            target: "not a url".into(),
            ..c.clone()
        }
        .validate()
        .is_err());
        LoadConfig {
            source_addresses: 10,
            ..c.clone()
        }
        .validate()
        .unwrap();
        assert!(LoadConfig {
            source_addresses: 0,
            ..c.clone()
        }
        .validate()
        .is_err());
        assert!(LoadConfig {
            source_addresses: 2,
            target: "http://localhost:7878".into(),
            ..c
        }
        .validate()
        .is_err());
        assert_eq!(LoadConfig::source_address(0).to_string(), "127.0.0.1");
        assert_eq!(LoadConfig::source_address(300).to_string(), "127.0.1.45");
    }
}
