//! Keeps the board's screen on: the Screen Wake Lock API while the page is
//! visible. The browser drops the lock whenever the page is hidden, so it is
//! taken again each time the page becomes visible. Where the API is missing
//! (or refuses, as without a secure context), the board works as before.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::VisibilityState;

/// Takes the screen wake lock now, and again on every return to visible.
pub fn keep_screen_on() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    request();
    let on_visible = Closure::<dyn Fn()>::new(request);
    let _ = document
        .add_event_listener_with_callback("visibilitychange", on_visible.as_ref().unchecked_ref());
    // The board keeps the listener for as long as the page lives.
    on_visible.forget();
}

fn request() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let visible = window
        .document()
        .is_some_and(|d| d.visibility_state() == VisibilityState::Visible);
    let Ok(wake_lock) = Reflect::get(&window.navigator(), &JsValue::from_str("wakeLock")) else {
        return;
    };
    if !visible || wake_lock.is_undefined() || wake_lock.is_null() {
        return;
    }
    let Some(promise) = Reflect::get(&wake_lock, &JsValue::from_str("request"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .and_then(|f| f.call1(&wake_lock, &JsValue::from_str("screen")).ok())
        .and_then(|p| p.dyn_into::<Promise>().ok())
    else {
        return;
    };
    leptos::task::spawn_local(async move {
        if let Err(e) = JsFuture::from(promise).await {
            web_sys::console::warn_2(&"the screen wake lock was refused".into(), &e);
        }
    });
}
