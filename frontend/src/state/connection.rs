//! The state of a page's live connection, as shown in its corner.
//!
//! `Live` while the stream is open; `Down` from the first error until it opens
//! again — "reconnecting" at first, "offline since HH:MM:SS" once it has lasted
//! a few seconds; `Ended` when the page closed the stream on purpose.

use crate::i18n::{tr, tr_args, Locale};

/// After this long without a connection, the page says it is offline.
pub const OFFLINE_AFTER_MS: i64 = 4_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Live,
    Down { since_ms: i64 },
    Ended,
}

impl Connection {
    pub fn opened(self) -> Connection {
        Connection::Live
    }

    /// An error: the connection is down since the first error in a row, at
    /// `since_ms` or earlier (a shared connection may have gone down before
    /// this page joined it, and says when).
    pub fn failed(self, since_ms: i64) -> Connection {
        match self {
            Connection::Down { since_ms: was } => Connection::Down {
                since_ms: was.min(since_ms),
            },
            Connection::Ended => Connection::Ended,
            _ => Connection::Down { since_ms },
        }
    }

    /// The CSS class and the words for the status badge; `clock` writes a
    /// moment as the device's clock shows it (`Intl`, in the browser).
    pub fn badge(
        &self,
        now_ms: i64,
        locale: Locale,
        clock: impl Fn(i64) -> String,
    ) -> (&'static str, String) {
        match *self {
            Connection::Connecting => ("conn-connecting", tr(locale, "conn-connecting")),
            Connection::Live => ("conn-live", tr(locale, "conn-live")),
            Connection::Down { since_ms } if now_ms - since_ms < OFFLINE_AFTER_MS => {
                ("conn-reconnecting", tr(locale, "conn-reconnecting"))
            }
            Connection::Down { since_ms } => (
                "conn-offline",
                tr_args(
                    locale,
                    "conn-offline",
                    &[("time", (&clock(since_ms)).into())],
                ),
            ),
            Connection::Ended => ("conn-ended", tr(locale, "conn-ended")),
        }
    }
}

/// How long to wait before opening a new stream after the browser gave up:
/// 1 s, 2 s, 4 s … at most 10 s.
pub fn reconnect_delay_ms(attempt: u32) -> u32 {
    1_000u32.saturating_mul(1 << attempt.min(4)).min(10_000)
}

/// The stream URL to resume from the last event seen.
pub fn resume_url(base: &str, last_event_id: Option<&str>) -> String {
    match last_event_id.filter(|id| !id.is_empty()) {
        Some(id) => {
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}last_event_id={id}")
        }
        None => base.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn down_keeps_its_first_moment() {
        let c = Connection::Live.failed(1_000).failed(5_000);
        assert_eq!(c, Connection::Down { since_ms: 1_000 });
        assert_eq!(c.opened(), Connection::Live);
        assert_eq!(Connection::Ended.failed(3), Connection::Ended);
    }

    /// The browser writes clock times with `Intl`; here a moment is its ms.
    fn clock(ms: i64) -> String {
        format!("t{ms}")
    }

    #[test]
    fn a_page_told_of_an_earlier_outage_shows_that_moment() {
        // Joined a shared connection that went down before the page knew.
        let c = Connection::Connecting.failed(9_000).failed(2_000);
        assert_eq!(c, Connection::Down { since_ms: 2_000 });
        assert_eq!(
            c.badge(9_000, Locale::En, clock),
            ("conn-offline", "Offline since t2000".to_string())
        );
    }

    #[test]
    fn badge_turns_from_reconnecting_to_offline() {
        let c = Connection::Down {
            since_ms: 3_723_000,
        };
        assert_eq!(
            c.badge(3_724_000, Locale::En, clock),
            ("conn-reconnecting", "Reconnecting…".to_string())
        );
        assert_eq!(
            c.badge(3_723_000 + OFFLINE_AFTER_MS, Locale::En, clock),
            ("conn-offline", "Offline since t3723000".to_string())
        );
        assert_eq!(Connection::Live.badge(0, Locale::En, clock).1, "Live");
        assert_eq!(
            c.badge(3_723_000 + OFFLINE_AFTER_MS, Locale::De, clock).1,
            "Offline seit t3723000"
        );
    }

    #[test]
    fn backoff_grows_and_caps() {
        let delays: Vec<u32> = (0..7).map(reconnect_delay_ms).collect();
        assert_eq!(
            delays,
            vec![1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]
        );
    }

    #[test]
    fn resume_url_carries_the_last_id() {
        assert_eq!(
            resume_url("/api/events", Some("42")),
            "/api/events?last_event_id=42"
        );
        assert_eq!(
            resume_url("/api/x?a=1", Some("7")),
            "/api/x?a=1&last_event_id=7"
        );
        assert_eq!(resume_url("/api/events", None), "/api/events");
        assert_eq!(resume_url("/api/events", Some("")), "/api/events");
    }
}
