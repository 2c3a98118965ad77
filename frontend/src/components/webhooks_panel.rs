//! "Webhooks" in the dispatcher's settings: register an endpoint that
//! changes are sent to, see its signing secret once with a copy button,
//! list the endpoints with their state (a disabled one called out), and
//! delete one.

use crate::live::locale::{t, t_args};
use crate::live::staff_api::{create_webhook, delete_webhook, list_webhooks};
use leptos::prelude::*;
use leptos::task::spawn_local;
use orderboard_frontend::state::list_panel::ListEffect;
use orderboard_frontend::state::webhooks::{disabled_count, state_label, HooksEvent, HooksPanel};

/// Applies `event`, and makes the call it asks for; its answer is applied
/// in turn.
fn send(panel: RwSignal<HooksPanel>, event: HooksEvent) {
    let Some(Some(effect)) = panel.try_update(|p| p.apply(event)) else {
        return;
    };
    spawn_local(async move {
        let answer = match effect {
            ListEffect::Create(request) => create_webhook(&request).await.map(HooksEvent::Created),
            ListEffect::Remove(id) => delete_webhook(&id)
                .await
                .map(move |()| HooksEvent::Removed(id)),
        };
        send(
            panel,
            answer.unwrap_or_else(|e| {
                HooksEvent::Failed(e.describe(crate::live::locale::locale()).1)
            }),
        );
    });
}

#[component]
pub fn WebhooksPanel() -> impl IntoView {
    let panel = RwSignal::new(HooksPanel::default());
    let apply = move |event: HooksEvent| send(panel, event);
    spawn_local(async move {
        match list_webhooks().await {
            Ok(hooks) => apply(HooksEvent::Loaded(hooks)),
            Err(e) => apply(HooksEvent::Failed(
                e.describe(crate::live::locale::locale()).1,
            )),
        }
    });
    let create = move |_| apply(HooksEvent::Submit(crate::live::locale::locale()));
    let delete = move |id: String| apply(HooksEvent::Remove(id));
    let copy = move |secret: String| {
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&secret);
        }
    };
    view! {
        <section class="webhooks" data-testid="webhooks">
            <h3 class="settings-subtitle">{t("hooks-heading")}</h3>
            <p class="muted">{t("hooks-text")}</p>
            {move || {
                let n = panel.with(|p| disabled_count(&p.items));
                (n > 0).then(|| view! {
                    <p class="field-error" role="alert" data-testid="webhooks-disabled">
                        {t_args("hooks-disabled", &[("count", n.into())])}
                    </p>
                })
            }}
            <div class="api-key-form">
                <label class="field">
                    <span class="field-label">{t("hooks-address")}</span>
                    <input
                        type="url"
                        maxlength="2000"
                        placeholder="https://"
                        data-testid="webhook-url"
                        prop:value=move || panel.with(|p| p.form.url.clone())
                        on:input=move |ev| panel.update(|p| p.form.url = event_target_value(&ev))
                    />
                </label>
                <label class="field-check">
                    <input
                        type="checkbox"
                        prop:checked=move || panel.with(|p| p.form.created)
                        on:change=move |ev| panel.update(|p| p.form.created = event_target_checked(&ev))
                    />
                    {t("hooks-created")}
                </label>
                <label class="field-check">
                    <input
                        type="checkbox"
                        prop:checked=move || panel.with(|p| p.form.stage_changed)
                        on:change=move |ev| panel.update(|p| p.form.stage_changed = event_target_checked(&ev))
                    />
                    {t("hooks-stage-changed")}
                </label>
                <label class="field-check">
                    <input
                        type="checkbox"
                        prop:checked=move || panel.with(|p| p.form.cancelled)
                        on:change=move |ev| panel.update(|p| p.form.cancelled = event_target_checked(&ev))
                    />
                    {t("hooks-cancelled")}
                </label>
                <button type="button" class="btn btn-secondary" data-testid="create-webhook" on:click=create>
                    {t("hooks-add")}
                </button>
            </div>
            {move || panel.with(|p| p.shown_once.clone()).map(|made| {
                let secret = made.secret.clone();
                view! {
                    <div class="api-key-once" role="status">
                        <p>{t("hooks-once")}</p>
                        <code data-testid="webhook-secret">{made.secret.clone()}</code>
                        <button type="button" class="btn btn-secondary"
                            on:click=move |_| copy(secret.clone())>{t("copy")}</button>
                        <button type="button" class="btn btn-secondary"
                            on:click=move |_| apply(HooksEvent::Dismissed)>{t("qr-done")}</button>
                    </div>
                }
            })}
            {move || panel.with(|p| p.error.clone()).map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <ul class="api-key-list" data-testid="webhook-list">
                {move || panel.with(|p| p.items.clone()).into_iter().map(|h| {
                    let id = h.id.clone();
                    let (state, attention) = state_label(&h);
                    view! {
                        <li class="api-key">
                            <div>
                                <span class="api-key-name">{h.url.clone()}</span>
                                <div class=if attention { "field-error" } else { "muted" }>{state}</div>
                            </div>
                            <button type="button" class="btn btn-secondary" data-testid="delete-webhook"
                                on:click=move |_| delete(id.clone())>{t("hooks-delete")}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
