//! Who a request comes from: the one client address that the loopback rule
//! for staff requests, the per-client stream caps and the sign-in back-off
//! all go by.
//!
//! It is the connection's peer address, unless the peer is a trusted proxy
//! (`--trusted-proxy`). Then the forwarded chain is read from the right,
//! the end the proxies wrote: each trusted hop is stepped over, and the
//! first address that is not a trusted proxy is the client. The chain is
//! `X-Forwarded-For` when the request has it, RFC 7239 `Forwarded: for=`
//! otherwise. An entry that is not an address (garbage, `unknown`, an
//! obfuscated node) ends the walk: the client is then the last trusted hop
//! reached, never anything to the left of the garbage. A chain made only of
//! trusted proxies ends at its leftmost hop.
//!
//! The headers of a peer that is not a trusted proxy are ignored entirely:
//! anyone can write them. So a trusted proxy must append the address it got
//! the request from (nginx's `$proxy_add_x_forwarded_for` does), and one
//! that writes only `Forwarded` must drop a client's `X-Forwarded-For`,
//! which would otherwise be read first.
//!
//! [`crate::serving`] works the address out once per request (a proxy's
//! kept-alive connection carries many clients' requests) and puts it in the
//! request's extensions as [`ClientAddr`].

use axum::extract::{ConnectInfo, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap};
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// The address a request comes from, proxies accounted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The request's client address: the one [`crate::serving`] worked
    /// out, or, for a router served some other way with `ConnectInfo`, the
    /// peer's; `None` for a router driven without a socket.
    pub fn of(extensions: &Extensions) -> Option<IpAddr> {
        extensions.get::<ClientAddr>().map(|c| c.0).or_else(|| {
            extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_canonical())
        })
    }
}

/// `Option<ClientAddr>` as a handler's argument: [`ClientAddr::of`].
impl<S: Send + Sync> OptionalFromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(ClientAddr::of(&parts.extensions).map(ClientAddr))
    }
}

/// The proxies whose forwarding headers are believed: addresses and CIDR
/// ranges. Empty by default: every client is its peer address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    pub fn new(nets: impl IntoIterator<Item = IpNet>) -> TrustedProxies {
        TrustedProxies(nets.into_iter().map(|n| n.trunc()).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The addresses and ranges, as given (host bits cleared).
    pub fn nets(&self) -> &[IpNet] {
        &self.0
    }

    /// Whether `ip` is a trusted proxy. An IPv4 address written as IPv6
    /// (`::ffff:10.0.0.1`, as a dual-stack listener sees it) is the IPv4 one.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// Parses one `--trusted-proxy` value: an address (`10.0.0.5`, `::1`) or a
/// CIDR range (`10.0.0.0/8`, `fd00::/8`).
pub fn parse_trusted_proxy(value: &str) -> Result<IpNet, String> {
    let value = value.trim();
    if value.contains('/') {
        value.parse::<IpNet>().map(|n| n.trunc()).map_err(|_| {
            format!(
                "{value:?} is not a CIDR range: expected an address, a slash and a prefix \
                 length, such as 10.0.0.0/8 or fd00::/8"
            )
        })
    } else {
        // An IPv4 address written as IPv6 is the IPv4 one, as a peer is.
        value
            .parse::<IpAddr>()
            .map(|ip| IpNet::from(ip.to_canonical()))
            .map_err(|_| {
                format!(
                    "{value:?} is not an IP address or a CIDR range: expected one such as \
                 127.0.0.1, ::1 or 10.0.0.0/8"
                )
            })
    }
}

/// The client address of a request that came from `peer` with `headers`
/// (see the module's documentation).
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = peer.to_canonical();
    if trusted.is_empty() || !trusted.trusts(peer) {
        return peer;
    }
    let hops = if headers.contains_key(X_FORWARDED_FOR) {
        x_forwarded_for(headers)
    } else {
        forwarded_for(headers)
    };
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        match hop {
            Hop::Addr(ip) if trusted.trusts(ip) => client = ip,
            Hop::Addr(ip) => return ip,
            Hop::Unusable => break,
        }
    }
    client
}

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// One entry of a forwarded chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hop {
    Addr(IpAddr),
    /// Not an address: garbage, `unknown`, or an obfuscated node.
    Unusable,
}

