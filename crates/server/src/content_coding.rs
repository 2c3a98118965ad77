//! Which stored encoding of a file to send, from the request's
//! `Accept-Encoding` (RFC 9110, section 12.5.3).
//!
//! The UI's files are compressed once, when the UI is built (brotli and gzip
//! beside each file, `frontend/precompress.sh`); a request picks one of the
//! stored copies here. Nothing is compressed per request.

use axum::http::{header, HeaderMap};

/// A stored encoding of a file, in the order they are preferred when the
/// client accepts several equally: brotli is the smallest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
    Identity,
}

impl Coding {
    /// The compressed copies, best first.
    pub const COMPRESSED: [Coding; 2] = [Coding::Brotli, Coding::Gzip];

    /// The name in `Accept-Encoding` and `Content-Encoding`.
    pub fn token(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
            Coding::Identity => "identity",
        }
    }

    /// The suffix of the stored copy's file name (`app_bg.wasm.br`).
    pub fn file_suffix(self) -> &'static str {
        match self {
            Coding::Brotli => ".br",
            Coding::Gzip => ".gz",
            Coding::Identity => "",
        }
    }
}

/// The best of `available` (compressed copies, best first) that the client
/// accepts; [`Coding::Identity`] when it accepts none of them, or prefers the
/// plain file by a higher weight.
pub fn choose(headers: &HeaderMap, available: &[Coding]) -> Coding {
    let mut accepted = Vec::new();
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        accepted.extend(value.split(',').filter_map(parse_entry));
    }
    let weight = |coding: Coding| -> u16 {
        let named = accepted.iter().find(|(name, _)| {
            name.eq_ignore_ascii_case(coding.token())
                || (coding == Coding::Gzip && name.eq_ignore_ascii_case("x-gzip"))
        });
        match named {
            Some((_, q)) => *q,
            None => match accepted.iter().find(|(name, _)| *name == "*") {
                Some((_, q)) => *q,
                // The plain file is acceptable unless refused by name or by `*`.
                None if coding == Coding::Identity => 1,
                None => 0,
            },
        }
    };
    let mut best = (Coding::Identity, weight(Coding::Identity));
    for &coding in available {
        let q = weight(coding);
        if q > 0 && (q > best.1 || (q == best.1 && best.0 == Coding::Identity)) {
            best = (coding, q);
        }
    }
    best.0
}

/// One `coding;q=0.5` entry: the coding and its weight in thousandths.
/// An entry that cannot be read is skipped.
fn parse_entry(entry: &str) -> Option<(&str, u16)> {
    let mut parts = entry.split(';');
    let name = parts.next()?.trim();
    if name.is_empty() {
        return None;
    }
    let mut q = 1000;
    for param in parts {
        let (key, value) = param.split_once('=')?;
        if key.trim().eq_ignore_ascii_case("q") {
            q = parse_weight(value.trim())?;
        }
    }
    Some((name, q))
}

/// `1`, `0.8`, `0.125`, `1.000` as thousandths; `None` for anything else.
fn parse_weight(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{fraction:0<3}");
    match whole {
        "0" => digits.parse().ok(),
        "1" if digits == "000" => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn pick(accept: &[&str]) -> Coding {
        let mut headers = HeaderMap::new();
        for value in accept {
            headers.append(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).unwrap(),
            );
        }
        choose(&headers, &Coding::COMPRESSED)
    }

    #[test]
    fn browsers_get_brotli() {
        assert_eq!(pick(&["gzip, deflate, br, zstd"]), Coding::Brotli);
        assert_eq!(pick(&["gzip, deflate", "br"]), Coding::Brotli);
    }

    #[test]
    fn gzip_when_brotli_is_not_offered_or_weighs_less() {
        assert_eq!(pick(&["gzip"]), Coding::Gzip);
        assert_eq!(pick(&["x-gzip"]), Coding::Gzip);
        assert_eq!(pick(&["br;q=0.5, gzip"]), Coding::Gzip);
        assert_eq!(pick(&["br;q=0, gzip;q=0.1"]), Coding::Gzip);
    }

    #[test]
    fn the_plain_file_otherwise() {
        assert_eq!(pick(&[]), Coding::Identity);
        assert_eq!(pick(&["identity"]), Coding::Identity);
        assert_eq!(pick(&["deflate, zstd"]), Coding::Identity);
        assert_eq!(pick(&["gzip;q=0, br;q=0"]), Coding::Identity);
        assert_eq!(pick(&["identity;q=1, gzip;q=0.5"]), Coding::Identity);
        assert_eq!(pick(&["*;q=0"]), Coding::Identity);
    }

    #[test]
    fn a_wildcard_accepts_what_is_not_named() {
        assert_eq!(pick(&["*"]), Coding::Brotli);
        assert_eq!(pick(&["br;q=0, *"]), Coding::Gzip);
    }

    #[test]
    fn unreadable_entries_are_skipped() {
        assert_eq!(pick(&["br;q=2, gzip"]), Coding::Gzip);
        assert_eq!(pick(&["br;q=abc, gzip;q=0.9"]), Coding::Gzip);
        assert_eq!(pick(&[", ,gzip"]), Coding::Gzip);
        assert_eq!(parse_weight("0.125"), Some(125));
        assert_eq!(parse_weight("1.0"), Some(1000));
        assert_eq!(parse_weight("0.1234"), None);
    }

    #[test]
    fn only_stored_copies_are_chosen() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip"),
        );
        assert_eq!(choose(&headers, &[Coding::Gzip]), Coding::Gzip);
        assert_eq!(choose(&headers, &[]), Coding::Identity);
    }
}
