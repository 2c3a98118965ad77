//! One order on the dispatcher's board: what to make, for whom, how long it
//! has waited in this stage, and the moves the stage machine allows now.

use crate::live::locale::{locale, t, t_args};
use leptos::prelude::*;
use orderboard_frontend::state::age::{age_secs, format_age, urgency};
use orderboard_frontend::state::labels::{
    channel_label, stage_class, stage_label, transition_class, transition_label,
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
    /// Prints the order's tickets again.
    on_reprint: Callback<Uuid>,
) -> impl IntoView {
    let id = order.id;
    let stage = order.stage;
    let number = order.number;
    let since = unix_ms(order.stage_since());
    let age = move || age_secs(since, now.get());
    let busy = move || pending.with(|p| p.contains(&id));
    let is_selected = move || selected.get() == Some(id);
    let l = locale();
    let stage_name = stage_label(l, stage);
    let label = match order.customer.as_deref() {
        Some(c) => t_args(
            "card-label-for",
            &[
                ("number", number.into()),
                ("name", c.into()),
                ("stage", (&stage_name).into()),
            ],
        ),
        None => t_args(
            "card-label",
            &[("number", number.into()), ("stage", (&stage_name).into())],
        ),
    };
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
                    {transition_label(l, t, stage)}
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
                    title=t("card-age-title")
                >
                    {move || format_age(age())}
                    {move || urgency(age(), &thresholds.get()).flag().map(|f| view! { <span class="age-flag" data-testid="age-flag">{t(f)}</span> })}
                </span>
                <button
                    type="button"
                    class="btn btn-ghost btn-qr"
                    title=t("card-qr-title")
                    aria-label=t_args("card-qr-label", &[("number", number.into())])
                    on:click=move |ev| {
                        ev.stop_propagation();
                        on_track.run(id);
                    }
                >
                    {t("card-qr")}
                </button>
            </header>
            <div class="card-who">
                <span class="card-customer">{order.customer.clone().unwrap_or_default()}</span>
                <span class=format!("chip chip-{}", order.channel.as_str())>{channel_label(l, order.channel)}</span>
                {order.table.clone().map(|table| view! { <span class="chip chip-table" data-testid="card-table">{t("card-table")}" "{table}</span> })}
            </div>
            <ul class="card-items">
                {order
                    .items
                    .iter()
                    .map(|i| {
                        let done = i.is_done();
                        view! {
                            <li class=if done { "item-done" } else { "item-todo" } data-testid="card-item" data-done=done.to_string()>
                                <span class="item-state" aria-label=t(if done { "card-item-done" } else { "card-item-todo" })>{if done { "✓" } else { "○" }}</span>
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
                        {t("card-waiting-on")}" "{waiting.join(", ")}
                    </p>
                })
            }
            {order.due_at.map(|due| view! {
                <p class="card-due" data-testid="card-due">{t("card-due")}" "{crate::live::clock::clock_hm(orderboard_frontend::state::time_fmt::unix_ms(due))}</p>
            })}
            {order.note.clone().map(|n| view! { <p class="card-note">{n}</p> })}
            {order.external_ref.as_ref().map(|r| view! {
                <p class="card-ref" data-testid="external-ref" title=t("card-ref-title")>{r.to_string()}</p>
            })}
            <footer class="card-actions">
                {buttons}
                <button
                    type="button"
                    class="btn btn-ghost"
                    data-action="reprint"
                    title=t("card-reprint-title")
                    aria-label=t_args("card-reprint-label", &[("number", number.into())])
                    on:click=move |ev| {
                        ev.stop_propagation();
                        on_reprint.run(id);
                    }
                >
                    {t("card-reprint")}
                </button>
            </footer>
        </article>
    }
}