/// The entries of every `X-Forwarded-For` header, in order: a header
/// repeated is one comma-separated list. Empty entries are skipped, as an
/// HTTP list's empty elements are.
fn x_forwarded_for(headers: &HeaderMap) -> Vec<Hop> {
    let mut hops = Vec::new();
    for value in headers.get_all(X_FORWARDED_FOR) {
        let Ok(value) = value.to_str() else {
            hops.push(Hop::Unusable);
            continue;
        };
        for entry in value.split(',') {
            let entry = trim_ows(entry);
            if !entry.is_empty() {
                hops.push(node(entry).map_or(Hop::Unusable, Hop::Addr));
            }
        }
    }
    hops
}

/// The `for=` of each element of every `Forwarded` header, in order.
fn forwarded_for(headers: &HeaderMap) -> Vec<Hop> {
    let mut hops = Vec::new();
    for value in headers.get_all(axum::http::header::FORWARDED) {
        match value.to_str() {
            Ok(value) => forwarded_elements(value, &mut hops),
            Err(_) => hops.push(Hop::Unusable),
        }
    }
    hops
}

/// Parses one `Forwarded` header value (RFC 7239, section 4):
/// `element *( "," element )`, an element being `pair *( ";" pair )` and a
/// pair `token "=" ( token / quoted-string )`. Pushes one hop per non-empty
/// element: its `for=` address, or [`Hop::Unusable`] if it has none, has
/// two, or is malformed.
fn forwarded_elements(value: &str, hops: &mut Vec<Hop>) {
    let bytes = value.as_bytes();
    let mut i = 0;
    while i <= bytes.len() {
        let mut for_value: Option<String> = None;
        let mut pairs = 0;
        let mut bad = false;
        // One element: pairs up to a comma outside quotes, or the end.
        loop {
            i = skip_ows(bytes, i);
            match bytes.get(i) {
                None | Some(b',') => break,
                Some(b';') => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            let start = i;
            while bytes.get(i).is_some_and(|b| is_tchar(*b)) {
                i += 1;
            }
            let name = &value[start..i];
            if name.is_empty() || bytes.get(i) != Some(&b'=') {
                bad = true;
                break;
            }
            i += 1;
            let pair_value = if bytes.get(i) == Some(&b'"') {
                match quoted_string(bytes, i) {
                    Some((text, end)) => {
                        i = end;
                        text
                    }
                    None => {
                        // Unterminated: the rest of the header is this value.
                        bad = true;
                        i = bytes.len();
                        break;
                    }
                }
            } else {
                let start = i;
                while bytes.get(i).is_some_and(|b| is_tchar(*b)) {
                    i += 1;
                }
                value[start..i].to_string()
            };
            pairs += 1;
            if name.eq_ignore_ascii_case("for") {
                if for_value.is_some() {
                    bad = true;
                }
                for_value = Some(pair_value);
            }
            i = skip_ows(bytes, i);
            if !matches!(bytes.get(i), None | Some(b',') | Some(b';')) {
                bad = true;
                break;
            }
        }
        if bad {
            // Whatever is left of this element is not read.
            while i < bytes.len() && bytes[i] != b',' {
                i += 1;
            }
        }
        if bad || pairs > 0 {
            let hop = match for_value {
                Some(v) if !bad => node(&v).map_or(Hop::Unusable, Hop::Addr),
                _ => Hop::Unusable,
            };
            hops.push(hop);
        }
        // Past the comma, or past the end.
        i += 1;
    }
}

/// A quoted-string starting at `bytes[start] == '"'`: its unescaped text and
/// the index just past its closing quote; `None` if it never closes.
fn quoted_string(bytes: &[u8], start: usize) -> Option<(String, usize)> {
    let mut text = Vec::new();
    let mut i = start + 1;
    loop {
        match *bytes.get(i)? {
            b'"' => return Some((String::from_utf8_lossy(&text).into_owned(), i + 1)),
            b'\\' => {
                text.push(*bytes.get(i + 1)?);
                i += 2;
            }
            b => {
                text.push(b);
                i += 1;
            }
        }
    }
}

/// A node as a forwarding header writes it: an address, optionally with a
/// port (`192.0.2.43`, `192.0.2.43:47011`, `2001:db8::1`, `[2001:db8::1]`,
/// `[2001:db8::1]:47011`). Anything else (`unknown`, `_hidden`, garbage)
/// is `None`.
fn node(text: &str) -> Option<IpAddr> {
    if let Some(rest) = text.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let ip: Ipv6Addr = inside.parse().ok()?;
        if !after.is_empty() {
            port(after.strip_prefix(':')?)?;
        }
        return Some(IpAddr::V6(ip).to_canonical());
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    let (host, p) = text.split_once(':')?;
    port(p)?;
    host.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// A port: 1 to 5 digits that fit in 16 bits.
fn port(text: &str) -> Option<u16> {
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// HTTP's optional white space: spaces and tabs.
fn trim_ows(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

fn skip_ows(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// A character of an HTTP token (RFC 9110, section 5.6.2).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn trusting(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(nets.iter().map(|n| parse_trusted_proxy(n).unwrap()))
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    /// The client of a request from `peer`, behind a proxy at 10.0.0.1 and
    /// any in 172.16.0.0/12.
    fn client(peer: &str, pairs: &[(&'static str, &str)]) -> IpAddr {
        let trusted = trusting(&["10.0.0.1", "172.16.0.0/12"]);
        resolve(ip(peer), &headers(pairs), &trusted)
    }

    #[test]
    fn parses_addresses_and_ranges() {
        assert_eq!(
            parse_trusted_proxy("10.0.0.0/8").unwrap(),
            "10.0.0.0/8".parse::<IpNet>().unwrap()
        );
        assert_eq!(
            parse_trusted_proxy(" 127.0.0.1 ").unwrap(),
            "127.0.0.1/32".parse::<IpNet>().unwrap()
        );
        assert_eq!(
            parse_trusted_proxy("::1").unwrap(),
            "::1/128".parse::<IpNet>().unwrap()
        );
        assert_eq!(
            parse_trusted_proxy("fd00::/8").unwrap(),
            "fd00::/8".parse::<IpNet>().unwrap()
        );
        // Host bits are cleared: 10.1.2.3/8 is 10.0.0.0/8.
        assert_eq!(
            parse_trusted_proxy("10.1.2.3/8").unwrap(),
            "10.0.0.0/8".parse::<IpNet>().unwrap()
        );
        for bad in [
            "",
            "banana",
            "10.0.0.0/33",
            "10.0.0.0/",
            "/8",
            "::1/129",
            "10.0.0",
            "10.0.0.1:80",
            "example.com",
        ] {
            let e = parse_trusted_proxy(bad).unwrap_err();
            assert!(e.contains("10.0.0.0/8"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn trusts_addresses_and_ranges_ipv4_mapped_included() {
        let t = trusting(&["10.0.0.0/8", "::1", "192.0.2.7"]);
        assert!(t.trusts(ip("10.200.3.4")));
        assert!(t.trusts(ip("::ffff:10.0.0.1")));
        assert!(t.trusts(ip("::1")));
        assert!(t.trusts(ip("192.0.2.7")));
        assert!(!t.trusts(ip("192.0.2.8")));
        assert!(!t.trusts(ip("11.0.0.1")));
        assert!(!t.trusts(ip("127.0.0.1")));
        assert!(!TrustedProxies::default().trusts(ip("127.0.0.1")));
        let t = trusting(&["::ffff:10.0.0.1"]);
        assert!(t.trusts(ip("10.0.0.1")));
        assert!(t.trusts(ip("::ffff:10.0.0.1")));
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let h = headers(&[
            ("x-forwarded-for", "192.0.2.9"),
            ("forwarded", "for=192.0.2.9"),
        ]);
        assert_eq!(
            resolve(ip("10.0.0.1"), &h, &TrustedProxies::default()),
            ip("10.0.0.1")
        );
        // An IPv4 peer seen on a dual-stack socket is the IPv4 address.
        assert_eq!(
            resolve(ip("::ffff:127.0.0.1"), &h, &TrustedProxies::default()),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn an_untrusted_peer_s_headers_are_ignored() {
        assert_eq!(
            client("192.0.2.50", &[("x-forwarded-for", "10.0.0.1")]),
            ip("192.0.2.50")
        );
        assert_eq!(
            client("192.0.2.50", &[("forwarded", "for=127.0.0.1")]),
            ip("192.0.2.50")
        );
    }

    #[test]
    fn a_trusted_proxy_s_forwarded_address_is_the_client() {
        assert_eq!(
            client("10.0.0.1", &[("x-forwarded-for", "192.0.2.9")]),
            ip("192.0.2.9")
        );
        assert_eq!(
            client("10.0.0.1", &[("forwarded", "for=192.0.2.9")]),
            ip("192.0.2.9")
        );
        // A proxy that says nothing: the proxy itself.
        assert_eq!(client("10.0.0.1", &[]), ip("10.0.0.1"));
    }

    #[test]
    fn a_client_cannot_spoof_its_way_past_the_proxy_s_entry() {
        // The client wrote 127.0.0.1; the proxy appended the real address.
        assert_eq!(
            client("10.0.0.1", &[("x-forwarded-for", "127.0.0.1, 192.0.2.9")]),
            ip("192.0.2.9")
        );
        assert_eq!(
            client(
                "10.0.0.1",
                &[("x-forwarded-for", "10.0.0.1, 172.16.0.5, 192.0.2.9")]
            ),
            ip("192.0.2.9"),
            "even naming trusted proxies"
        );
        assert_eq!(
            client(
                "10.0.0.1",
                &[("forwarded", "for=127.0.0.1, for=\"192.0.2.9\"")]
            ),
            ip("192.0.2.9")
        );
    }

    #[test]
    fn trusted_hops_are_stepped_over_from_the_right() {
        // client → 172.16.3.3 (trusted) → 10.0.0.1 (trusted, the peer).
        assert_eq!(
            client(
                "10.0.0.1",
                &[("x-forwarded-for", "198.51.100.1, 192.0.2.9, 172.16.3.3")]
            ),
            ip("192.0.2.9")
        );
        // Only trusted proxies: the leftmost is where the request began.
        assert_eq!(
            client("10.0.0.1", &[("x-forwarded-for", "172.16.0.9, 172.16.3.3")]),
            ip("172.16.0.9")
        );
    }

    #[test]
    fn repeated_headers_are_one_list_in_order() {
        let h = [
            ("x-forwarded-for", "198.51.100.1"),
            ("x-forwarded-for", "192.0.2.9, 172.16.3.3"),
        ];
        assert_eq!(client("10.0.0.1", &h), ip("192.0.2.9"));
        let h = [
            ("x-forwarded-for", "192.0.2.9"),
            ("x-forwarded-for", "172.16.3.3"),
        ];
        assert_eq!(client("10.0.0.1", &h), ip("192.0.2.9"));
        let h = [
            ("forwarded", "for=198.51.100.1"),
            ("forwarded", "for=192.0.2.9;proto=https, for=172.16.3.3"),
        ];
        assert_eq!(client("10.0.0.1", &h), ip("192.0.2.9"));
    }

    #[test]
    fn x_forwarded_for_wins_over_forwarded() {
        let h = [
            ("forwarded", "for=198.51.100.1"),
            ("x-forwarded-for", "192.0.2.9"),
        ];
        assert_eq!(client("10.0.0.1", &h), ip("192.0.2.9"));
    }

    #[test]
    fn ipv6_and_ports_in_either_header() {
        for (header, value, want) in [
            ("x-forwarded-for", "2001:db8::7", "2001:db8::7"),
            ("x-forwarded-for", "[2001:db8::7]", "2001:db8::7"),
            ("x-forwarded-for", "[2001:db8::7]:4711", "2001:db8::7"),
            ("x-forwarded-for", "192.0.2.9:4711", "192.0.2.9"),
            ("x-forwarded-for", " 192.0.2.9 ,\t", "192.0.2.9"),
            ("x-forwarded-for", "::ffff:192.0.2.9", "192.0.2.9"),
            ("forwarded", "for=\"[2001:db8::7]\"", "2001:db8::7"),
            ("forwarded", "for=\"[2001:db8::7]:4711\"", "2001:db8::7"),
            ("forwarded", "For=\"192.0.2.9:4711\"", "192.0.2.9"),
            (
                "forwarded",
                "for=192.0.2.9;by=10.0.0.1;proto=http",
                "192.0.2.9",
            ),
            ("forwarded", "proto=http; for=192.0.2.9", "192.0.2.9"),
            ("forwarded", "for=\"[::1]:80\"", "::1"),
            ("forwarded", "for=\"192.0.2\\.9\"", "192.0.2.9"),
        ] {
            assert_eq!(client("10.0.0.1", &[(header, value)]), ip(want), "{value}");
        }
        // An IPv6 proxy, trusted by range.
        let t = trusting(&["fd00::/8"]);
        let h = headers(&[("forwarded", "for=\"[2001:db8::7]:4711\", for=\"[fd00::2]\"")]);
        assert_eq!(resolve(ip("fd00::1"), &h, &t), ip("2001:db8::7"));
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_trusted_hop() {
        for value in [
            "banana",
            "192.0.2.9.1",
            "192.0.2.9:",
            "192.0.2.9:99999",
            "192.0.2.9:80:80",
            "[2001:db8::7",
            "[2001:db8::7]x",
            "[192.0.2.9]",
            "2001:db8::7:4711:1:2:3:4",
            "unknown",
            "_hidden",
            "fe80::1%eth0",
            "\"192.0.2.9\"",
        ] {
            // The garbage is the only entry: the peer is the client.
            assert_eq!(
                client("10.0.0.1", &[("x-forwarded-for", value)]),
                ip("10.0.0.1"),
                "{value}"
            );
            // Right of a trusted hop: that hop; and never what lies left of it.
            let chain = format!("192.0.2.1, {value}, 172.16.3.3");
            assert_eq!(
                client("10.0.0.1", &[("x-forwarded-for", &chain)]),
                ip("172.16.3.3"),
                "{chain}"
            );
            // Left of an untrusted address: never reached.
            let chain = format!("{value}, 192.0.2.9");
            assert_eq!(
                client("10.0.0.1", &[("x-forwarded-for", &chain)]),
                ip("192.0.2.9"),
                "{chain}"
            );
        }
    }

    #[test]
    fn malformed_forwarded_elements_stop_the_walk() {
        for value in [
            "for",
            "for=",
            "for=unknown",
            "for=_hidden",
            "for=\"_hidden\"",
            "for=192.0.2.9 junk",
            "=192.0.2.9",
            "by=10.0.0.1",
            "for=192.0.2.9;for=192.0.2.10",
            "for=\"[2001:db8::7]:x\"",
            "for=[2001:db8::7]",
        ] {
            let chain = format!("for=192.0.2.1, {value}, for=172.16.3.3");
            assert_eq!(
                client("10.0.0.1", &[("forwarded", &chain)]),
                ip("172.16.3.3"),
                "{chain}"
            );
        }
        // An unterminated quote swallows the rest of its header, the
        // proxy's own entry included: the peer is the client.
        for value in [
            "for=\"192.0.2.1, for=192.0.2.9",
            "for=192.0.2.1 , for=\", for=192.0.2.9",
        ] {
            assert_eq!(
                client("10.0.0.1", &[("forwarded", value)]),
                ip("10.0.0.1"),
                "{value}"
            );
        }
        // In its own header, it swallows no other.
        let h = [
            ("forwarded", "for=\"192.0.2.1"),
            ("forwarded", "for=192.0.2.9"),
        ];
        assert_eq!(client("10.0.0.1", &h), ip("192.0.2.9"));
        // A comma in a quoted string does not split the element.
        assert_eq!(
            client(
                "10.0.0.1",
                &[("forwarded", "for=192.0.2.9;ext=\"a, for=198.51.100.1\"")]
            ),
            ip("192.0.2.9")
        );
        // Empty elements are skipped.
        assert_eq!(
            client("10.0.0.1", &[("forwarded", ", ,for=192.0.2.9,")]),
            ip("192.0.2.9")
        );
    }

    #[test]
    fn bytes_that_are_not_text_are_garbage() {
        let mut h = HeaderMap::new();
        h.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"192.0.2.9").unwrap(),
        );
        h.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff\xfe").unwrap(),
        );
        let t = trusting(&["10.0.0.1"]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &t), ip("10.0.0.1"));
        let mut h = HeaderMap::new();
        h.append("forwarded", HeaderValue::from_bytes(b"for=\xff").unwrap());
        assert_eq!(resolve(ip("10.0.0.1"), &h, &t), ip("10.0.0.1"));
    }

    #[test]
    fn the_request_s_address_falls_back_to_connect_info() {
        let mut e = Extensions::new();
        assert_eq!(ClientAddr::of(&e), None);
        e.insert(ConnectInfo(
            "[::ffff:192.0.2.9]:50000".parse::<SocketAddr>().unwrap(),
        ));
        assert_eq!(ClientAddr::of(&e), Some(ip("192.0.2.9")));
        e.insert(ClientAddr(ip("198.51.100.1")));
        assert_eq!(ClientAddr::of(&e), Some(ip("198.51.100.1")));
    }
}
