//! How long an order has been in its stage, and how worried to be about it.

use crate::state::settings::AgeThresholds;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Normal,
    Warning,
    Late,
}

impl Urgency {
    pub fn css_class(self) -> &'static str {
        match self {
            Urgency::Normal => "age-normal",
            Urgency::Warning => "age-warning",
            Urgency::Late => "age-late",
        }
    }

    /// The word beside the age, so that colour is never the only signal
    /// (a catalogue id).
    pub fn flag(self) -> Option<&'static str> {
        match self {
            Urgency::Normal => None,
            Urgency::Warning => Some("age-slow"),
            Urgency::Late => Some("age-late"),
        }
    }
}

/// Whole seconds from `since_ms` to `now_ms`; never negative (clocks drift).
pub fn age_secs(since_ms: i64, now_ms: i64) -> i64 {
    ((now_ms - since_ms) / 1000).max(0)
}

pub fn urgency(age_secs: i64, thresholds: &AgeThresholds) -> Urgency {
    if age_secs >= thresholds.late_after_secs as i64 {
        Urgency::Late
    } else if age_secs >= thresholds.warn_after_secs as i64 {
        Urgency::Warning
    } else {
        Urgency::Normal
    }
}

/// `m:ss` under an hour, `h:mm:ss` beyond.
pub fn format_age(secs: i64) -> String {
    let secs = secs.max(0);
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_turn_amber_then_red() {
        let t = AgeThresholds::default();
        assert_eq!(urgency(299, &t), Urgency::Normal);
        assert_eq!(urgency(300, &t), Urgency::Warning);
        assert_eq!(urgency(599, &t), Urgency::Warning);
        assert_eq!(urgency(600, &t), Urgency::Late);
    }

    #[test]
    fn ageing_is_said_in_words_too() {
        assert_eq!(Urgency::Normal.flag(), None);
        assert!(Urgency::Warning.flag().is_some_and(|f| f.contains("slow")));
        assert!(Urgency::Late.flag().is_some_and(|f| f.contains("late")));
    }

    #[test]
    fn formats_ages() {
        assert_eq!(format_age(0), "0:00");
        assert_eq!(format_age(65), "1:05");
        assert_eq!(format_age(3600 + 62), "1:01:02");
        assert_eq!(age_secs(10_000, 4_000), 0);
        assert_eq!(age_secs(1_000, 62_999), 61);
    }
}
