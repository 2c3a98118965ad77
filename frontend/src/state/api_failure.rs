//! What went wrong with an API call, in words a dispatcher can act on.
//!
//! A 409 carries the order's real state and the stages it may move to now;
//! the dispatcher sees that plainly ("someone else already moved it"), and the
//! page puts the real order on the board right away.

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

    /// A title and a sentence for the page.
    pub fn describe(&self) -> (String, String) {
        match self {
            ApiFailure::Network(_) => (
                "Server not reachable".into(),
                "The change was not saved. Check the connection and try again.".into(),
            ),
            ApiFailure::Http { status, body: None } => (
                "Request failed".into(),
                format!("The server answered with status {status}."),
            ),
            ApiFailure::Http { body: Some(b), .. } => describe_error(&b.error),
        }
    }
}

fn describe_error(e: &ApiErrorDetail) -> (String, String) {
    let title = match e.code {
        ErrorCode::VersionConflict => "Someone else changed this order first",
        ErrorCode::StageConflict => "That change is no longer possible",
        ErrorCode::NumberInUse => "Number in use",
        ErrorCode::ValidationFailed => "Check the order",
        ErrorCode::NotFound => "Not found",
        ErrorCode::NoFreeNumber => "No free order number",
        ErrorCode::TooManyChanges => "This order cannot change any more",
        ErrorCode::DemoNotRunning => "The demo is not running",
        _ => "Request failed",
    };
    let text = match e.order.as_deref() {
        // The real state says more than the server's sentence; the number-in-use
        // message names the other order, so it stays.
        Some(o) => {
            let allowed: Vec<&str> = e.allowed.iter().flatten().map(|s| s.label()).collect();
            let next = match allowed.as_slice() {
                [] => "it cannot move any more".to_string(),
                [one] => format!("it can move to {one}"),
                [rest @ .., last] => format!("it can move to {} or {last}", rest.join(", ")),
            };
            let real = format!(
                "Order {} ({}) is now {}; {next}. Your change was not applied.",
                o.number,
                o.channel.as_str(),
                o.stage.label(),
            );
            if e.code == ErrorCode::NumberInUse {
                format!("{} {real}", ensure_period(&e.message))
            } else {
                real
            }
        }
        None => ensure_period(&e.message),
    };
    (title.into(), text)
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
        let (title, text) = f.describe();
        assert_eq!(title, "Someone else changed this order first");
        assert_eq!(
            text,
            "Order 12 (pickup) is now Ready; it can move to Collected, Preparing or Cancelled. \
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
            f.describe(),
            ("Check the order".into(), "must not be empty.".into())
        );
        assert_eq!(
            ApiFailure::from_response(502, "<html>").describe().1,
            "The server answered with status 502."
        );
        assert_eq!(
            ApiFailure::Network("x".into()).describe().0,
            "Server not reachable"
        );
        assert_eq!(
            ApiFailure::from_response(
                409,
                r#"{"error":{"code":"demo_not_running","message":"start the demo first"}}"#,
            )
            .describe(),
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
        assert_eq!(f.describe().1, "sign in as staff first.");
        assert!(!ApiFailure::from_response(403, "").is_unauthorized());
    }
}
