//! Where a reconnecting client left off.
//!
//! EventSource sends the last id it saw in the `Last-Event-ID` header; clients
//! that cannot set headers may pass `?last_event_id=N`. Anything that is not a
//! plain decimal number is treated as "cannot resume", which earns a `reset`.

use axum::http::HeaderMap;
use serde::Deserialize;

/// The query string of every stream endpoint.
#[derive(Debug, Default, Deserialize)]
pub struct StreamQuery {
    pub last_event_id: Option<String>,
}

/// What the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeFrom {
    /// A first connection: start with a snapshot.
    Start,
    /// Resume after this sequence number.
    After(u64),
    /// An id was given but it is not one of ours.
    Malformed,
}

pub fn resume_from(headers: &HeaderMap, query: &StreamQuery) -> ResumeFrom {
    let raw = match headers.get("last-event-id") {
        Some(v) => match v.to_str() {
            Ok(s) => Some(s.to_string()),
            Err(_) => return ResumeFrom::Malformed,
        },
        None => query.last_event_id.clone(),
    };
    match raw {
        None => ResumeFrom::Start,
        // An empty id is what a client has before it saw any id.
        Some(s) if s.trim().is_empty() => ResumeFrom::Start,
        Some(s) => {
            let s = s.trim();
            if s.bytes().all(|b| b.is_ascii_digit()) && s.len() <= 19 {
                s.parse()
                    .map(ResumeFrom::After)
                    .unwrap_or(ResumeFrom::Malformed)
            } else {
                ResumeFrom::Malformed
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_header(v: &str) -> ResumeFrom {
        let mut h = HeaderMap::new();
        h.insert("last-event-id", v.parse().unwrap());
        resume_from(&h, &StreamQuery::default())
    }

    #[test]
    fn parses_ids() {
        assert_eq!(with_header("42"), ResumeFrom::After(42));
        assert_eq!(with_header("0"), ResumeFrom::After(0));
        assert_eq!(with_header(""), ResumeFrom::Start);
        for bad in [
            "-1",
            "1e3",
            "abc",
            "4 2",
            "99999999999999999999",
            "0x10",
            "+5",
        ] {
            assert_eq!(with_header(bad), ResumeFrom::Malformed, "{bad}");
        }
        let q = StreamQuery {
            last_event_id: Some("17".into()),
        };
        assert_eq!(resume_from(&HeaderMap::new(), &q), ResumeFrom::After(17));
        assert_eq!(
            resume_from(&HeaderMap::new(), &StreamQuery::default()),
            ResumeFrom::Start
        );
    }
}
