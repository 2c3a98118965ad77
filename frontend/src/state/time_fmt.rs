//! Moments as numbers the browser's `Intl.DateTimeFormat` takes.
//!
//! The UI writes clock times with `Intl` at the moment of writing
//! (`live::clock`), in the device's zone and language, so each instant gets
//! the zone's offset in force then (a board left on over a daylight-saving
//! change shows the right time). Nothing here caches an offset.

use time::OffsetDateTime;

/// Milliseconds since the Unix epoch.
pub fn unix_ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn moments_become_epoch_milliseconds() {
        assert_eq!(unix_ms(datetime!(1970-01-01 00:00:01.250 UTC)), 1_250);
        assert_eq!(unix_ms(datetime!(2026-03-29 01:00 UTC)), 1_774_746_000_000);
    }
}
