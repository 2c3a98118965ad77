//! The reports page's view logic: the report form's query, durations as
//! people read them, and bar widths. Nothing here touches the browser.

use orderboard_model::reports::GroupBy;

/// The report form: calendar days (`2026-12-03`), both included, read in `tz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportForm {
    pub from_day: String,
    pub to_day: String,
    pub by: GroupBy,
    pub tz: String,
}

pub const GROUPINGS: [(GroupBy, &str); 4] = [
    (GroupBy::Hour, "hour"),
    (GroupBy::Day, "day"),
    (GroupBy::Station, "station"),
    (GroupBy::Item, "item"),
];

pub fn group_by_name(by: GroupBy) -> &'static str {
    GROUPINGS
        .iter()
        .find(|(g, _)| *g == by)
        .map(|(_, n)| *n)
        .unwrap_or("day")
}

pub fn parse_group_by(name: &str) -> Option<GroupBy> {
    GROUPINGS.iter().find(|(_, n)| *n == name).map(|(g, _)| *g)
}

fn day(text: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text.trim(), &format).ok()
}

impl ReportForm {
    /// The query of `GET /api/reports/prep-times` (its values need no
    /// escaping but the zone's, which `escape` does), or what is wrong.
    /// The range is read in UTC: from the start of the first day to the end
    /// of the last.
    pub fn query(&self, escape: impl Fn(&str) -> String) -> Result<String, String> {
        let tz = self.tz.trim();
        let mut query = format!("{}&by={}", self.range_query()?, group_by_name(self.by));
        if !tz.is_empty() && tz != "UTC" {
            query.push_str(&format!("&tz={}", escape(tz)));
        }
        Ok(query)
    }

    /// `from=…&to=…`, the range alone (the CSV export's query).
    pub fn range_query(&self) -> Result<String, String> {
        let from = day(&self.from_day).ok_or("From: a day such as 2026-12-03")?;
        let to = day(&self.to_day).ok_or("To: a day such as 2026-12-03")?;
        if to < from {
            return Err("To must not be before From".into());
        }
        let end = to.next_day().ok_or("To: a day such as 2026-12-03")?;
        Ok(format!("from={from}T00:00:00Z&to={end}T00:00:00Z"))
    }
}

/// A duration for people: `42 s`, `3 min 05 s`, `1 h 02 min`; `–` for none.
pub fn duration_label(ms: Option<u64>) -> String {
    let Some(ms) = ms else {
        return "–".into();
    };
    let secs = ms / 1000;
    match secs {
        0 => format!("{ms} ms"),
        1..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min {:02} s", secs / 60, secs % 60),
        _ => format!("{} h {:02} min", secs / 3600, secs % 3600 / 60),
    }
}

/// A bar's width in percent of the longest.
pub fn bar_percent(value: Option<u64>, max: u64) -> f64 {
    match value {
        Some(v) if max > 0 => (v as f64 / max as f64 * 100.0).clamp(0.0, 100.0),
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(from: &str, to: &str) -> ReportForm {
        ReportForm {
            from_day: from.into(),
            to_day: to.into(),
            by: GroupBy::Hour,
            tz: "Europe/Berlin".into(),
        }
    }

    #[test]
    fn the_form_makes_the_query_or_says_what_is_wrong() {
        assert_eq!(
            form("2026-12-01", "2026-12-03").query(|t| t.replace('/', "%2F")),
            Ok(
                "from=2026-12-01T00:00:00Z&to=2026-12-04T00:00:00Z&by=hour&tz=Europe%2FBerlin"
                    .into()
            )
        );
        assert!(form("yesterday", "2026-12-03")
            .query(str::to_string)
            .is_err());
        assert!(form("2026-12-04", "2026-12-03")
            .query(str::to_string)
            .is_err());
    }

    #[test]
    fn durations_read_like_a_clock() {
        assert_eq!(duration_label(None), "–");
        assert_eq!(duration_label(Some(250)), "250 ms");
        assert_eq!(duration_label(Some(42_000)), "42 s");
        assert_eq!(duration_label(Some(185_000)), "3 min 05 s");
        assert_eq!(duration_label(Some(3_720_000)), "1 h 02 min");
        assert_eq!(bar_percent(Some(50), 200), 25.0);
        assert_eq!(bar_percent(None, 200), 0.0);
        assert_eq!(parse_group_by("item"), Some(GroupBy::Item));
    }
}
