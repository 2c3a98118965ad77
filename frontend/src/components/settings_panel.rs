//! The dispatcher's settings: the staff screens' language, after how many minutes in one stage an order's
//! age turns amber and then red (saved in this browser's local storage), the
//! staff passphrase (set on first run from this computer; kept hashed by
//! the server), the integrations' API keys, and the demo driver's "Demo
//! orders" control.

use crate::components::api_keys_panel::ApiKeysPanel;
use crate::components::demo_control::DemoControl;
use crate::components::printers_panel::PrintersPanel;
use crate::components::webhooks_panel::WebhooksPanel;
use crate::live::browser::save_setting;
use crate::live::locale::{locale, set_staff_setting, staff_setting, t};
use crate::live::staff_api;
use leptos::prelude::*;
use orderboard_frontend::i18n::Locale;
use orderboard_frontend::state::settings::{AgeThresholds, STORAGE_KEY};

#[component]
pub fn SettingsPanel(thresholds: RwSignal<AgeThresholds>, on_close: Callback<()>) -> impl IntoView {
    let current = thresholds.get_untracked();
    let warn = RwSignal::new(current.warn_minutes().to_string());
    let late = RwSignal::new(current.late_minutes().to_string());
    let error = RwSignal::new(None::<String>);
    let language = RwSignal::new(staff_setting());
    let passphrase = RwSignal::new(String::new());
    let passphrase_note = RwSignal::new(None::<(bool, String)>);
    let sign_in_required = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        if let Ok(status) = staff_api::session_status().await {
            sign_in_required.set(status.sign_in_required);
        }
    });
    let set_passphrase = move |_| {
        let value = passphrase.get_untracked();
        leptos::task::spawn_local(async move {
            match staff_api::set_staff_passphrase(&value).await {
                Ok(()) => {
                    passphrase.set(String::new());
                    passphrase_note.set(Some((true, t("settings-passphrase-saved"))));
                    sign_in_required.set(true);
                }
                Err(e) => {
                    passphrase_note.set(Some((false, e.describe(crate::live::locale::locale()).1)))
                }
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match AgeThresholds::from_minutes(&warn.get(), &late.get(), locale()) {
            Ok(chosen) => {
                save_setting(STORAGE_KEY, &chosen.encode());
                thresholds.set(chosen);
                // Every staff screen of this browser speaks the new language
                // from its next load; this one redraws now.
                let new_language = language.get_untracked();
                if new_language != staff_setting() {
                    set_staff_setting(new_language);
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().reload();
                    }
                }
                on_close.run(());
            }
            Err(e) => error.set(Some(e)),
        }
    };
    view! {
        <div class="overlay" on:click=move |_| on_close.run(())>
            <form
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby="settings-title"
                on:click=|ev| ev.stop_propagation()
                on:submit=save
            >
                <h2 id="settings-title">{t("nav-settings")}</h2>
                <label class="field">
                    <span class="field-label">{t("settings-language")}</span>
                    <select
                        data-testid="staff-language"
                        on:change=move |ev| language.set(Locale::from_tag(&event_target_value(&ev)))
                    >
                        <option value="" selected=move || language.get().is_none()>{t("settings-language-browser")}</option>
                        {Locale::ALL
                            .into_iter()
                            .map(|l| view! {
                                <option value=l.tag() lang=l.tag() selected=move || language.get() == Some(l)>{l.native_name()}</option>
                            })
                            .collect_view()}
                    </select>
                </label>
                <p class="muted">{t("settings-ages")}</p>
                <div class="field-row">
                    <label class="field">
                        <span class="field-label"><span class="swatch swatch-warning"></span>{t("settings-amber")}</span>
                        <input
                            type="number"
                            min="1"
                            max="240"
                            inputmode="numeric"
                            prop:value=move || warn.get()
                            on:input=move |ev| warn.set(event_target_value(&ev))
                        />
                    </label>
                    <label class="field">
                        <span class="field-label"><span class="swatch swatch-late"></span>{t("settings-red")}</span>
                        <input
                            type="number"
                            min="1"
                            max="240"
                            inputmode="numeric"
                            prop:value=move || late.get()
                            on:input=move |ev| late.set(event_target_value(&ev))
                        />
                    </label>
                </div>
                {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                <h3 class="settings-subtitle">{t("settings-passphrase")}</h3>
                <p class="muted">
                    {move || t(if sign_in_required.get() {
                        "settings-passphrase-set"
                    } else {
                        "settings-passphrase-unset"
                    })}
                </p>
                <div class="field-row">
                    <label class="field">
                        <span class="field-label">{t("settings-passphrase-new")}</span>
                        <input
                            type="password"
                            autocomplete="new-password"
                            data-testid="staff-passphrase"
                            prop:value=move || passphrase.get()
                            on:input=move |ev| passphrase.set(event_target_value(&ev))
                        />
                    </label>
                    <button type="button" class="btn btn-secondary" data-testid="set-passphrase" on:click=set_passphrase>
                        {t("settings-passphrase-button")}
                    </button>
                </div>
                {move || passphrase_note.get().map(|(ok, text)| view! {
                    <p class=if ok { "field-ok" } else { "field-error" } role="status">{text}</p>
                })}
                <ApiKeysPanel/>
                <WebhooksPanel/>
                <PrintersPanel/>
                <DemoControl/>
                <p class="muted"><a href="/workshop">{t("settings-workshop-link")}</a>" "{t("settings-workshop-text")}</p>
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| on_close.run(())>{t("dialog-close")}</button>
                    <button type="submit" class="btn btn-primary" data-testid="settings-save">{t("settings-save")}</button>
                </div>
            </form>
        </div>
    }
}
