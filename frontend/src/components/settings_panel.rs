//! The dispatcher's settings: after how many minutes in one stage an order's
//! age turns amber and then red. Saved in this browser's local storage.

use crate::live::browser::save_setting;
use leptos::prelude::*;
use orderboard_frontend::state::settings::{AgeThresholds, STORAGE_KEY};

#[component]
pub fn SettingsPanel(thresholds: RwSignal<AgeThresholds>, on_close: Callback<()>) -> impl IntoView {
    let current = thresholds.get_untracked();
    let warn = RwSignal::new(current.warn_minutes().to_string());
    let late = RwSignal::new(current.late_minutes().to_string());
    let error = RwSignal::new(None::<String>);
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
                <div class="dialog-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| on_close.run(())>"Close"</button>
                    <button type="submit" class="btn btn-primary">"Save"</button>
                </div>
            </form>
        </div>
    }
}
