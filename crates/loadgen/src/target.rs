//! Where the load goes. A load generator pointed at someone else's server is
//! a denial-of-service tool, so by default it only talks to this computer:
//! the target's host must resolve to loopback addresses only.

use anyhow::{bail, Context};
use std::net::{IpAddr, ToSocketAddrs};

/// Refuses a target whose host is not (or does not resolve only to) a
/// loopback address, unless `allow_remote`.
pub fn ensure_loopback(target: &str, allow_remote: bool) -> anyhow::Result<()> {
    let url = reqwest::Url::parse(target.trim()).with_context(|| {
        format!("target {target:?} is not a URL (example: http://127.0.0.1:7878)")
    })?;
    let host = url
        .host_str()
        .with_context(|| format!("target {target:?} has no host"))?;
    if allow_remote {
        return Ok(());
    }
    let literal = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>();
    let addresses: Vec<IpAddr> = match literal {
        Ok(ip) => vec![ip],
        Err(_) => {
            let port = url.port_or_known_default().unwrap_or(80);
            (host, port)
                .to_socket_addrs()
                .with_context(|| format!("cannot resolve {host:?}; only this computer may be a target without --allow-remote"))?
                .map(|a| a.ip())
                .collect()
        }
    };
    if addresses.is_empty() {
        bail!("{host:?} resolves to no address");
    }
    if let Some(remote) = addresses.iter().find(|ip| !is_loopback(ip)) {
        let shown = if host.trim_start_matches('[').trim_end_matches(']') == remote.to_string() {
            host.to_string()
        } else {
            format!("{host} ({remote})")
        };
        bail!("refusing to load {shown}: it is not this computer; pass --allow-remote to load a server you run elsewhere");
    }
    Ok(())
}

fn is_loopback(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// The WebSocket URL for a path on an `http://` base.
pub fn ws_url(base: &str, path_and_query: &str) -> String {
    let rest = base.strip_prefix("http://").unwrap_or(base);
    format!("ws://{rest}{path_and_query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_targets_pass() {
        for t in [
            "http://127.0.0.1:7878",
            "http://127.0.0.2:1",
            "http://[::1]:7878/",
            "http://localhost:7878",
            "http://LOCALHOST",
        ] {
            ensure_loopback(t, false).unwrap_or_else(|e| panic!("{t}: {e}"));
        }
    }

    #[test]
    fn remote_targets_are_refused_unless_allowed() {
        for t in [
            "http://10.0.0.1:7878",
            "http://192.168.1.5",
            "http://[2001:db8::1]:80",
            "http://example.com",
            "http://example.invalid:7878",
        ] {
            let err = ensure_loopback(t, false).unwrap_err().to_string();
            assert!(err.contains("allow-remote"), "{t}: {err}");
        }
        ensure_loopback("http://10.0.0.1:7878", true).unwrap();
        ensure_loopback("http://example.com", true).unwrap();
        assert!(ensure_loopback("not a url", true).is_err());
    }

    #[test]
    fn ws_urls() {
        assert_eq!(
            ws_url("http://127.0.0.1:7878", "/api/x/ws"),
            "ws://127.0.0.1:7878/api/x/ws"
        );
    }
}
