//! The dispatcher's "Webhooks" section: the endpoints that changes are sent
//! to, the form that registers one, the signing secret shown once, and
//! each endpoint's state (delivering, failing since, disabled).
//!
//! The list, the form and the secret shown once are a [`ListPanel`].

use super::list_panel::{Form, ListEvent, ListPanel, Listed, Made};
use crate::i18n::Locale;
use orderboard_model::{CreatedWebhook, NewWebhook, WebhookEventType, WebhookInfo};
use time::OffsetDateTime;

impl Listed for WebhookInfo {
    fn id(&self) -> &str {
        &self.id
    }
}

impl Made for CreatedWebhook {
    type Entry = WebhookInfo;
    fn entry(&self) -> WebhookInfo {
        self.info.clone()
    }
    fn shown_once(&self) -> bool {
        true
    }
}

/// The form: a URL, and which events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookForm {
    pub url: String,
    pub created: bool,
    pub stage_changed: bool,
    pub cancelled: bool,
}

impl Default for HookForm {
    fn default() -> Self {
        HookForm {
            url: String::new(),
            created: true,
            stage_changed: true,
            cancelled: true,
        }
    }
}

impl Form for HookForm {
    type Request = NewWebhook;

    fn request(&self, _: Locale) -> Result<NewWebhook, String> {
        let events = [
            (self.created, WebhookEventType::OrderCreated),
            (self.stage_changed, WebhookEventType::OrderStageChanged),
            (self.cancelled, WebhookEventType::OrderCancelled),
        ]
        .into_iter()
        .filter_map(|(on, t)| on.then_some(t))
        .collect();
        NewWebhook {
            url: self.url.clone(),
            events,
        }
        .normalized()
        .map_err(|e| match e.field.as_str() {
            "url" => "Give the endpoint's http:// or https:// address".to_string(),
            "events" => "Choose at least one kind of change to send".to_string(),
            _ => e.to_string(),
        })
    }
}

/// What the section shows.
pub type HooksPanel = ListPanel<WebhookInfo, HookForm, CreatedWebhook>;
/// What happened to the section.
pub type HooksEvent = ListEvent<WebhookInfo, CreatedWebhook>;

/// How many of these endpoints are disabled.
pub fn disabled_count(hooks: &[WebhookInfo]) -> usize {
    hooks.iter().filter(|h| h.disabled_at.is_some()).count()
}

/// An endpoint's state in words, and whether it needs attention.
pub fn state_label(hook: &WebhookInfo) -> (String, bool) {
    match (hook.disabled_at, hook.failing_since) {
        (Some(at), _) => (
            format!(
                "disabled {}: it failed for 24 hours; delete it and register it again",
                minute(at)
            ),
            true,
        ),
        (None, Some(since)) => (format!("failing since {}; retrying", minute(since)), true),
        (None, None) => (
            format!("delivering · through change {}", hook.delivered_through),
            false,
        ),
    }
}

fn minute(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(id: &str) -> WebhookInfo {
        WebhookInfo {
            id: id.into(),
            url: "https://till.example/hook".into(),
            events: vec![WebhookEventType::OrderCreated],
            created_at: OffsetDateTime::UNIX_EPOCH,
            delivered_through: 7,
            failing_since: None,
            disabled_at: None,
        }
    }

    #[test]
    fn the_form_needs_an_http_url_and_an_event() {
        let mut form = HookForm::default();
        assert!(form.request(Locale::En).unwrap_err().contains("http"));
        form.url = "https://till.example/hook".into();
        assert_eq!(form.request(Locale::En).unwrap().events.len(), 3);
        form.created = false;
        form.stage_changed = false;
        form.cancelled = false;
        assert!(form
            .request(Locale::En)
            .unwrap_err()
            .contains("at least one"));
    }

    #[test]
    fn the_secret_is_shown_once_and_a_disabled_endpoint_is_called_out() {
        let mut panel = HooksPanel::default();
        panel.apply(HooksEvent::Created(CreatedWebhook {
            secret: "whsec_x".into(),
            info: hook("a"),
        }));
        assert_eq!(panel.shown_once.as_ref().unwrap().secret, "whsec_x");
        panel.apply(HooksEvent::Dismissed);
        assert_eq!(panel.shown_once, None);
        let mut off = hook("b");
        off.disabled_at = Some(OffsetDateTime::UNIX_EPOCH);
        panel.apply(HooksEvent::Loaded(vec![hook("a"), off.clone()]));
        assert_eq!(disabled_count(&panel.items), 1);
        let (text, attention) = state_label(&off);
        assert!(attention && text.starts_with("disabled"), "{text}");
        assert!(!state_label(&hook("a")).1);
        panel.apply(HooksEvent::Removed("b".into()));
        assert_eq!(disabled_count(&panel.items), 0);
    }
}
