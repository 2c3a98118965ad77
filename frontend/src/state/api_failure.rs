//! What went wrong with an API call, in words a dispatcher can act on.
//!
//! A 409 carries the order's real state and the stages it may move to now;
//! the dispatcher sees that plainly ("someone else already moved it"), and the
//! page puts the real order on the board right away.

use crate::i18n::{tr, tr_args, Locale};
use crate::state::labels::{channel_label, stage_label};
use orderboard_model::{ApiErrorBody, ApiErrorDetail, ErrorCode, Order};

#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// No answer at all: the server is down or the network is gone.
    Network(String),
    /// An answer with an error status, and its body if it had the API's error shape.
    Http {
        status: u16,
        body: Option<ApiErrorBody>,
    },
}

impl ApiFailure {
    pub fn from_response(status: u16, text: &str) -> Self {
        ApiFailure::Http {
            status,
            body: serde_json::from_str(text).ok(),
        }
    }

    pub fn detail(&self) -> Option<&ApiErrorDetail> {
        match self {
            ApiFailure::Http { body: Some(b), .. } => Some(&b.error),
            _ => None,
        }
    }

    /// The order's real state, when the server sent it with a conflict.
    pub fn conflict_order(&self) -> Option<&Order> {
        self.detail().and_then(|d| d.order.as_deref())
    }

    /// The field at fault, for validation errors.
    pub fn field(&self) -> Option<&str> {
        self.detail().and_then(|d| d.field.as_deref())
    }

    pub fn is_conflict(&self) -> bool {
        matches!(self, ApiFailure::Http { status: 409, .. })
    }

    /// A staff request without a live session: the page should offer sign-in.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ApiFailure::Http { status: 401, .. })
    }

    /// A title and a sentence for the page, in `locale`. The server's own
    /// message (English, the API's) is shown as it came when it is the best
    /// explanation there is.
    pub fn describe(&self, locale: Locale) -> (String, String) {
        match self {
            ApiFailure::Network(_) => (
                tr(locale, "failure-network"),
                tr(locale, "failure-network-text"),
            ),
            ApiFailure::Http { status, body: None } => (
                tr(locale, "failure-request"),
                tr_args(locale, "failure-status", &[("status", (*status).into())]),
            ),
            ApiFailure::Http { body: Some(b), .. } => describe_error(&b.error, locale),
        }
    }
}

fn describe_error(e: &ApiErrorDetail, locale: Locale) -> (String, String) {
    let title = tr(
        locale,
        match e.code {
            ErrorCode::VersionConflict => "failure-version-conflict",
            ErrorCode::StageConflict => "failure-stage-conflict",
            ErrorCode::NumberInUse => "failure-number-in-use",
            ErrorCode::ValidationFailed => "failure-validation",
            ErrorCode::NotFound => "failure-not-found",
            ErrorCode::NoFreeNumber => "failure-no-free-number",
            ErrorCode::TooManyChanges => "failure-too-many-changes",
            ErrorCode::DemoNotRunning => "failure-demo-not-running",
            _ => "failure-request",
        },
    );
    let text = match e.order.as_deref() {
        // The real state says more than the server's sentence; the number-in-use
        // message names the other order, so it stays.
        Some(o) => {
            let allowed: Vec<String> = e
                .allowed
                .iter()
                .flatten()
                .map(|s| stage_label(locale, *s))
                .collect();
            let next = match allowed.as_slice() {
                [] => tr(locale, "failure-cannot-move"),
                [one] => tr_args(locale, "failure-can-move", &[("stages", one.into())]),
                [rest @ .., last] => tr_args(
                    locale,
                    "failure-can-move-either",
                    &[("stages", (&rest.join(", ")).into()), ("last", last.into())],
                ),
            };
            let real = tr_args(
                locale,
                "failure-real-state",
                &[
                    ("number", o.number.into()),
                    ("channel", (&channel_label(locale, o.channel)).into()),
                    ("stage", (&stage_label(locale, o.stage)).into()),
                    ("next", (&next).into()),
                ],
            );
            if e.code == ErrorCode::NumberInUse {
                format!("{} {real}", ensure_period(&e.message))
            } else {
                real
            }
        }
        None => ensure_period(&e.message),
    };
    (title, text)
}

fn ensure_period(s: &str) -> String {
    let s = s.trim();
    if s.ends_with(['.', '!', '?']) {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::fixtures::*;
    use orderboard_model::Stage;

    #[test]
    fn a_conflict_says_the_real_state() {
        let real = moved(&moved(&order(12), Stage::Preparing), Stage::Ready);
        let body = serde_json::json!({"error": {
            "code": "version_conflict", "message": "expected version 2, the order is at version 3",
            "order": real, "allowed": ["collected", "preparing", "cancelled"]
        }});
        let f = ApiFailure::from_response(409, &body.to_string());
        assert!(f.is_conflict());
        assert_eq!(f.conflict_order().unwrap().number, 12);
        let (title, text) = f.describe(Locale::En);
        assert!(f
            .describe(Locale::De)
            .1
            .starts_with("Bestellung 12 (Abholung) ist jetzt Fertig"));
        assert_eq!(title, "Someone else changed this order first");
        assert_eq!(
            text,
            "Order 12 (Pickup) is now Ready; it can move to Collected, Preparing or Cancelled. \
             Your change was not applied."
        );
    }

    #[test]
    fn other_failures_are_plain() {
        let f = ApiFailure::from_response(
            422,
            r#"{"error":{"code":"validation_failed","message":"must not be empty","field":"items[0].name"}}"#,
        );
        assert_eq!(f.field(), Some("items[0].name"));
        assert_eq!(
            f.describe(Locale::En),
            ("Check the order".into(), "must not be empty.".into())
        );
        assert_eq!(
            ApiFailure::from_response(502, "<html>")
                .describe(Locale::En)
                .1,
            "The server answered with status 502."
        );
        assert_eq!(
            ApiFailure::Network("x".into()).describe(Locale::En).0,
            "Server not reachable"
        );
        assert_eq!(
            ApiFailure::from_response(
                409,
                r#"{"error":{"code":"demo_not_running","message":"start the demo first"}}"#,
            )
            .describe(Locale::En),
            (
                "The demo is not running".into(),
                "start the demo first.".into()
            )
        );
    }

    #[test]
    fn unauthorized_is_recognised() {
        let f = ApiFailure::from_response(
            401,
            r#"{"error":{"code":"unauthorized","message":"sign in as staff first"}}"#,
        );
        assert!(f.is_unauthorized() && !f.is_conflict());
        assert_eq!(f.describe(Locale::En).1, "sign in as staff first.");
        assert!(!ApiFailure::from_response(403, "").is_unauthorized());
    }
}
