//! "Kitchen printers" in the dispatcher's settings: add a printer (name,
//! address, stations), list the printers with their state and how many
//! tickets wait, print a test ticket, remove one. The list is reread every
//! few seconds while the settings are open.

use crate::live::locale::{locale, t};
use crate::live::staff_api::{create_printer, delete_printer, list_printers, test_printer};
use leptos::prelude::*;
use leptos::task::spawn_local;
use orderboard_frontend::state::list_panel::ListEffect;
use orderboard_frontend::state::printers::{
    state_label, PrintersEvent, PrintersPanel, REFRESH_SECS,
};
use std::time::Duration;

/// Applies `event`, and makes the call it asks for; its answer is applied
/// in turn.
fn send(panel: RwSignal<PrintersPanel>, event: PrintersEvent) {
    let Some(Some(effect)) = panel.try_update(|p| p.apply(event)) else {
        return;
    };
    spawn_local(async move {
        let answer = match effect {
            ListEffect::Create(request) => {
                create_printer(&request).await.map(PrintersEvent::Created)
            }
            ListEffect::Remove(id) => delete_printer(&id)
                .await
                .map(move |()| PrintersEvent::Removed(id)),
        };
        send(
            panel,
            answer.unwrap_or_else(|e| PrintersEvent::Failed(e.describe(locale()).1)),
        );
    });
}

/// Rereads the list.
fn reload(panel: RwSignal<PrintersPanel>) {
    spawn_local(async move {
        match list_printers().await {
            Ok(printers) => send(panel, PrintersEvent::Loaded(printers)),
            Err(e) => send(panel, PrintersEvent::Failed(e.describe(locale()).1)),
        }
    });
}

#[component]
pub fn PrintersPanel() -> impl IntoView {
    let panel = RwSignal::new(PrintersPanel::default());
    let apply = move |event: PrintersEvent| send(panel, event);
    reload(panel);
    if let Ok(handle) = set_interval_with_handle(
        move || reload(panel),
        Duration::from_secs(u64::from(REFRESH_SECS)),
    ) {
        on_cleanup(move || handle.clear());
    }
    let add = move |_| apply(PrintersEvent::Submit(locale()));
    let remove = move |id: String| apply(PrintersEvent::Remove(id));
    let test = move |id: String| {
        spawn_local(async move {
            match test_printer(&id).await {
                Ok(_) => reload(panel),
                Err(e) => send(panel, PrintersEvent::Failed(e.describe(locale()).1)),
            }
        });
    };
    view! {
        <section class="printers" data-testid="printers">
            <h3 class="settings-subtitle">{move || t("printers-heading")}</h3>
            <p class="muted">{move || t("printers-intro")}</p>
            <div class="api-key-form">
                <label class="field">
                    <span class="field-label">{move || t("printers-name")}</span>
                    <input
                        type="text"
                        maxlength="40"
                        data-testid="printer-name"
                        prop:value=move || panel.with(|p| p.form.name.clone())
                        on:input=move |ev| panel.update(|p| p.form.name = event_target_value(&ev))
                    />
                </label>
                <label class="field">
                    <span class="field-label">{move || t("printers-address")}</span>
                    <input
                        type="text"
                        placeholder="192.168.1.50:9100"
                        data-testid="printer-address"
                        prop:value=move || panel.with(|p| p.form.address.clone())
                        on:input=move |ev| panel.update(|p| p.form.address = event_target_value(&ev))
                    />
                </label>
                <label class="field">
                    <span class="field-label">{move || t("printers-stations")}</span>
                    <input
                        type="text"
                        data-testid="printer-stations"
                        prop:value=move || panel.with(|p| p.form.stations.clone())
                        on:input=move |ev| panel.update(|p| p.form.stations = event_target_value(&ev))
                    />
                </label>
                <button type="button" class="btn btn-secondary" data-testid="add-printer" on:click=add>
                    {move || t("printers-add")}
                </button>
            </div>
            {move || panel.with(|p| p.error.clone()).map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <ul class="api-key-list" data-testid="printer-list">
                {move || panel.with(|p| p.items.clone()).into_iter().map(|printer| {
                    let (state, attention) = state_label(locale(), &printer);
                    let test_id = printer.id.clone();
                    let remove_id = printer.id.clone();
                    let stations = if printer.stations.is_empty() {
                        t("printers-every-item")
                    } else {
                        printer.stations.join(", ")
                    };
                    view! {
                        <li class="api-key" data-testid="printer" data-state=printer.state.as_str()>
                            <div>
                                <span class="api-key-name">{printer.name.clone()}</span>
                                " "<code>{printer.address.clone()}</code>
                                <div class="muted">{stations}</div>
                                <div class=if attention { "field-error" } else { "muted" } data-testid="printer-state">{state}</div>
                            </div>
                            <button type="button" class="btn btn-secondary" data-testid="test-printer"
                                on:click=move |_| test(test_id.clone())>{t("printers-test")}</button>
                            <button type="button" class="btn btn-secondary" data-testid="remove-printer"
                                on:click=move |_| remove(remove_id.clone())>{t("printers-remove")}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
