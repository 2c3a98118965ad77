//! A kitchen station's screen (`/station/{id}`): its items of active orders,
//! oldest first, each bumped with a click, a tap or the number key of its
//! position (what a bump bar sends); `U` or Backspace undoes the last bump.
//! An "all day" panel sums what is still to make here.
//!
//! Live state comes from the staff stream, the kitchen's shared settings
//! included (ageing thresholds, the station's name and colour, sounds). The
//! rules are in `state::station_view`; this page only wires them to the
//! browser. A 409 shows the order's real state in plain words.

use crate::components::connection_badge::ConnectionBadge;
use crate::live::browser::{log_warning, set_title, ticking_clock};
use crate::live::chime;
use crate::live::clock::clock_hms;
use crate::live::event_source::{LiveStream, StreamSignal};
use crate::live::locale::{locale, t, t_args};
use crate::live::staff_api::bump_item;
use leptos::prelude::*;
use leptos::task::spawn_local;
use orderboard_frontend::state::age::{age_secs, format_age, urgency};
use orderboard_frontend::state::connection::Connection;
use orderboard_frontend::state::staff_state::StaffState;
use orderboard_frontend::state::station_view::{
    all_day, is_arrival, place, thresholds, tickets, Bump, StationView, Ticket,
};
use orderboard_frontend::state::stream_message::{parse_staff, StaffUpdate, StreamMessage};
use orderboard_frontend::state::time_fmt::unix_ms;
use wasm_bindgen::JsCast;

/// A message at the top of the screen.
#[derive(Debug, Clone, PartialEq)]
struct Notice {
    tone: &'static str,
    title: String,
    text: String,
}

