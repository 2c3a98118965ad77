//! The dispatcher's settings: after how many minutes in one stage an order's
//! age turns amber and then red (saved in this browser's local storage), the
//! staff passphrase (set on first run from this computer; kept hashed by
//! the server), the integrations' API keys, and the demo driver's "Demo
//! orders" control.

use crate::components::api_keys_panel::ApiKeysPanel;
use crate::components::demo_control::DemoControl;
use crate::components::printers_panel::PrintersPanel;
use crate::components::webhooks_panel::WebhooksPanel;
use crate::live::browser::save_setting;
use crate::live::staff_api;
use leptos::prelude::*;
use orderboard_frontend::state::settings::{AgeThresholds, STORAGE_KEY};

#[component]
pub fn SettingsPanel(thresholds: RwSignal<AgeThresholds>, on_close: Callback<()>) -> impl IntoView {
    let current = thresholds.get_untracked();
    let warn = RwSignal::new(current.warn_minutes().to_string());
    let late = RwSignal::new(current.late_minutes().to_string());
    let error = RwSignal::new(None::<String>);
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
                    passphrase_note.set(Some((
                        true,
                        "Staff passphrase saved. Staff on other screens sign in with it.".into(),
                    )));
                    sign_in_required.set(true);
                }
                Err(e) => passphrase_note.set(Some((false, e.describe().1))),
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match AgeThresholds::from_minutes(&warn.get(), &late.get()) {
            Ok(t) => {
                save_setting(STORAGE_KEY, &t.encode());
                thresholds.set(t);
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
                <h2 id="settings-title">"Settings"</h2>
                <p class="muted">"Time an order may spend in one stage before its timer changes colour."</p>
                <div class="field-row">
                    <label class="field">
                        <span class="field-label"><span class="swatch swatch-warning"></span>"Amber after (minutes)"</span>
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
                        <span class="field-label"><span class="swatch swatch-late"></span>"Red after (minutes)"</span>
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
                <h3 class="settings-subtitle">"Staff passphrase"</h3>
                <p class="muted">
                    {move || if sign_in_required.get() {
                        "Set: staff sign in with it. Change it here."
                    } else {
                        "Not set: only this computer can change orders. Set one (a PIN of 4 or more) so staff can sign in on other screens."
                    }}
                </p>
                <div class="field-row">
                    <label class="field">
                        <span class="field-label">"New passphrase"</span>
                        <input
                            type="password"
                            autocomplete="new-password"
                            data-testid="staff-passphrase"
                            prop:value=move || passphrase.get()
                            on:input=move |ev| passphrase.set(event_target_value(&ev))
                        />
                    </label>
                    <button type="button" class="btn btn-secondary" data-testid="set-passphrase" on:click=set_passphrase>
                        "Set passphrase"
                    </button>
                </div>
                {move || passphrase_note.get().map(|(ok, text)| view! {
                    <p class=if ok { "field-ok" } else { "field-error" } role="status">{text}</p>
                })}
                <ApiKeysPanel/>
                <WebhooksPanel/>
                <PrintersPanel/>
                <DemoControl/>
                <p class="muted"><a href="/workshop">"Open the workshop"</a>" to compare polling, long polling, SSE and WebSocket live."</p>
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| on_close.run(())>"Close"</button>
                    <button type="submit" class="btn btn-primary">"Save"</button>
                </div>
            </form>
        </div>
    }
}
