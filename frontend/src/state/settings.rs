//! The dispatcher's settings: when an order's age turns amber and then red.
//!
//! Kept in the browser's local storage as a short text, so every screen at the
//! pass can be tuned to its kitchen's pace.

use crate::i18n::{tr, tr_args, Locale};

/// The local-storage key of the age thresholds.
pub const STORAGE_KEY: &str = "orderboard.age-thresholds";

/// The longest threshold a kitchen may set, in minutes.
pub const MAX_MINUTES: u32 = 240;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeThresholds {
    /// Seconds in one stage after which a card turns amber.
    pub warn_after_secs: u32,
    /// Seconds in one stage after which a card turns red.
    pub late_after_secs: u32,
}

impl Default for AgeThresholds {
    fn default() -> Self {
        AgeThresholds {
            warn_after_secs: 5 * 60,
            late_after_secs: 10 * 60,
        }
    }
}

impl AgeThresholds {
    /// Builds thresholds from minutes typed in the settings panel; the
    /// error is said in `locale`.
    pub fn from_minutes(warn: &str, late: &str, locale: Locale) -> Result<Self, String> {
        let parse = |which: &str, v: &str| -> Result<u32, String> {
            let m: u32 = v
                .trim()
                .parse()
                .map_err(|_| tr(locale, &format!("settings-{which}-not-whole")))?;
            if m == 0 || m > MAX_MINUTES {
                return Err(tr_args(
                    locale,
                    &format!("settings-{which}-range"),
                    &[("max", MAX_MINUTES.into())],
                ));
            }
            Ok(m)
        };
        let (w, l) = (parse("amber", warn)?, parse("red", late)?);
        if w >= l {
            return Err(tr(locale, "settings-red-after-amber"));
        }
        Ok(AgeThresholds {
            warn_after_secs: w * 60,
            late_after_secs: l * 60,
        })
    }

    pub fn warn_minutes(&self) -> u32 {
        self.warn_after_secs / 60
    }

    pub fn late_minutes(&self) -> u32 {
        self.late_after_secs / 60
    }

    /// The stored form: `warn,late` in seconds.
    pub fn encode(&self) -> String {
        format!("{},{}", self.warn_after_secs, self.late_after_secs)
    }

    /// Reads the stored form; anything unreadable gives the defaults.
    pub fn decode(stored: Option<&str>) -> Self {
        stored
            .and_then(|s| s.split_once(','))
            .and_then(|(w, l)| Some((w.trim().parse::<u32>().ok()?, l.trim().parse::<u32>().ok()?)))
            .filter(|(w, l)| *w > 0 && w < l && *l <= MAX_MINUTES * 60)
            .map(|(w, l)| AgeThresholds {
                warn_after_secs: w,
                late_after_secs: l,
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_falls_back_to_defaults() {
        let t = AgeThresholds::from_minutes("3", " 8 ", Locale::En).unwrap();
        assert_eq!(
            t,
            AgeThresholds {
                warn_after_secs: 180,
                late_after_secs: 480
            }
        );
        assert_eq!(AgeThresholds::decode(Some(&t.encode())), t);
        for junk in [
            None,
            Some(""),
            Some("abc"),
            Some("600,300"),
            Some("0,10"),
            Some("1,999999"),
        ] {
            assert_eq!(AgeThresholds::decode(junk), AgeThresholds::default());
        }
    }

    #[test]
    fn refuses_nonsense() {
        assert!(AgeThresholds::from_minutes("10", "5", Locale::En)
            .unwrap_err()
            .contains("after amber"));
        assert!(AgeThresholds::from_minutes("0", "5", Locale::En).is_err());
        assert!(AgeThresholds::from_minutes("x", "5", Locale::En)
            .unwrap_err()
            .contains("whole number"));
        assert!(AgeThresholds::from_minutes("5", "999", Locale::En).is_err());
    }
}