#[component]
pub fn StationPage(id: String) -> impl IntoView {
    let station = StoredValue::new(id.clone());
    let state = RwSignal::new(StaffState::default());
    let view_state = RwSignal::new(StationView::default());
    let connection = RwSignal::new(Connection::Connecting);
    let notice = RwSignal::new(None::<Notice>);
    let sound_on = RwSignal::new(false);
    let now = ticking_clock();

    let name = move || {
        state.with(|s| {
            s.settings
                .station(&station.get_value())
                .map(|st| st.name.clone())
                .unwrap_or_else(|| station.get_value())
        })
    };
    let colour = move || {
        state.with(|s| {
            s.settings
                .station(&station.get_value())
                .map(|st| st.colour.clone())
                .unwrap_or_else(|| "#64748b".into())
        })
    };
    let known =
        move || state.with(|s| !s.synced || s.settings.station(&station.get_value()).is_some());
    Effect::new(move |_| set_title(&t_args("station-title", &[("station", (&name()).into())])));
    // The station's colour, through the CSSOM (the page's CSP allows no
    // inline style attribute).
    Effect::new(move |_| {
        let colour = colour();
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = root.style().set_property("--station-colour", &colour);
        }
    });

    let stream = LiveStream::open(
        "/api/events",
        move |_, signal| match signal {
            StreamSignal::Message { event, data } => match parse_staff(event, data) {
                Ok(update) => {
                    let arrival = match &update {
                        StaffUpdate::Stream(m) => match m.as_ref() {
                            StreamMessage::Order(e) => {
                                state.with_untracked(|s| s.synced && e.seq > s.last_seq)
                                    && is_arrival(e, Some(&station.get_value()))
                            }
                            _ => false,
                        },
                        _ => false,
                    };
                    state.update(|s| s.apply_update(update));
                    if arrival && state.with_untracked(|s| s.settings.sounds.station) {
                        chime::play();
                    }
                }
                Err(e) => log_warning(&e),
            },
            StreamSignal::Opened => connection.update(|c| *c = c.opened()),
            StreamSignal::Failed { since_ms } => connection.update(|c| *c = c.failed(since_ms)),
        },
        |stream| stream.reconnect_after_backoff(),
    );
    StoredValue::new_local(stream);

    // Sends a bump; the answer (or the real state of a 409) is applied at once.
    let send = move |bump: Bump| {
        spawn_local(async move {
            match bump_item(bump.order_id, bump.index, bump.done, bump.expected_version).await {
                Ok(order) => {
                    state.update(|s| {
                        s.upsert(order);
                    });
                    view_state.update(|v| v.bumped(bump));
                    notice.set(None);
                }
                Err(failure) => {
                    if let Some(real) = failure.conflict_order() {
                        let real = real.clone();
                        state.update(|s| {
                            s.upsert(real);
                        });
                    }
                    let (title, text) = failure.describe(locale());
                    let tone = if failure.is_conflict() {
                        "conflict"
                    } else {
                        "error"
                    };
                    notice.set(Some(Notice { tone, title, text }));
                }
            }
        });
    };

    let key_handle = window_event_listener(leptos::ev::keydown, move |ev| {
        let in_field = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if in_field || ev.ctrl_key() || ev.alt_key() || ev.meta_key() {
            return;
        }
        if chime::unlock() {
            sound_on.set(true);
        }
        let key = ev.key();
        if key == "Escape" {
            notice.set(None);
            return;
        }
        let shown = state.with_untracked(|s| tickets(s, &station.get_value()));
        let bump = state.with_untracked(|s| view_state.try_update(|v| v.on_key(&key, &shown, s)));
        if let Some(Some(bump)) = bump {
            ev.prevent_default();
            send(bump);
        }
    });
    StoredValue::new_local(key_handle);

    let ticket_view = move |(position, ticket): (usize, Ticket)| {
        let since = unix_ms(ticket.since);
        let age = move || age_secs(since, now.get());
        let level = move || urgency(age(), &state.with(|s| thresholds(&s.settings)));
        let key = (position < 9).then(|| (position + 1).to_string());
        let bump = StationView::bump(&ticket);
        view! {
            <li class="ticket-row">
                <button
                    type="button"
                    class=move || format!("ticket {}", level().css_class())
                    data-testid="station-ticket"
                    data-number=ticket.number.to_string()
                    data-item=ticket.name.clone()
                    on:click=move |_| {
                        if chime::unlock() {
                            sound_on.set(true);
                        }
                        send(bump)
                    }
                >
                    <span class="ticket-head">
                        {key.map(|k| view! { <kbd class="ticket-key">{k}</kbd> })}
                        <span class="ticket-number">{ticket.number}</span>
                        <span class="ticket-place" data-testid="ticket-place">{place(locale(), ticket.channel, ticket.table.as_deref())}</span>
                        <span class=move || format!("ticket-age {}", level().css_class())>
                            {move || format_age(age())}
                            {move || level().flag().map(|f| view! { <span class="age-flag">{f}</span> })}
                        </span>
                    </span>
                    <span class="ticket-item">
                        <span class="qty">{ticket.qty}"×"</span>
                        <span class="item-name">{ticket.name.clone()}</span>
                    </span>
                    {(!ticket.modifiers.is_empty()).then(|| view! {
                        <ul class="ticket-modifiers" data-testid="ticket-modifiers">
                            {ticket.modifiers.iter().map(|m| view! { <li>{m.clone()}</li> }).collect_view()}
                        </ul>
                    })}
                    {ticket.note.clone().map(|n| view! { <span class="ticket-note" data-testid="ticket-note">{n}</span> })}
                </button>
            </li>
        }
    };

    view! {
        <div class="app app-station">
            <header class="topbar">
                <div class="brand">
                    <span class="brand-mark" aria-hidden="true"></span>
                    <span class="brand-name">"Orderboard"</span>
                    <h1 class="brand-page station-name" data-testid="station-name">{name}</h1>
                </div>
                <div class="topbar-right">
                    <span class="clock">{move || clock_hms(now.get())}</span>
                    <ConnectionBadge connection=connection now=now/>
                    <button
                        type="button"
                        class="btn btn-ghost"
                        data-testid="undo-bump"
                        disabled=move || !view_state.with(|v| v.can_undo())
                        on:click=move |_| {
                            let bump = state.with_untracked(|s| view_state.try_update(|v| v.undo(s)));
                            if let Some(Some(bump)) = bump {
                                send(bump);
                            }
                        }
                    >
                        {t("station-undo")}
                    </button>
                    <Show when=move || state.with(|s| s.settings.sounds.station) && !sound_on.get()>
                        <button type="button" class="btn btn-ghost" on:click=move |_| sound_on.set(chime::unlock())>{t("station-sound-on")}</button>
                    </Show>
                    <a class="btn btn-ghost" href="/">{t("station-dispatcher")}</a>
                </div>
            </header>
            <div class="station-body">
                <main class="station-tickets" aria-label=t("station-items")>
                    {move || {
                        notice.get().map(|n| view! {
                            <div class=format!("notice notice-{}", n.tone) role="alert" data-testid="notice">
                                <div class="notice-body">
                                    <strong class="notice-title">{n.title}</strong>
                                    <span class="notice-text">{n.text}</span>
                                </div>
                                <button type="button" class="btn btn-ghost" aria-label=t("station-dismiss") on:click=move |_| notice.set(None)>{t("station-dismiss")}</button>
                            </div>
                        })
                    }}
                    <Show when=move || !known()>
                        <p class="notice notice-error" role="alert">{t("station-unknown")}</p>
                    </Show>
                    <Show when=move || !state.with(|s| s.synced)>
                        <p class="loading">{t("station-loading")}</p>
                    </Show>
                    <ol class="ticket-list">
                        <For
                            each=move || state.with(|s| tickets(s, &station.get_value()).into_iter().enumerate().collect::<Vec<_>>())
                            key=|(p, t)| (*p, t.order_id, t.index, t.version)
                            children=ticket_view
                        />
                    </ol>
                    <Show when=move || state.with(|s| s.synced && tickets(s, &station.get_value()).is_empty())>
                        <p class="column-empty">{t("station-nothing")}</p>
                    </Show>
                </main>
                <aside class="side-panel all-day" aria-labelledby="all-day-title" data-testid="all-day">
                    <h2 class="panel-title" id="all-day-title">{t("station-all-day")}</h2>
                    <dl class="all-day-list">
                        {move || state.with(|s| all_day(s, &station.get_value())).into_iter().map(|(item, qty)| {
                            let shown = item.clone();
                            view! {
                                <div class="all-day-row" data-testid="all-day-row" data-item=item data-qty=qty.to_string()>
                                    <dt>{shown}</dt>
                                    <dd>{qty}</dd>
                                </div>
                            }
                        }).collect_view()}
                    </dl>
                    <h2 class="panel-title">{t("station-keys")}</h2>
                    <dl class="shortcut-table">
                        <dt><kbd>"1"</kbd>"–"<kbd>"9"</kbd></dt><dd>{t("station-key-bump")}</dd>
                        <dt><kbd>"U"</kbd>" / "<kbd>"Backspace"</kbd></dt><dd>{t("station-key-undo")}</dd>
                    </dl>
                </aside>
            </div>
        </div>
    }
}
