//! Times as the UI writes them: wall-clock `HH:MM:SS` in the browser's zone.
//!
//! The browser tells the page its zone offset; these functions only do the
//! arithmetic, so they are the same natively and in WASM.

use time::OffsetDateTime;

/// Milliseconds since the Unix epoch.
pub fn unix_ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// `HH:MM:SS` for a moment, given the zone's offset east of UTC in minutes.
pub fn clock_hms(ms: i64, offset_minutes: i32) -> String {
    let (h, m, s) = clock_parts(ms, offset_minutes);
    format!("{h:02}:{m:02}:{s:02}")
}

/// `HH:MM` for a moment, given the zone's offset east of UTC in minutes.
pub fn clock_hm(ms: i64, offset_minutes: i32) -> String {
    let (h, m, _) = clock_parts(ms, offset_minutes);
    format!("{h:02}:{m:02}")
}

fn clock_parts(ms: i64, offset_minutes: i32) -> (i64, i64, i64) {
    let local_secs = ms.div_euclid(1000) + offset_minutes as i64 * 60;
    let day_secs = local_secs.rem_euclid(86_400);
    (day_secs / 3600, day_secs % 3600 / 60, day_secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_wall_clock_in_the_local_zone() {
        let ms = unix_ms(datetime!(2026-03-14 23:05:09.900 UTC));
        assert_eq!(clock_hms(ms, 0), "23:05:09");
        assert_eq!(clock_hms(ms, 60), "00:05:09");
        assert_eq!(clock_hm(ms, -330), "17:35");
        assert_eq!(clock_hms(-1, 0), "23:59:59");
    }
}
