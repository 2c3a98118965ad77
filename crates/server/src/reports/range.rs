//! The time range and zone of a report, an export or a history search.

use crate::error::ApiError;
use orderboard_model::reports::MAX_RANGE_DAYS;
use orderboard_model::ValidationError;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::Validation(ValidationError {
        field: field.into(),
        message: message.into(),
    })
}

/// An RFC 3339 time (`2026-12-03T00:00:00Z`, `2026-12-03T01:00:00+01:00`).
pub fn parse_time(field: &str, text: &str) -> Result<OffsetDateTime, ApiError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
        invalid(
            field,
            format!("must be an RFC 3339 time such as 2026-12-03T00:00:00Z, got {text:?}"),
        )
    })
}

/// `[from, to)`: `from` not after `to`, at most [`MAX_RANGE_DAYS`] apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
}

impl Range {
    /// Checks both ends and their distance, naming the field at fault.
    pub fn parse(from: &str, to: &str) -> Result<Range, ApiError> {
        Range::check(parse_time("from", from)?, parse_time("to", to)?)
    }

    pub fn check(from: OffsetDateTime, to: OffsetDateTime) -> Result<Range, ApiError> {
        if from > to {
            return Err(invalid("to", "must not be before from"));
        }
        if to - from > Duration::days(MAX_RANGE_DAYS) {
            return Err(invalid(
                "to",
                format!("the range may cover at most {MAX_RANGE_DAYS} days"),
            ));
        }
        Ok(Range { from, to })
    }
}

/// An IANA time zone (`Europe/Berlin`), UTC if none is named.
pub fn parse_zone(name: Option<&str>) -> Result<jiff::tz::TimeZone, ApiError> {
    match name {
        None => Ok(jiff::tz::TimeZone::UTC),
        Some(name) => jiff::tz::TimeZone::get(name).map_err(|_| {
            invalid(
                "tz",
                format!("must be an IANA time zone such as Europe/Berlin, got {name:?}"),
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked() {
        assert!(Range::parse("2026-01-01T00:00:00Z", "2026-01-02T00:00:00+01:00").is_ok());
        assert!(Range::parse("2026-01-01", "2026-01-02T00:00:00Z").is_err());
        assert!(Range::parse("2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z").is_err());
        assert!(Range::parse("2025-01-01T00:00:00Z", "2026-01-03T00:00:00Z").is_err());
        assert!(parse_zone(Some("Nowhere/Atlantis")).is_err());
    }
}
