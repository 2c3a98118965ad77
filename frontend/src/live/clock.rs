//! Clock times as the device shows them: `Intl.DateTimeFormat` in the
//! page's language and the device's time zone, asked at each moment written.
//!
//! No offset is read once and kept: the zone's rules apply to each instant,
//! so a board left on over a daylight-saving change goes from 01:59 to 03:00.

use crate::live::locale::{browser_languages, locale};
use js_sys::{Array, Date, Intl, Object, Reflect};
use wasm_bindgen::JsValue;

/// `HH:MM` for a moment (ms since the epoch).
pub fn clock_hm(ms: i64) -> String {
    format(ms, false)
}

/// `HH:MM:SS` for a moment (ms since the epoch).
pub fn clock_hms(ms: i64) -> String {
    format(ms, true)
}

fn format(ms: i64, seconds: bool) -> String {
    let options = Object::new();
    let mut fields = vec!["hour", "minute"];
    if seconds {
        fields.push("second");
    }
    for field in fields {
        let _ = Reflect::set(&options, &field.into(), &"2-digit".into());
    }
    let formatter = Intl::DateTimeFormat::new(&locales(), &options);
    formatter
        .format()
        .call1(&JsValue::NULL, &Date::new(&JsValue::from_f64(ms as f64)))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// The page's language, with the browser's own regional variant of it
/// first (`en-GB` writes 24-hour times, `en-US` 12-hour ones).
fn locales() -> Array {
    let chosen = locale();
    let list = Array::new();
    for tag in browser_languages() {
        if orderboard_frontend::i18n::Locale::from_tag(&tag) == Some(chosen) {
            list.push(&tag.into());
        }
    }
    list.push(&chosen.tag().into());
    list
}
