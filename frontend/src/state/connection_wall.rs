//! The workshop's six-connection wall: N boards in frames, each showing
//! whether its stream is live, and what that adds up to.
//!
//! Over HTTP/1.1 a browser opens at most six connections to one host, for
//! the whole browser profile; an open event stream holds one for its whole
//! life. Boards that each own their stream therefore stall beyond the sixth
//! (fewer: the workshop page's own stream holds one too). The panel opens the
//! board twice: with `?connection=own`, which always gives the page its own
//! EventSource, and with the pages' default connection.

/// How a framed board connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardConnection {
    /// `?connection=own`: the page opens its own EventSource.
    Own,
    /// No switch: whatever the pages do by default.
    Default,
}

impl BoardConnection {
    /// The board's address for this way of connecting.
    pub fn board_url(self) -> &'static str {
        match self {
            BoardConnection::Own => "/board?connection=own",
            BoardConnection::Default => "/board",
        }
    }

    /// The `connection` switch of a page's query string (`?connection=own`).
    pub fn from_query(search: &str) -> BoardConnection {
        let own = search
            .trim_start_matches('?')
            .split('&')
            .any(|pair| pair == "connection=own");
        if own {
            BoardConnection::Own
        } else {
            BoardConnection::Default
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BoardConnection::Own => "own",
            BoardConnection::Default => "default",
        }
    }
}

/// What one framed board's connection badge says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameState {
    /// Not loaded yet (or its badge cannot be read).
    Loading,
    Live,
    /// Connecting or reconnecting: its stream has no connection.
    Waiting,
}

impl FrameState {
    /// From the class list of a board's connection badge (`conn conn-live`).
    pub fn from_badge_class(class: Option<&str>) -> FrameState {
        match class {
            None => FrameState::Loading,
            Some(c) if c.split_whitespace().any(|c| c == "conn-live") => FrameState::Live,
            Some(_) => FrameState::Waiting,
        }
    }
}

/// One group of frames, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WallCount {
    pub live: usize,
    pub waiting: usize,
    pub loading: usize,
}

impl WallCount {
    pub fn of(states: &[FrameState]) -> WallCount {
        let mut c = WallCount::default();
        for s in states {
            match s {
                FrameState::Live => c.live += 1,
                FrameState::Waiting => c.waiting += 1,
                FrameState::Loading => c.loading += 1,
            }
        }
        c
    }

    /// A line for people: `5 of 8 live, 3 waiting for a connection`.
    pub fn words(&self) -> String {
        let total = self.live + self.waiting + self.loading;
        let mut out = format!("{} of {total} live", self.live);
        if self.waiting > 0 {
            out += &format!(", {} waiting for a connection", self.waiting);
        }
        if self.loading > 0 {
            out += &format!(", {} loading", self.loading);
        }
        out
    }
}

/// How many boards a group may hold.
pub const MIN_FRAMES: usize = 1;
pub const MAX_FRAMES: usize = 12;
pub const DEFAULT_FRAMES: usize = 8;

/// The number of frames as typed, within the limits.
pub fn frames_from(typed: &str) -> Option<usize> {
    typed
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (MIN_FRAMES..=MAX_FRAMES).contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_reads_the_query_string() {
        assert_eq!(
            BoardConnection::from_query("?connection=own"),
            BoardConnection::Own
        );
        assert_eq!(
            BoardConnection::from_query("?x=1&connection=own"),
            BoardConnection::Own
        );
        assert_eq!(BoardConnection::from_query(""), BoardConnection::Default);
        assert_eq!(
            BoardConnection::from_query("?connection=shared"),
            BoardConnection::Default
        );
        for c in [BoardConnection::Own, BoardConnection::Default] {
            let query = c.board_url().split_once('?').map_or("", |(_, q)| q);
            assert_eq!(BoardConnection::from_query(query), c);
        }
    }

    #[test]
    fn frames_are_counted_from_their_badges() {
        let states = [
            FrameState::from_badge_class(Some("conn conn-live")),
            FrameState::from_badge_class(Some("conn conn-live")),
            FrameState::from_badge_class(Some("conn conn-connecting")),
            FrameState::from_badge_class(Some("conn conn-reconnecting")),
            FrameState::from_badge_class(None),
        ];
        let c = WallCount::of(&states);
        assert_eq!(
            c,
            WallCount {
                live: 2,
                waiting: 2,
                loading: 1
            }
        );
        assert_eq!(
            c.words(),
            "2 of 5 live, 2 waiting for a connection, 1 loading"
        );
        assert_eq!(WallCount::of(&[FrameState::Live]).words(), "1 of 1 live");
    }

    #[test]
    fn frame_counts_have_limits() {
        assert_eq!(frames_from(" 8 "), Some(8));
        assert_eq!(frames_from("0"), None);
        assert_eq!(frames_from("13"), None);
        assert_eq!(frames_from("many"), None);
    }
}
