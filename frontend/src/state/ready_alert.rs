//! The tracking page's "tell me when it's ready" alert: whether it is on,
//! how it can reach the customer, and the one decision that matters, "alert
//! now?", answered with effects for the page to carry out.
//!
//! The alert fires once per time the order turns ready: the version of the
//! order it fired for is remembered (and stored with the choice, per order),
//! so a snapshot, a reset after a reconnect or a reload that shows the same
//! ready order again never alerts twice. A recall and a second "ready" (a
//! newer version) alerts again.

use crate::i18n::{tr, tr_args, Locale};
use orderboard_model::{Stage, TrackedOrder};

/// How an alert can reach the customer in this browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// A system notification (through the service worker), a sound and a vibration.
    Notification,
    /// The page is not a secure context (plain http to a LAN address): no
    /// notifications or service worker; sound, vibration and title flash while open.
    InsecurePage,
    /// The browser has no Notifications API or service workers.
    Unsupported,
    /// The customer (or the browser) refused notifications.
    Refused,
    /// Notifications are possible; the customer has not been asked yet.
    NotAsked,
}

impl Reach {
    /// Whether a system notification is part of the alert.
    pub fn notifies(self) -> bool {
        self == Reach::Notification
    }
}

/// One order's alert choice, stored in the browser per order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertChoice {
    pub on: bool,
    /// The order version the alert last fired for.
    pub alerted_version: Option<u64>,
}

/// What the page must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertEffect {
    /// Show a system notification through the service worker.
    Notify {
        title: String,
        body: String,
    },
    Vibrate,
    Chime,
    /// Flash the page title until the customer looks.
    FlashTitle {
        text: String,
    },
    /// Store the choice (it changed).
    Save(AlertChoice),
}

impl AlertChoice {
    /// The storage key of one order's choice.
    pub fn storage_key(token: &str) -> String {
        format!("orderboard.ready-alert.{token}")
    }

    /// `on`, `off`, `on:7` (on, fired for version 7).
    pub fn encode(&self) -> String {
        let state = if self.on { "on" } else { "off" };
        match self.alerted_version {
            Some(v) => format!("{state}:{v}"),
            None => state.to_string(),
        }
    }

    pub fn decode(stored: Option<&str>) -> Self {
        let Some(stored) = stored else {
            return Self::default();
        };
        let (state, version) = match stored.split_once(':') {
            Some((s, v)) => (s, v.parse().ok()),
            None => (stored, None),
        };
        Self {
            on: state == "on",
            alerted_version: version,
        }
    }

    /// The customer turned the alert on. An order already ready counts as
    /// alerted for its current version: they are looking at it.
    pub fn turn_on(&mut self, order: Option<&TrackedOrder>) -> Vec<AlertEffect> {
        self.on = true;
        if let Some(o) = order.filter(|o| o.stage == Stage::Ready) {
            self.alerted_version = Some(o.version);
        }
        vec![AlertEffect::Save(*self)]
    }

    pub fn turn_off(&mut self) -> Vec<AlertEffect> {
        self.on = false;
        vec![AlertEffect::Save(*self)]
    }

    /// The order as the page now holds it (after any snapshot, change or
    /// reset): the effects of alerting, if this is a new "ready".
    pub fn on_order(
        &mut self,
        order: &TrackedOrder,
        reach: Reach,
        locale: Locale,
    ) -> Vec<AlertEffect> {
        if !self.on || order.stage != Stage::Ready {
            return Vec::new();
        }
        if self.alerted_version.is_some_and(|v| v >= order.version) {
            return Vec::new();
        }
        self.alerted_version = Some(order.version);
        let title = tr_args(
            locale,
            "alert-notify-title",
            &[("number", order.number.into())],
        );
        let body = tr(locale, "alert-notify-body");
        let mut effects = Vec::new();
        if reach.notifies() {
            effects.push(AlertEffect::Notify {
                title: title.clone(),
                body,
            });
        }
        effects.push(AlertEffect::Vibrate);
        effects.push(AlertEffect::Chime);
        effects.push(AlertEffect::FlashTitle { text: title });
        effects.push(AlertEffect::Save(*self));
        effects
    }
}

