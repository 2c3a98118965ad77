//! "API keys" in the dispatcher's settings: make a key for an integration
//! (a till, a delivery platform) with a name and what it may do, see it
//! once with a copy button, list the keys (never their secrets) and revoke
//! one at once.

use crate::live::locale::t;
use crate::live::staff_api::{create_key, list_keys, revoke_key};
use leptos::prelude::*;
use leptos::task::spawn_local;
use orderboard_frontend::state::api_keys::{last_used_label, scopes_label, KeysEvent, KeysPanel};
use orderboard_frontend::state::list_panel::ListEffect;

/// Applies `event`, and makes the call it asks for; its answer is applied
/// in turn.
fn send(panel: RwSignal<KeysPanel>, event: KeysEvent) {
    // try_update: the answer may come after the settings were closed.
    let Some(Some(effect)) = panel.try_update(|p| p.apply(event)) else {
        return;
    };
    spawn_local(async move {
        let answer = match effect {
            ListEffect::Create(request) => create_key(&request).await.map(KeysEvent::Created),
            ListEffect::Remove(id) => revoke_key(&id).await.map(move |()| KeysEvent::Removed(id)),
        };
        send(
            panel,
            answer
                .unwrap_or_else(|e| KeysEvent::Failed(e.describe(crate::live::locale::locale()).1)),
        );
    });
}

#[component]
pub fn ApiKeysPanel() -> impl IntoView {
    let panel = RwSignal::new(KeysPanel::default());
    let apply = move |event: KeysEvent| send(panel, event);
    spawn_local(async move {
        match list_keys().await {
            Ok(keys) => apply(KeysEvent::Loaded(keys)),
            Err(e) => apply(KeysEvent::Failed(
                e.describe(crate::live::locale::locale()).1,
            )),
        }
    });
    let create = move |_| apply(KeysEvent::Submit(crate::live::locale::locale()));
    let revoke = move |id: String| apply(KeysEvent::Remove(id));
    let copy = move |key: String| {
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&key);
        }
    };
    view! {
        <section class="api-keys" data-testid="api-keys">
            <h3 class="settings-subtitle">{t("keys-api-heading")}</h3>
            <p class="muted">{t("keys-api-text")}</p>
            <div class="api-key-form">
                <label class="field">
                    <span class="field-label">{t("keys-api-name")}</span>
                    <input
                        type="text"
                        maxlength="80"
                        data-testid="api-key-name"
                        prop:value=move || panel.with(|p| p.form.name.clone())
                        on:input=move |ev| panel.update(|p| p.form.name = event_target_value(&ev))
                    />
                </label>
                <label class="field-check">
                    <input
                        type="checkbox"
                        prop:checked=move || panel.with(|p| p.form.read)
                        on:change=move |ev| panel.update(|p| p.form.read = event_target_checked(&ev))
                    />
                    {t("keys-api-read")}
                </label>
                <label class="field-check">
                    <input
                        type="checkbox"
                        prop:checked=move || panel.with(|p| p.form.write)
                        on:change=move |ev| panel.update(|p| p.form.write = event_target_checked(&ev))
                    />
                    {t("keys-api-write")}
                </label>
                <button type="button" class="btn btn-secondary" data-testid="create-api-key" on:click=create>
                    {t("keys-api-make")}
                </button>
            </div>
            {move || panel.with(|p| p.shown_once.clone()).map(|made| {
                let key = made.key.clone();
                view! {
                    <div class="api-key-once" role="status">
                        <p>{t("keys-api-once")}</p>
                        <code data-testid="api-key-secret">{made.key.clone()}</code>
                        <button type="button" class="btn btn-secondary" data-testid="copy-api-key"
                            on:click=move |_| copy(key.clone())>{t("copy")}</button>
                        <button type="button" class="btn btn-secondary"
                            on:click=move |_| apply(KeysEvent::Dismissed)>{t("qr-done")}</button>
                    </div>
                }
            })}
            {move || panel.with(|p| p.error.clone()).map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <ul class="api-key-list" data-testid="api-key-list">
                {move || panel.with(|p| p.items.clone()).into_iter().map(|k| {
                    let id = k.id.clone();
                    view! {
                        <li class="api-key">
                            <div>
                                <span class="api-key-name">{k.name.clone()}</span>
                                " "<code>{k.hint.clone()}</code>
                                <div class="muted">{format!("{} · {}", scopes_label(&k.scopes), last_used_label(k.last_used_at))}</div>
                            </div>
                            <button type="button" class="btn btn-secondary" data-testid="revoke-api-key"
                                on:click=move |_| revoke(id.clone())>{t("keys-api-revoke")}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
