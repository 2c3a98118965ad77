//! The language this page speaks, and the one place each kind of page
//! reads it from.
//!
//! The customer's pages (the board, the tracking page) follow the browser's
//! languages (`navigator.languages`, the first one Orderboard speaks) until
//! the customer picks one with the language switch, which this browser then
//! remembers. The staff pages follow the staff setting (`staff_setting`).
//! `<html lang>` follows the language, and so does every word: views read
//! it through `t`/`t_args`, which are reactive, so a switch redraws the page
//! in place without a reload.

use crate::live::browser::{load_setting, save_setting};
use leptos::prelude::*;
use orderboard_frontend::i18n::{tr, tr_args, Arg, Locale};
use std::cell::Cell;

/// The customer's own choice on this browser (the language switch).
const CUSTOMER_KEY: &str = "orderboard.language";
/// The staff screens' language on this browser (the dispatcher's settings).
const STAFF_KEY: &str = "orderboard.staff-language";

thread_local! {
    static CURRENT: Cell<Option<RwSignal<Locale>>> = const { Cell::new(None) };
}

/// Who the page is for: it decides where the language comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Customer,
    Staff,
}

/// Chooses the page's language and keeps `<html lang>` in step. Called once,
/// by the app, before any page is drawn.
pub fn init(audience: Audience) {
    let chosen = match audience {
        Audience::Customer => load_setting(CUSTOMER_KEY).and_then(|t| Locale::from_tag(&t)),
        Audience::Staff => staff_setting(),
    };
    let signal = RwSignal::new(chosen.unwrap_or_else(browser_locale));
    CURRENT.with(|c| c.set(Some(signal)));
    Effect::new(move |_| set_html_lang(signal.get()));
}

fn signal() -> Option<RwSignal<Locale>> {
    CURRENT.with(Cell::get)
}

/// The page's language (reactive: a view that reads it is redrawn on a switch).
pub fn locale() -> Locale {
    signal().map(|s| s.get()).unwrap_or_default()
}

/// The message `id` in the page's language.
pub fn t(id: &str) -> String {
    tr(locale(), id)
}

/// The message `id` in the page's language, placeables filled in.
pub fn t_args(id: &str, args: &[(&str, Arg)]) -> String {
    tr_args(locale(), id, args)
}

/// The customer picked a language: shown now, remembered on this browser.
pub fn choose_for_customer(l: Locale) {
    save_setting(CUSTOMER_KEY, l.tag());
    if let Some(s) = signal() {
        s.set(l);
    }
}

/// The staff screens' language setting. This is the single place it is
/// read: stored per browser for now; a kitchen-wide setting on the server
/// would be read here instead. `None`: as the browser's languages.
pub fn staff_setting() -> Option<Locale> {
    load_setting(STAFF_KEY).and_then(|t| Locale::from_tag(&t))
}

/// The dispatcher's settings changed the staff language (`None`: as the
/// browser).
#[cfg(feature = "staff")]
pub fn set_staff_setting(l: Option<Locale>) {
    save_setting(STAFF_KEY, l.map(Locale::tag).unwrap_or(""));
    if let Some(s) = signal() {
        s.set(l.unwrap_or_else(browser_locale));
    }
}

/// The browser's preferred languages, most wanted first.
pub fn browser_languages() -> Vec<String> {
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else {
        return Vec::new();
    };
    let listed: Vec<String> = nav
        .languages()
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    if listed.is_empty() {
        nav.language().into_iter().collect()
    } else {
        listed
    }
}

fn browser_locale() -> Locale {
    Locale::pick(&browser_languages())
}

fn set_html_lang(l: Locale) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", l.tag());
    }
}
