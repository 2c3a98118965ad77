//! Small wrappers around the browser: the time, local storage
//! and the page's origin (for the staff pages only).

use leptos::prelude::*;
use std::time::Duration;

pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// A signal holding the current time in milliseconds, updated every second.
pub fn ticking_clock() -> RwSignal<i64> {
    let now = RwSignal::new(now_ms());
    set_interval(move || now.set(now_ms()), Duration::from_secs(1));
    now
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn load_setting(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

pub fn save_setting(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

#[cfg(feature = "staff")]
/// `http://host:port`, for tracking links shown to customers.
pub fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// The page's query string, `?` included (empty without one).
pub fn location_search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

pub fn current_path() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_else(|| "/".into())
}

pub fn set_title(title: &str) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(title);
    }
}

pub fn log_warning(message: &str) {
    web_sys::console::warn_1(&message.into());
}
