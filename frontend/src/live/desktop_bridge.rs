//! What the page learns from the Orderboard desktop app, when it runs inside it.
//!
//! The app's customer windows (the board on a TV, a tracking page) play
//! sound without a touch: the app lets their WebKitGTK views play media
//! without a user gesture, and says so to the page with a flag its own
//! initialization script sets (`window.__ORDERBOARD_DESKTOP__`), so the board
//! shows no "Tap to enable sound" there. In a plain browser there is no flag
//! and the prompt stays.
//!
//! The desktop app's dispatcher window signs itself in without typing.
//!
//! Inside the Orderboard desktop app, the dispatcher window may call one Tauri
//! command for this, `desktop_ticket`: it returns a one-time ticket, valid
//! for a minute, that the page trades for the session cookie at
//! `POST /api/session/desktop`. No secret appears in a URL, and customer
//! windows cannot call the command at all. In a plain browser there is no
//! Tauri bridge, and this does nothing.

use js_sys::Reflect;
#[cfg(feature = "staff")]
use js_sys::{Function, Promise};
#[cfg(feature = "staff")]
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
#[cfg(feature = "staff")]
use wasm_bindgen_futures::JsFuture;

/// Whether the desktop app lets this window play sound without a gesture.
pub fn plays_sound_unprompted() -> bool {
    web_sys::window()
        .and_then(|w| Reflect::get(&w, &JsValue::from_str("__ORDERBOARD_DESKTOP__")).ok())
        .filter(|flags| flags.is_object())
        .and_then(|flags| Reflect::get(&flags, &JsValue::from_str("soundWithoutGesture")).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// A sign-in ticket from the desktop app, when the page runs inside it.
#[cfg(feature = "staff")]
pub async fn desktop_ticket() -> Option<String> {
    let window = web_sys::window()?;
    let internals = Reflect::get(&window, &JsValue::from_str("__TAURI_INTERNALS__")).ok()?;
    if internals.is_undefined() || internals.is_null() {
        return None;
    }
    let invoke: Function = Reflect::get(&internals, &JsValue::from_str("invoke"))
        .ok()?
        .dyn_into()
        .ok()?;
    let promise: Promise = invoke
        .call1(&internals, &JsValue::from_str("desktop_ticket"))
        .ok()?
        .dyn_into()
        .ok()?;
    JsFuture::from(promise).await.ok()?.as_string()
}
