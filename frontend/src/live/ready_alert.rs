//! The browser side of the tracking page's ready alert: what this browser
//! can do (a secure context, notifications, a service worker), asking for
//! permission, and carrying out the effects `state::ready_alert` decides.
//!
//! The system notification is shown through the service worker
//! (`alert-worker.js`), so that it appears while the page is in the
//! background or the screen is locked. The worker caches nothing and
//! intercepts no request; it only brings the tracking page forward when the
//! notification is tapped. Nothing goes through a third-party push service.

use crate::live::chime;
use js_sys::{Object, Reflect};
use leptos::prelude::*;
use orderboard_frontend::state::ready_alert::{AlertChoice, AlertEffect, Reach};
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Notification, NotificationOptions, NotificationPermission, ServiceWorkerRegistration,
};

const WORKER: &str = "/alert-worker.js";

fn has(target: &JsValue, name: &str) -> bool {
    Reflect::has(target, &JsValue::from_str(name)).unwrap_or(false)
}

/// How an alert can reach the customer in this browser, now.
pub fn reach() -> Reach {
    let Some(window) = web_sys::window() else {
        return Reach::Unsupported;
    };
    if !window.is_secure_context() {
        return Reach::InsecurePage;
    }
    if !has(&window, "Notification") || !has(&window.navigator(), "serviceWorker") {
        return Reach::Unsupported;
    }
    match Notification::permission() {
        NotificationPermission::Granted => Reach::Notification,
        NotificationPermission::Denied => Reach::Refused,
        _ => Reach::NotAsked,
    }
}

/// Asks for permission to notify (only when not asked before) and registers
/// the service worker; answers how alerts reach the customer afterwards.
/// Call from the customer's tap: browsers ask only on a user gesture.
pub async fn ask() -> Reach {
    if reach() == Reach::NotAsked {
        if let Ok(promise) = Notification::request_permission() {
            let _ = JsFuture::from(promise).await;
        }
    }
    let now = reach();
    if now.notifies() {
        register_worker().await;
    }
    now
}

/// Registers the alert's service worker (again: the browser keeps one copy).
pub async fn register_worker() {
    if let Some(window) = web_sys::window() {
        let promise = window.navigator().service_worker().register(WORKER);
        if let Err(e) = JsFuture::from(promise).await {
            web_sys::console::warn_2(&"the alert's service worker did not register".into(), &e);
        }
    }
}

/// Loads one order's alert choice from this browser.
pub fn load_choice(token: &str) -> AlertChoice {
    AlertChoice::decode(
        crate::live::browser::load_setting(&AlertChoice::storage_key(token)).as_deref(),
    )
}

/// Carries out the alert's effects.
pub fn run(effects: Vec<AlertEffect>, token: &str) {
    for effect in effects {
        match effect {
            AlertEffect::Notify { title, body } => notify(title, body),
            AlertEffect::Vibrate => vibrate(),
            AlertEffect::Chime => chime::play(),
            AlertEffect::FlashTitle { text } => flash_title(text),
            AlertEffect::Save(choice) => crate::live::browser::save_setting(
                &AlertChoice::storage_key(token),
                &choice.encode(),
            ),
        }
    }
}

fn notify(title: String, body: String) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(ready) = window.navigator().service_worker().ready() else {
        return;
    };
    let path = window.location().pathname().unwrap_or_default();
    leptos::task::spawn_local(async move {
        let Ok(registration) = JsFuture::from(ready).await else {
            return;
        };
        let registration: ServiceWorkerRegistration = registration.unchecked_into();
        let options = NotificationOptions::new();
        options.set_body(&body);
        options.set_tag(&format!("orderboard-ready:{path}"));
        options.set_icon("/favicon.svg");
        options.set_require_interaction(true);
        let data = Object::new();
        let _ = Reflect::set(&data, &"url".into(), &JsValue::from_str(&path));
        options.set_data(&data);
        let vibration = js_sys::Array::of3(&200.into(), &100.into(), &200.into());
        options.set_vibrate(&vibration);
        match registration.show_notification_with_options(&title, &options) {
            Ok(shown) => {
                if let Err(e) = JsFuture::from(shown).await {
                    web_sys::console::warn_2(&"the ready notification was not shown".into(), &e);
                }
            }
            Err(e) => web_sys::console::warn_2(&"the ready notification was not shown".into(), &e),
        }
    });
}

fn vibrate() {
    if let Some(window) = web_sys::window() {
        let navigator = window.navigator();
        if has(&navigator, "vibrate") {
            let pattern = js_sys::Array::of3(&300.into(), &150.into(), &300.into());
            let _ = navigator.vibrate_with_pattern(&pattern);
        }
    }
}

/// Alternates the page title with `text` until the customer looks at the
/// page (it is visible and focused), for a minute at most.
fn flash_title(text: String) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let original = document.title();
    let flashed = format!("● {text}");
    document.set_title(&flashed);
    let ticks = std::cell::Cell::new(0u32);
    let handle = std::rc::Rc::new(std::cell::Cell::new(None::<IntervalHandle>));
    let own = handle.clone();
    let started = set_interval_with_handle(
        move || {
            let n = ticks.get() + 1;
            ticks.set(n);
            let looked = n >= 6
                && document.visibility_state() == web_sys::VisibilityState::Visible
                && document.has_focus().unwrap_or(false);
            if looked || n >= 60 {
                document.set_title(&original);
                if let Some(h) = own.take() {
                    h.clear();
                }
            } else if n.is_multiple_of(2) {
                document.set_title(&flashed);
            } else {
                document.set_title(&original);
            }
        },
        Duration::from_secs(1),
    );
    if let Ok(h) = started {
        handle.set(Some(h));
    }
}
