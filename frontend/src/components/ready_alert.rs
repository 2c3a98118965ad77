//! The tracking page's "tell me when it's ready" card: the customer's one
//! tap turns the alert on (the browser asks for notification permission
//! then, and only then), and a sentence says what they will get.

use crate::live::chime;
use crate::live::locale::{locale, t};
use crate::live::ready_alert::{ask, load_choice, reach, register_worker, run};
use leptos::prelude::*;
use leptos::task::spawn_local;
use orderboard_frontend::state::ready_alert::{explain, Reach};
use orderboard_frontend::state::track_state::TrackState;

#[component]
pub fn ReadyAlert(token: String, state: RwSignal<TrackState>) -> impl IntoView {
    let choice = RwSignal::new(load_choice(&token));
    let reach_now = RwSignal::new(reach());
    let token = StoredValue::new(token);
    if choice.get_untracked().on && reach_now.get_untracked().notifies() {
        spawn_local(register_worker());
    }

    // Every order the page holds (snapshot, change, reset after a
    // reconnect): the reducer decides whether this one is a new "ready".
    Effect::new(move |_| {
        let Some(order) = state.with(|s| s.order.clone()) else {
            return;
        };
        let mut next = choice.get_untracked();
        let effects = next.on_order(&order, reach_now.get_untracked(), locale());
        if !effects.is_empty() {
            choice.set(next);
            run(effects, &token.get_value());
        }
    });

    // After a reload, sound needs one touch of the page again.
    let unlock = window_event_listener(leptos::ev::pointerdown, move |_| {
        if choice.get_untracked().on {
            chime::unlock();
        }
    });
    StoredValue::new_local(unlock);

    let toggle = move |_| {
        chime::unlock();
        let mut next = choice.get_untracked();
        let effects = if next.on {
            next.turn_off()
        } else {
            let order = state.with_untracked(|s| s.order.clone());
            next.turn_on(order.as_ref())
        };
        let turned_on = next.on;
        choice.set(next);
        run(effects, &token.get_value());
        if turned_on {
            spawn_local(async move { reach_now.set(ask().await) });
        }
    };

    let reach_name = move || match reach_now.get() {
        Reach::Notification => "notification",
        Reach::InsecurePage => "insecure-page",
        Reach::Unsupported => "unsupported",
        Reach::Refused => "refused",
        Reach::NotAsked => "not-asked",
    };
    view! {
        <section class="track-card track-alert" aria-labelledby="alert-title" data-testid="ready-alert">
            <h2 class="track-card-title" id="alert-title">{move || t("alert-heading")}</h2>
            <button
                type="button"
                class="btn btn-primary alert-toggle"
                data-testid="alert-toggle"
                aria-pressed=move || if choice.get().on { "true" } else { "false" }
                on:click=toggle
            >
                {move || t(if choice.get().on { "alert-turn-off" } else { "alert-turn-on" })}
            </button>
            <p class="alert-explain" data-testid="alert-explain" data-reach=reach_name data-on=move || choice.get().on.to_string() aria-live="polite">
                {move || t(explain(&choice.get(), reach_now.get()))}
            </p>
        </section>
    }
}
