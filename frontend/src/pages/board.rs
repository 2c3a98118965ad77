//! The customer display on the TV: who is being prepared and who can come to
//! the counter, readable from three metres. An order turning ready lights up
//! and chimes — once a first touch has allowed the browser to play sound.

use crate::components::connection_badge::ConnectionBadge;
use crate::live::browser::{
    load_setting, location_search, log_warning, now_ms, save_setting, set_title, ticking_clock,
    tz_offset_minutes,
};
use crate::live::chime;
use crate::live::event_source::{LiveStream, StreamSignal};
use crate::live::wake_lock::keep_screen_on;
use leptos::prelude::*;
use orderboard_frontend::state::board_settings::{ReadyMinutes, STORAGE_KEY};
use orderboard_frontend::state::board_state::{BoardEffect, BoardState, BoardTile};
use orderboard_frontend::state::connection::Connection;
use orderboard_frontend::state::connection_wall::BoardConnection;
use orderboard_frontend::state::stream_message::{parse_message, BoardMessage};
use orderboard_frontend::state::time_fmt::clock_hm;

#[component]
pub fn BoardPage() -> impl IntoView {
    set_title("Order status · Orderboard");
    let state = RwSignal::new(BoardState::default());
    let connection = RwSignal::new(Connection::Connecting);
    let now = ticking_clock();
    let sound_on = RwSignal::new(false);
    keep_screen_on();
    let (ready_minutes, to_store) =
        ReadyMinutes::resolve(&location_search(), load_setting(STORAGE_KEY).as_deref());
    if let Some(value) = to_store {
        save_setting(STORAGE_KEY, &value);
    }
    let keep_ms = ready_minutes.keep_ms();
    let ready_shown = Memo::new(move |_| state.with(|s| s.ready_shown(now.get(), keep_ms)));

    // `?connection=own` gives this page an EventSource of its own (the
    // workshop's six-connection wall frames boards with it; `live` reads
    // the switch); without it the board uses the profile's shared
    // connection where the browser has one. The page says which.
    let connection_switch = BoardConnection::from_query(&location_search());
    let stream = LiveStream::open(
        "/api/board/events",
        move |_, signal| match signal {
            StreamSignal::Message { event, data } => match parse_message(event, data) {
                Ok(message) => {
                    let mut effect = BoardEffect::default();
                    state.update(|s| effect = s.apply(message as BoardMessage, now_ms()));
                    if effect.chime && sound_on.get_untracked() {
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

    let unlock = move || {
        if !sound_on.get_untracked() && chime::unlock() {
            sound_on.set(true);
        }
    };
    let h1 = window_event_listener(leptos::ev::pointerdown, move |_| unlock());
    let h2 = window_event_listener(leptos::ev::keydown, move |_| unlock());
    StoredValue::new_local((h1, h2));

    let offset = tz_offset_minutes();
    let tile = move |t: BoardTile, ready: bool| {
        let number = t.order.number;
        let seen = t.ready_seen_at_ms;
        let highlighted = move || {
            seen.is_some_and(|at| {
                now.get() - at < orderboard_frontend::state::board_state::HIGHLIGHT_MS
            })
        };
        view! {
            <li
                class=if ready { "tile tile-ready" } else { "tile" }
                class:tile-new=highlighted
                data-testid="board-tile"
                data-number=number.to_string()
            >
                <span class="tile-number">{number}</span>
                <span class="tile-name">{t.order.name.clone().unwrap_or_default()}</span>
            </li>
        }
    };

    view! {
        <div class="app app-board" data-testid="board" data-connection=connection_switch.as_str()>
            <header class="board-top">
                <div class="brand">
                    <span class="brand-mark" aria-hidden="true"></span>
                    <span class="brand-name">"Order status"</span>
                </div>
                <div class="board-top-right">
                    <ConnectionBadge connection=connection now=now/>
                    <span class="board-clock">{move || clock_hm(now.get(), offset)}</span>
                </div>
            </header>
            <main class="board-columns">
                <section class="board-col board-col-preparing" aria-label="Preparing" data-testid="board-preparing">
                    <h1 class="board-col-title">"Preparing"</h1>
                    <ul class="tiles">
                        <For
                            each=move || state.with(|s| s.preparing.clone())
                            key=|t| t.key()
                            children=move |t| tile(t, false)
                        />
                    </ul>
                </section>
                <section class="board-col board-col-ready" aria-label="Ready" data-testid="board-ready">
                    <h1 class="board-col-title">"Ready"</h1>
                    <ul class="tiles tiles-ready" aria-live="polite" aria-relevant="additions" data-testid="board-ready-list">
                        <For
                            each=move || ready_shown.get()
                            key=|t| t.key()
                            children=move |t| tile(t, true)
                        />
                    </ul>
                    <Show when=move || state.with(|s| s.synced) && ready_shown.with(|r| r.is_empty())>
                        <p class="board-empty">"Ready orders appear here"</p>
                    </Show>
                </section>
            </main>
            <Show when=move || !sound_on.get()>
                <button type="button" class="sound-prompt" data-testid="sound-prompt" on:click=move |_| unlock()>
                    "Tap to enable sound"
                </button>
            </Show>
        </div>
    }
}
