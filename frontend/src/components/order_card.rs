//! One order on the dispatcher's board: what to make, for whom, how long it
//! has waited in this stage, and the moves the stage machine allows now.

use leptos::prelude::*;
use orderboard_frontend::state::age::{age_secs, format_age, urgency};
use orderboard_frontend::state::labels::{
    channel_label, stage_class, transition_class, transition_label,
};
use orderboard_frontend::state::settings::AgeThresholds;
use orderboard_frontend::state::time_fmt::unix_ms;
use orderboard_model::{Order, Transition};
use std::collections::HashSet;
use uuid::Uuid;

#[component]
pub fn OrderCard(
    order: Order,
    now: RwSignal<i64>,
    thresholds: RwSignal<AgeThresholds>,
    selected: RwSignal<Option<Uuid>>,
    pending: RwSignal<HashSet<Uuid>>,
    on_action: Callback<(Uuid, Transition)>,
    on_track: Callback<Uuid>,
) -> impl IntoView {
    let id = order.id;
    let stage = order.stage;
    let number = order.number;
    let since = unix_ms(order.stage_since());
    let age = move || age_secs(since, now.get());
    let busy = move || pending.with(|p| p.contains(&id));
    let is_selected = move || selected.get() == Some(id);
    let label = format!(
        "Order {number}{}, {}",
        order
            .customer
            .as_deref()
            .map(|c| format!(" for {c}"))
            .unwrap_or_default(),
        stage.label()
    );
    let buttons = order
        .machine()
        .transitions()
        .into_iter()
        .map(|t| {
            view! {
                <button
                    type="button"
                    class=transition_class(t.kind)
                    data-action=format!("{:?}", t.kind).to_lowercase()
                    disabled=busy
                    on:click=move |ev| {
                        ev.stop_propagation();
                        selected.set(Some(id));
                        on_action.run((id, t));
                    }
                >
                    {transition_label(t, stage)}
                </button>
            }
        })
        .collect_view();
    view! {
        <article
            class=move || format!("card {}{}", stage_class(stage), if is_selected() { " selected" } else { "" })
            tabindex="0"
            aria-label=label
            aria-current=move || is_selected().then_some("true")
            data-testid="order-card"
            data-number=number.to_string()
            data-stage=stage.as_str()
            on:click=move |_| selected.set(Some(id))
            on:focus=move |_| selected.set(Some(id))
        >
            <header class="card-head">
                <span class="card-number">{number}</span>
                <span
                    class=move || format!("card-age {}", urgency(age(), &thresholds.get()).css_class())
                    title="Time in this stage"
                >
                    {move || format_age(age())}
                    {move || urgency(age(), &thresholds.get()).flag().map(|f| view! { <span class="age-flag" data-testid="age-flag">{f}</span> })}
                </span>
                <button
                    type="button"
                    class="btn btn-ghost btn-qr"
                    title="Tracking link and QR code (T)"
                    aria-label=format!("QR: tracking link of order {number}")
                    on:click=move |ev| {
                        ev.stop_propagation();
                        on_track.run(id);
                    }
                >
                    "QR"
                </button>
            </header>
            <div class="card-who">
                <span class="card-customer">{order.customer.clone().unwrap_or_default()}</span>
                <span class=format!("chip chip-{}", order.channel.as_str())>{channel_label(order.channel)}</span>
                {order.table.clone().map(|t| view! { <span class="chip chip-table" data-testid="card-table">"Table " {t}</span> })}
            </div>
            <ul class="card-items">
                {order
                    .items
                    .iter()
                    .map(|i| {
                        let done = i.is_done();
                        view! {
                            <li class=if done { "item-done" } else { "item-todo" } data-testid="card-item" data-done=done.to_string()>
                                <span class="item-state" aria-label=if done { "done" } else { "to make" }>{if done { "✓" } else { "○" }}</span>
                                <span class="qty">{i.qty}"×"</span>
                                <span class="item-name">{i.name.clone()}</span>
                                {(!i.modifiers.is_empty()).then(|| view! { <span class="item-modifiers">{i.modifiers.join(", ")}</span> })}
                                {i.note.clone().map(|n| view! { <span class="item-note">{n}</span> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {
                let waiting = order.stations_waiting();
                (!waiting.is_empty()).then(|| view! {
                    <p class="card-stations" data-testid="stations-waiting">
                        "Waiting on: " {waiting.join(", ")}
                    </p>
                })
            }
            {order.due_at.map(|due| view! {
                <p class="card-due" data-testid="card-due">"Due " {orderboard_frontend::state::time_fmt::clock_hm(orderboard_frontend::state::time_fmt::unix_ms(due), crate::live::browser::tz_offset_minutes())}</p>
            })}
            {order.note.clone().map(|n| view! { <p class="card-note">{n}</p> })}
            {order.external_ref.as_ref().map(|r| view! {
                <p class="card-ref" data-testid="external-ref" title="Reference in the system the order came from">{r.to_string()}</p>
            })}
            <footer class="card-actions">
                {buttons}
            </footer>
        </article>
    }
}
