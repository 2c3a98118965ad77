//! Outbound webhooks: what staff register, and what they see of an
//! endpoint and of its delivery attempts.
//!
//! Deliveries follow the Standard Webhooks specification: each message is
//! signed with the endpoint's secret (`whsec_…`, shown once, when the
//! endpoint is registered) and carries `webhook-id`, `webhook-timestamp`
//! and `webhook-signature` headers. The body is
//! `{"type": "order.created", "timestamp": "…", "data": <OrderEvent>}`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What an endpoint can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WebhookEventType {
    /// An order was made.
    #[serde(rename = "order.created")]
    OrderCreated,
    /// An order moved one stage forward or back.
    #[serde(rename = "order.stage_changed")]
    OrderStageChanged,
    /// An order was cancelled.
    #[serde(rename = "order.cancelled")]
    OrderCancelled,
    /// An item of an order was bumped as done.
    #[serde(rename = "order.item_done")]
    OrderItemDone,
}

impl WebhookEventType {
    pub const ALL: [WebhookEventType; 4] = [
        WebhookEventType::OrderCreated,
        WebhookEventType::OrderStageChanged,
        WebhookEventType::OrderCancelled,
        WebhookEventType::OrderItemDone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEventType::OrderCreated => "order.created",
            WebhookEventType::OrderStageChanged => "order.stage_changed",
            WebhookEventType::OrderCancelled => "order.cancelled",
            WebhookEventType::OrderItemDone => "order.item_done",
        }
    }

    pub fn parse(s: &str) -> Option<WebhookEventType> {
        WebhookEventType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The types of the messages a change gives, in the order they are
    /// sent: an item bump as done is `order.item_done`, followed by
    /// `order.stage_changed` when it moved the order; an item marked not
    /// done again, or a settings change, gives none.
    pub fn of_change(change: &crate::Change) -> Vec<WebhookEventType> {
        use crate::ChangeKind;
        match change.kind {
            ChangeKind::Created => vec![WebhookEventType::OrderCreated],
            ChangeKind::Advance | ChangeKind::Recall => vec![WebhookEventType::OrderStageChanged],
            ChangeKind::Cancel => vec![WebhookEventType::OrderCancelled],
            ChangeKind::Item => {
                let mut out = Vec::new();
                if change.item.is_some_and(|i| i.done) {
                    out.push(WebhookEventType::OrderItemDone);
                }
                if change.moved() {
                    out.push(WebhookEventType::OrderStageChanged);
                }
                out
            }
            ChangeKind::Settings => Vec::new(),
        }
    }
}

/// The longest endpoint URL accepted.
pub const MAX_WEBHOOK_URL_CHARS: usize = 2000;

/// The body of `POST /api/webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// An `http://` or `https://` URL that accepts `POST`.
    pub url: String,
    /// At least one.
    pub events: Vec<WebhookEventType>,
}

impl NewWebhook {
    /// The URL trimmed and the events sorted without repeats, or the first
    /// field that breaks a limit. The URL's syntax is checked by the server.
    pub fn normalized(mut self) -> Result<NewWebhook, crate::ValidationError> {
        self.url = self.url.trim().to_string();
        let chars = self.url.chars().count();
        if chars == 0 || chars > MAX_WEBHOOK_URL_CHARS {
            return Err(crate::order::invalid(
                "url",
                format!("must be 1 to {MAX_WEBHOOK_URL_CHARS} characters, got {chars}"),
            ));
        }
        let lower = self.url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(crate::order::invalid(
                "url",
                "must be an http:// or https:// URL",
            ));
        }
        self.events.sort();
        self.events.dedup();
        if self.events.is_empty() {
            return Err(crate::order::invalid(
                "events",
                "an endpoint needs at least one event type",
            ));
        }
        Ok(self)
    }
}

/// An endpoint as staff see it in `GET /api/webhooks`: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookInfo {
    pub id: String,
    pub url: String,
    pub events: Vec<WebhookEventType>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Every change up to this event log sequence number was delivered (or
    /// was not of a subscribed type).
    pub delivered_through: u64,
    /// Since when the endpoint has been refusing the message it is being
    /// sent; none while it answers.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub failing_since: Option<OffsetDateTime>,
    /// When the endpoint was disabled for failing too long: nothing more is
    /// sent to it.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub disabled_at: Option<OffsetDateTime>,
}

/// The answer of `POST /api/webhooks`: the signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedWebhook {
    /// `whsec_` and the base64 of the key that signs every message.
    pub secret: String,
    #[serde(flatten)]
    pub info: WebhookInfo,
}

/// One attempt to deliver one message, in `GET /api/webhooks/{id}/deliveries`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAttempt {
    /// The message's `webhook-id`: the same on every attempt (`msg_<seq>`).
    pub msg_id: String,
    /// The event log sequence number of the change.
    pub seq: u64,
    #[serde(rename = "type")]
    pub event_type: WebhookEventType,
    /// 1 for the first attempt at this message.
    pub attempt: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The endpoint's HTTP status, if it answered.
    pub status: Option<u16>,
    /// Why the attempt failed without an answer (timeout, refused…).
    pub error: Option<String>,
    /// Whether the endpoint took the message (a 2xx answer).
    pub delivered: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Change, ChangeKind, ItemChange, Stage};

    #[test]
    fn a_change_gives_the_types_of_its_messages() {
        let change = |kind, from, to, item: Option<(u16, bool)>| Change {
            from,
            to,
            kind,
            item: item.map(|(index, done)| ItemChange { index, done }),
        };
        use WebhookEventType::*;
        let p = Some(Stage::Preparing);
        for (c, want) in [
            (
                change(ChangeKind::Created, None, Stage::Received, None),
                vec![OrderCreated],
            ),
            (
                change(ChangeKind::Advance, p, Stage::Ready, None),
                vec![OrderStageChanged],
            ),
            (
                change(ChangeKind::Cancel, p, Stage::Cancelled, None),
                vec![OrderCancelled],
            ),
            (
                change(ChangeKind::Item, p, Stage::Preparing, Some((0, true))),
                vec![OrderItemDone],
            ),
            (
                change(ChangeKind::Item, p, Stage::Ready, Some((1, true))),
                vec![OrderItemDone, OrderStageChanged],
            ),
            (
                change(ChangeKind::Item, p, Stage::Preparing, Some((0, false))),
                vec![],
            ),
            (
                change(ChangeKind::Settings, None, Stage::Received, None),
                vec![],
            ),
        ] {
            assert_eq!(WebhookEventType::of_change(&c), want, "{c:?}");
        }
    }

    #[test]
    fn event_types_are_named_as_on_the_wire() {
        for t in WebhookEventType::ALL {
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            assert_eq!(WebhookEventType::parse(t.as_str()), Some(t));
        }
    }

    #[test]
    fn only_http_urls_and_some_events_are_accepted() {
        let new = |url: &str, events: Vec<WebhookEventType>| {
            NewWebhook {
                url: url.into(),
                events,
            }
            .normalized()
        };
        let one = vec![WebhookEventType::OrderCreated];
        assert!(new(" https://example.com/hook ", one.clone()).is_ok());
        assert!(new("HTTP://example.com", one.clone()).is_ok());
        for bad in ["", "ftp://x", "example.com", "javascript:alert(1)"] {
            assert_eq!(new(bad, one.clone()).unwrap_err().field, "url", "{bad}");
        }
        assert_eq!(new("http://x", vec![]).unwrap_err().field, "events");
    }
}
