//! Kitchen printers: what staff register, and what they see of a printer.
//!
//! A printer speaks ESC/POS over raw TCP (port 9100 unless its address
//! says otherwise). Each new order prints one ticket per printer with the
//! items of that printer's stations (a printer without stations prints
//! every item); tickets wait in a durable queue while a printer is off.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use time::OffsetDateTime;

/// The port kitchen printers listen on (raw TCP, "JetDirect").
pub const DEFAULT_PRINTER_PORT: u16 = 9100;
/// The longest printer name.
pub const MAX_PRINTER_NAME_CHARS: usize = 40;
/// The most printers that can be registered.
pub const MAX_PRINTERS: usize = 20;
/// The most stations one printer can print for.
pub const MAX_PRINTER_STATIONS: usize = 20;

/// The body of `POST /api/printers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPrinter {
    /// 1 to 40 characters, no control characters: "Grill", "Pass".
    pub name: String,
    /// `host:port` or `host` (port 9100); the host is an IP address
    /// (IPv6 in brackets with a port) or a DNS name.
    pub address: String,
    /// The station ids whose items this printer prints; none: every item.
    #[serde(default)]
    pub stations: Vec<String>,
}

/// A printer's address, parsed: where to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterAddress {
    pub host: String,
    pub port: u16,
}

impl PrinterAddress {
    /// `host:port` or `host`; the host an IP address or a DNS name.
    pub fn parse(text: &str) -> Result<PrinterAddress, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("must not be empty".into());
        }
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(PrinterAddress {
                host: ip.to_string(),
                port: DEFAULT_PRINTER_PORT,
            });
        }
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (ip, after) = rest
                .split_once(']')
                .ok_or("an IPv6 address in brackets needs its closing ]")?;
            ip.parse::<std::net::Ipv6Addr>()
                .map_err(|_| format!("{ip:?} is not an IPv6 address"))?;
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or("expected :port after ]")?),
            };
            (ip.to_string(), port)
        } else {
            match text.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (text.to_string(), None),
            }
        };
        let port = match port {
            None => DEFAULT_PRINTER_PORT,
            Some(p) => match p.parse::<u16>() {
                Ok(0) | Err(_) => return Err(format!("{p:?} is not a port (1 to 65535)")),
                Ok(p) => p,
            },
        };
        if host.parse::<IpAddr>().is_err() && !is_dns_name(&host) {
            return Err(format!("{host:?} is neither an IP address nor a host name"));
        }
        Ok(PrinterAddress { host, port })
    }
}

impl std::fmt::Display for PrinterAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// A DNS name: dot-separated labels of letters, digits and inner hyphens,
/// each 1 to 63 characters, 253 in all, not all digits.
fn is_dns_name(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.len() <= 253
        && !host.chars().all(|c| c.is_ascii_digit() || c == '.')
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

impl NewPrinter {
    /// The name trimmed, the address written as `host:port`, the stations
    /// trimmed, sorted and without repeats; or the first field that breaks
    /// a rule.
    pub fn normalized(mut self) -> Result<NewPrinter, crate::ValidationError> {
        self.name = self.name.trim().to_string();
        let chars = self.name.chars().count();
        if chars == 0 || chars > MAX_PRINTER_NAME_CHARS {
            return Err(crate::order::invalid(
                "name",
                format!("must be 1 to {MAX_PRINTER_NAME_CHARS} characters, got {chars}"),
            ));
        }
        if self.name.chars().any(char::is_control) {
            return Err(crate::order::invalid(
                "name",
                "must not contain control characters",
            ));
        }
        self.address = PrinterAddress::parse(&self.address)
            .map_err(|m| crate::order::invalid("address", m))?
            .to_string();
        for (i, s) in self.stations.iter_mut().enumerate() {
            *s = s.trim().to_string();
            crate::order::check_station_id(&format!("stations[{i}]"), s)?;
        }
        self.stations.sort();
        self.stations.dedup();
        if self.stations.len() > MAX_PRINTER_STATIONS {
            return Err(crate::order::invalid(
                "stations",
                format!("at most {MAX_PRINTER_STATIONS} stations"),
            ));
        }
        Ok(self)
    }
}

/// Whether a printer took its last ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PrinterState {
    /// Nothing was sent to it yet.
    Unknown,
    /// It took the last ticket sent.
    Online,
    /// The last ticket could not be sent (`last_error` says why); it is
    /// retried, and the queue waits.
    Offline,
}

impl PrinterState {
    pub fn as_str(self) -> &'static str {
        match self {
            PrinterState::Unknown => "unknown",
            PrinterState::Online => "online",
            PrinterState::Offline => "offline",
        }
    }

    pub fn parse(s: &str) -> PrinterState {
        match s {
            "online" => PrinterState::Online,
            "offline" => PrinterState::Offline,
            _ => PrinterState::Unknown,
        }
    }
}

/// A printer as staff see it in `GET /api/printers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrinterInfo {
    pub id: String,
    pub name: String,
    /// `host:port`.
    pub address: String,
    /// The station ids it prints for; none: every item.
    pub stations: Vec<String>,
    pub state: PrinterState,
    /// Tickets waiting for it (new orders not printed yet, reprints, tests).
    pub queued: u32,
    /// Why it is offline, or what happened to its queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Since when it is in its state.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub since: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The answer of `POST /api/printers/{id}/test` and
/// `POST /api/orders/{id}/print`: the printers a ticket was queued for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrintQueued {
    pub printers: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(address: &str) -> Result<NewPrinter, crate::ValidationError> {
        NewPrinter {
            name: "Grill".into(),
            address: address.into(),
            stations: vec![],
        }
        .normalized()
    }

    #[test]
    fn addresses_parse_with_or_without_a_port() {
        assert_eq!(new("192.168.1.50").unwrap().address, "192.168.1.50:9100");
        assert_eq!(new("10.0.0.2:9101").unwrap().address, "10.0.0.2:9101");
        assert_eq!(
            new("printer-1.local").unwrap().address,
            "printer-1.local:9100"
        );
        assert_eq!(new("kitchen:9100").unwrap().address, "kitchen:9100");
        assert_eq!(new("::1").unwrap().address, "[::1]:9100");
        assert_eq!(new("[fe80::1]:9100").unwrap().address, "[fe80::1]:9100");
    }

    #[test]
    fn bad_addresses_are_refused() {
        for bad in [
            "",
            "   ",
            "host:",
            "host:0",
            "host:70000",
            "host:port",
            "http://printer",
            "a b",
            "-bad.example",
            "1.2.3.4.5",
            "999.1.1.1",
            "[::1",
            "[nope]:9100",
            "host:9100:1",
        ] {
            let e = new(bad).expect_err(bad);
            assert_eq!(e.field, "address", "{bad}");
        }
    }

    #[test]
    fn names_and_stations_are_checked_and_normalized() {
        let p = NewPrinter {
            name: "  Pass ".into(),
            address: "127.0.0.1".into(),
            stations: vec![" grill".into(), "bar".into(), "grill".into()],
        }
        .normalized()
        .unwrap();
        assert_eq!(p.name, "Pass");
        assert_eq!(p.stations, ["bar", "grill"]);
        for name in ["", "x".repeat(41).as_str(), "a\nb"] {
            let e = NewPrinter {
                name: name.into(),
                address: "127.0.0.1".into(),
                stations: vec![],
            }
            .normalized()
            .unwrap_err();
            assert_eq!(e.field, "name");
        }
    }
}
