//! The desktop app's dispatcher window signs itself in without typing.
//!
//! Inside the Orderboard desktop app, the dispatcher window may call one Tauri
//! command for this, `desktop_ticket`: it returns a one-time ticket, valid
//! for a minute, that the page trades for the session cookie at
//! `POST /api/session/desktop`. No secret appears in a URL, and customer
//! windows cannot call the command at all. In a plain browser there is no
//! Tauri bridge, and this does nothing.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A sign-in ticket from the desktop app, when the page runs inside it.
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