/// The sentence under the button: what the customer gets, said plainly
/// (a catalogue id).
pub fn explain(choice: &AlertChoice, reach: Reach) -> &'static str {
    match (choice.on, reach) {
        (true, Reach::Notification) => "alert-on-notification",
        (true, Reach::Refused) => "alert-on-refused",
        (true, Reach::InsecurePage) => "alert-on-insecure",
        (true, Reach::Unsupported) => "alert-on-unsupported",
        (true, Reach::NotAsked) => "alert-on-not-asked",
        (false, Reach::InsecurePage) => "alert-off-insecure",
        (false, Reach::Refused) => "alert-off-refused",
        (false, Reach::Unsupported) => "alert-off-unsupported",
        (false, _) => "alert-off",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::fixtures::order;

    fn at(stage: Stage, version: u64) -> TrackedOrder {
        let mut o = TrackedOrder::from(&order(12));
        o.stage = stage;
        o.version = version;
        o
    }

    fn notified(effects: &[AlertEffect]) -> bool {
        effects
            .iter()
            .any(|e| matches!(e, AlertEffect::Notify { .. }))
    }

    #[test]
    fn off_never_alerts() {
        let mut c = AlertChoice::default();
        assert!(c
            .on_order(&at(Stage::Ready, 3), Reach::Notification, Locale::En)
            .is_empty());
    }

    #[test]
    fn turning_ready_alerts_once_with_every_signal() {
        let mut c = AlertChoice::default();
        c.turn_on(Some(&at(Stage::Preparing, 2)));
        assert!(c
            .on_order(&at(Stage::Preparing, 2), Reach::Notification, Locale::En)
            .is_empty());
        let effects = c.on_order(&at(Stage::Ready, 3), Reach::Notification, Locale::En);
        assert!(notified(&effects));
        assert!(effects.contains(&AlertEffect::Vibrate));
        assert!(effects.contains(&AlertEffect::Chime));
        assert!(effects.contains(&AlertEffect::Save(AlertChoice {
            on: true,
            alerted_version: Some(3)
        })));
        // The same ready order again: a reset after a reconnect, a snapshot.
        assert!(c
            .on_order(&at(Stage::Ready, 3), Reach::Notification, Locale::En)
            .is_empty());
    }

    #[test]
    fn a_reload_does_not_alert_again() {
        let mut c = AlertChoice::default();
        c.turn_on(None);
        c.on_order(&at(Stage::Ready, 3), Reach::Notification, Locale::En);
        let mut reloaded = AlertChoice::decode(Some(&c.encode()));
        assert_eq!(reloaded, c);
        assert!(reloaded
            .on_order(&at(Stage::Ready, 3), Reach::Notification, Locale::En)
            .is_empty());
    }

    #[test]
    fn recalled_and_ready_again_alerts_again() {
        let mut c = AlertChoice::default();
        c.turn_on(None);
        assert!(!c
            .on_order(&at(Stage::Ready, 3), Reach::Notification, Locale::En)
            .is_empty());
        assert!(c
            .on_order(&at(Stage::Preparing, 4), Reach::Notification, Locale::En)
            .is_empty());
        assert!(!c
            .on_order(&at(Stage::Ready, 5), Reach::Notification, Locale::En)
            .is_empty());
    }

    #[test]
    fn without_notifications_the_page_still_sounds_vibrates_and_flashes() {
        for reach in [Reach::Refused, Reach::InsecurePage, Reach::Unsupported] {
            let mut c = AlertChoice::default();
            c.turn_on(None);
            let effects = c.on_order(&at(Stage::Ready, 3), reach, Locale::En);
            assert!(!notified(&effects));
            assert!(effects.contains(&AlertEffect::Chime));
            assert!(effects.contains(&AlertEffect::Vibrate));
            assert!(effects
                .iter()
                .any(|e| matches!(e, AlertEffect::FlashTitle { .. })));
        }
    }

    #[test]
    fn turning_on_while_ready_does_not_alert_for_that_ready() {
        let mut c = AlertChoice::default();
        c.turn_on(Some(&at(Stage::Ready, 3)));
        assert!(c
            .on_order(&at(Stage::Ready, 3), Reach::Notification, Locale::En)
            .is_empty());
    }

    #[test]
    fn choice_round_trips_through_storage() {
        for c in [
            AlertChoice::default(),
            AlertChoice {
                on: true,
                alerted_version: None,
            },
            AlertChoice {
                on: false,
                alerted_version: Some(9),
            },
        ] {
            assert_eq!(AlertChoice::decode(Some(&c.encode())), c);
        }
        assert_eq!(AlertChoice::decode(None), AlertChoice::default());
        assert_eq!(AlertChoice::decode(Some("junk")), AlertChoice::default());
    }

    #[test]
    fn explanations_say_what_a_refusal_means() {
        let off = AlertChoice::default();
        assert!(tr(Locale::En, explain(&off, Reach::NotAsked)).contains("if you refuse"));
        let on = AlertChoice {
            on: true,
            alerted_version: None,
        };
        assert!(tr(Locale::En, explain(&on, Reach::Refused)).contains("blocked"));
        assert!(tr(Locale::En, explain(&on, Reach::InsecurePage)).contains("secure"));
    }
}
