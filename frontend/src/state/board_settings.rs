//! The board's own setting: how long a ready order that nobody collects
//! stays on the board (it stays on the dispatcher until someone moves it).
//!
//! The kitchen's shared settings give the default (`board_ready_minutes`,
//! sent to boards on their stream); a board given its own in its address
//! (`/board?ready_minutes=20`; `0` keeps ready orders until collected)
//! uses that instead and remembers it in its own browser.

/// The local-storage key of the board's setting.
pub const STORAGE_KEY: &str = "orderboard.board.ready-minutes";

pub const DEFAULT_READY_MINUTES: u32 = 15;

/// The longest time a kitchen may set, in minutes.
pub const MAX_READY_MINUTES: u32 = 24 * 60;

/// Minutes an uncollected ready order stays on the board; 0: until collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadyMinutes(pub u32);

impl Default for ReadyMinutes {
    fn default() -> Self {
        ReadyMinutes(DEFAULT_READY_MINUTES)
    }
}

impl ReadyMinutes {
    fn parse(text: &str) -> Option<Self> {
        let m: u32 = text.trim().parse().ok()?;
        (m <= MAX_READY_MINUTES).then_some(ReadyMinutes(m))
    }

    /// From the page's query string, else the stored setting, else the default.
    /// The second value is what to store (a setting given in the address).
    pub fn resolve(search: &str, stored: Option<&str>) -> (Self, Option<String>) {
        let given = search
            .trim_start_matches('?')
            .split('&')
            .find_map(|pair| pair.strip_prefix("ready_minutes="))
            .and_then(Self::parse);
        match given {
            Some(m) => (m, Some(m.0.to_string())),
            None => (stored.and_then(Self::parse).unwrap_or_default(), None),
        }
    }

    /// This board's own choice, if it has one: its address, else what it
    /// remembered from an earlier address. Without one the kitchen's shared
    /// setting applies.
    pub fn own(search: &str, stored: Option<&str>) -> Option<Self> {
        let given = search
            .trim_start_matches('?')
            .split('&')
            .find_map(|pair| pair.strip_prefix("ready_minutes="))
            .and_then(Self::parse);
        given.or_else(|| stored.and_then(Self::parse))
    }

    /// How long in milliseconds, or `None` to keep ready orders until collected.
    pub fn keep_ms(self) -> Option<i64> {
        (self.0 > 0).then_some(i64::from(self.0) * 60_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_an_own_choice_the_shared_setting_applies() {
        assert_eq!(ReadyMinutes::own("", None), None);
        assert_eq!(
            ReadyMinutes::own("?ready_minutes=3", Some("5")),
            Some(ReadyMinutes(3))
        );
        assert_eq!(ReadyMinutes::own("?x=1", Some("5")), Some(ReadyMinutes(5)));
    }

    #[test]
    fn the_address_wins_and_is_remembered() {
        assert_eq!(
            ReadyMinutes::resolve("?ready_minutes=20", Some("5")),
            (ReadyMinutes(20), Some("20".into()))
        );
        assert_eq!(
            ReadyMinutes::resolve("?connection=own&ready_minutes=0", None),
            (ReadyMinutes(0), Some("0".into()))
        );
    }

    #[test]
    fn otherwise_the_stored_setting_or_fifteen_minutes() {
        assert_eq!(
            ReadyMinutes::resolve("", Some("7")),
            (ReadyMinutes(7), None)
        );
        assert_eq!(ReadyMinutes::resolve("", None), (ReadyMinutes(15), None));
        assert_eq!(
            ReadyMinutes::resolve("?ready_minutes=soon", Some("junk")),
            (ReadyMinutes(15), None)
        );
        assert_eq!(
            ReadyMinutes::resolve("?ready_minutes=99999", None),
            (ReadyMinutes(15), None)
        );
    }

    #[test]
    fn zero_keeps_ready_orders_until_collected() {
        assert_eq!(ReadyMinutes(0).keep_ms(), None);
        assert_eq!(ReadyMinutes(2).keep_ms(), Some(120_000));
    }
}
