//! The customer's language switch: the three languages, each named in
//! itself. The pick is shown at once and remembered on this browser.

use crate::live::locale::{choose_for_customer, locale, t};
use leptos::prelude::*;
use orderboard_frontend::i18n::Locale;

#[component]
pub fn LanguageSwitch() -> impl IntoView {
    view! {
        <label class="lang-switch">
            <span class="visually-hidden">{move || t("language-label")}</span>
            <select
                data-testid="language-switch"
                aria-label=move || t("language-label")
                prop:value=move || locale().tag()
                on:change=move |ev| {
                    if let Some(l) = Locale::from_tag(&event_target_value(&ev)) {
                        choose_for_customer(l);
                    }
                }
            >
                {Locale::ALL
                    .into_iter()
                    .map(|l| {
                        view! {
                            <option value=l.tag() selected=move || locale() == l lang=l.tag()>
                                {l.native_name()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
