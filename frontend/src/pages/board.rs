//! The customer display on the TV: who is being prepared and who can come to
//! the counter, readable from three metres. An order turning ready lights up
//! and chimes — once a first touch has allowed the browser to play sound.

use crate::components::connection_badge::ConnectionBadge;
use crate::components::language_switch::LanguageSwitch;
use crate::live::browser::{
    load_setting, location_search, log_warning, now_ms, save_setting, set_title, ticking_clock,
};
use crate::live::chime;
use crate::live::clock::clock_hm;
use crate::live::desktop_bridge::plays_sound_unprompted;
use crate::live::event_source::{LiveStream, StreamSignal};
use crate::live::locale::{t, t_args};
use crate::live::wake_lock::keep_screen_on;
use leptos::html::Ul;
use leptos::prelude::*;
use orderboard_frontend::state::board_fit::{
    base_tile, fit, page_range, Fit, MIN_SCALE, MIN_SCALE_READY,
};
use orderboard_frontend::state::board_settings::{ReadyMinutes, STORAGE_KEY};
use orderboard_frontend::state::board_state::{BoardEffect, BoardState, BoardTile};
use orderboard_frontend::state::connection::Connection;
use orderboard_frontend::state::connection_wall::BoardConnection;
use orderboard_frontend::state::stream_message::{parse_message, BoardMessage, StreamMessage};
use std::time::Duration;

/// Space between tiles, in CSS pixels.
const TILE_GAP: f64 = 12.0;
/// How long the board shows each page when its tiles need more than one.
const PAGE_SECS: u64 = 6;

#[component]
pub fn BoardPage() -> impl IntoView {
    Effect::new(move |_| set_title(&t("board-title")));
    let state = RwSignal::new(BoardState::default());
    let connection = RwSignal::new(Connection::Connecting);
    let now = ticking_clock();
    let sound_on = RwSignal::new(false);
    keep_screen_on();
    let (_, to_store) =
        ReadyMinutes::resolve(&location_search(), load_setting(STORAGE_KEY).as_deref());
    if let Some(value) = to_store {
        save_setting(STORAGE_KEY, &value);
    }
    // This board's own choice, else the kitchen's shared setting.
    let own_minutes = ReadyMinutes::own(&location_search(), load_setting(STORAGE_KEY).as_deref());
    let shared = RwSignal::new(orderboard_model::BoardSettings::default());
    let keep_ms = move || {
        own_minutes
            .unwrap_or(ReadyMinutes(shared.with(|s| s.ready_minutes)))
            .keep_ms()
    };
    let ready_shown = Memo::new(move |_| state.with(|s| s.ready_shown(now.get(), keep_ms())));

    // `?connection=own` gives this page an EventSource of its own (the
    // workshop's six-connection wall frames boards with it; `live` reads
    // the switch); without it the board uses the profile's shared
    // connection where the browser has one. The page says which.
    let connection_switch = BoardConnection::from_query(&location_search());
    let stream = LiveStream::open(
        "/api/board/events",
        move |_, signal| match signal {
            StreamSignal::Message {
                event: "settings",
                data,
            } => match serde_json::from_str::<orderboard_model::BoardSettingsEvent>(data) {
                Ok(e) => shared.set(e.settings),
                Err(e) => log_warning(&format!("malformed `settings` event: {e}")),
            },
            StreamSignal::Message { event, data } => match parse_message::<_, _>(event, data) {
                Ok(message) => {
                    let message: BoardMessage = message;
                    if let StreamMessage::Snapshot(snap) | StreamMessage::Reset(snap) = &message {
                        shared.set(snap.settings);
                    }
                    let mut effect = BoardEffect::default();
                    state.update(|s| effect = s.apply(message, now_ms()));
                    if effect.chime
                        && sound_on.get_untracked()
                        && shared.with_untracked(|s| s.sound)
                    {
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
    // In the desktop app's customer windows, sound needs no touch.
    if plays_sound_unprompted() {
        unlock();
    }
    let h1 = window_event_listener(leptos::ev::pointerdown, move |_| unlock());
    let h2 = window_event_listener(leptos::ev::keydown, move |_| unlock());
    StoredValue::new_local((h1, h2));

    // The room each column has for its tiles (measured: a TV cannot
    // scroll), and the viewport the stylesheet sizes tiles by.
    let preparing_ul = NodeRef::<Ul>::new();
    let ready_ul = NodeRef::<Ul>::new();
    let rooms = RwSignal::new(((0.0, 0.0), (0.0, 0.0), (1920.0, 1080.0)));
    let measure = move || {
        let size = |r: &NodeRef<Ul>| {
            r.get_untracked()
                .map(|ul| (f64::from(ul.client_width()), f64::from(ul.client_height())))
                .unwrap_or_default()
        };
        let viewport = web_sys::window()
            .map(|w| {
                let get = |v: Result<wasm_bindgen::JsValue, _>| {
                    v.ok().and_then(|v| v.as_f64()).unwrap_or(0.0)
                };
                (get(w.inner_width()), get(w.inner_height()))
            })
            .unwrap_or((1920.0, 1080.0));
        rooms.set((size(&preparing_ul), size(&ready_ul), viewport));
    };
    let h3 = window_event_listener(leptos::ev::resize, move |_| measure());
    StoredValue::new_local(h3);
    Effect::new(move |_| {
        if preparing_ul.get().is_some() && ready_ul.get().is_some() {
            measure();
        }
    });
    let column_fit = move |count: usize, ready: bool| {
        let (prep, rdy, viewport) = rooms.get();
        let room = if ready { rdy } else { prep };
        let tile = base_tile(viewport.0, viewport.1, ready);
        let min = if ready { MIN_SCALE_READY } else { MIN_SCALE };
        fit(count, room, tile, TILE_GAP, min)
    };
    let preparing_fit = Memo::new(move |_| column_fit(state.with(|s| s.preparing.len()), false));
    let ready_fit = Memo::new(move |_| column_fit(ready_shown.with(|r| r.len()), true));
    // Past the smallest readable size, the board turns its pages.
    let page = RwSignal::new(0usize);
    set_interval(
        move || page.update(|p| *p = p.wrapping_add(1)),
        Duration::from_secs(PAGE_SECS),
    );
    // The tiles' size, as CSS properties set through the CSSOM (the
    // pages' policy allows no inline style attribute).
    let size_tiles = move |ul: NodeRef<Ul>, f: Memo<Fit>, ready: bool| {
        Effect::new(move |_| {
            let f = f.get();
            let (_, _, viewport) = rooms.get();
            let Some(ul) = ul.get() else {
                return;
            };
            let (w, h) = base_tile(viewport.0, viewport.1, ready);
            let style = web_sys::HtmlElement::style(&ul);
            for (name, value) in [
                ("--cols", f.columns.to_string()),
                ("--tile-w", format!("{:.1}px", w * f.scale)),
                ("--tile-h", format!("{:.1}px", h * f.scale)),
                ("--tile-scale", format!("{:.2}", f.scale)),
                ("--tile-gap", format!("{TILE_GAP}px")),
            ] {
                let _ = style.set_property(name, &value);
            }
        });
    };
    size_tiles(preparing_ul, preparing_fit, false);
    size_tiles(ready_ul, ready_fit, true);
    let indicator = move |f: Memo<Fit>, testid: &'static str| {
        view! {
            <Show when=move || f.get().pages.gt(&1)>
                <span class="page-indicator" data-testid=testid>
                    {move || {
                        let pages = f.get().pages;
                        t_args("board-page", &[("page", (page.get() % pages.max(1) + 1).into()), ("pages", pages.into())])
                    }}
                </span>
            </Show>
        }
    };

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
                    <span class="brand-name">{move || t("board-heading")}</span>
                </div>
                <div class="board-top-right">
                    <LanguageSwitch/>
                    <ConnectionBadge connection=connection now=now/>
                    <span class="board-clock" data-testid="board-clock">{move || clock_hm(now.get())}</span>
                </div>
            </header>
            <main class="board-columns">
                <section class="board-col board-col-preparing" aria-label=move || t("board-preparing") data-testid="board-preparing">
                    <div class="board-col-head">
                        <h1 class="board-col-title">{move || t("board-preparing")}</h1>
                        {indicator(preparing_fit, "board-page-preparing")}
                    </div>
                    <ul class="tiles" node_ref=preparing_ul data-pages=move || preparing_fit.get().pages.to_string()>
                        <For
                            each=move || {
                                let f = preparing_fit.get();
                                let p = page.get();
                                state.with(|s| s.preparing[page_range(s.preparing.len(), &f, p)].to_vec())
                            }
                            key=|t| t.key()
                            children=move |t| tile(t, false)
                        />
                    </ul>
                </section>
                <section class="board-col board-col-ready" aria-label=move || t("board-ready") data-testid="board-ready">
                    <div class="board-col-head">
                        <h1 class="board-col-title">{move || t("board-ready")}</h1>
                        {indicator(ready_fit, "board-page-ready")}
                    </div>
                    <ul class="tiles tiles-ready" aria-live="polite" aria-relevant="additions" data-testid="board-ready-list" node_ref=ready_ul data-pages=move || ready_fit.get().pages.to_string()>
                        <For
                            each=move || {
                                let f = ready_fit.get();
                                let p = page.get();
                                ready_shown.with(|r| r[page_range(r.len(), &f, p)].to_vec())
                            }
                            key=|t| t.key()
                            children=move |t| tile(t, true)
                        />
                    </ul>
                    <Show when=move || state.with(|s| s.synced) && ready_shown.with(|r| r.is_empty())>
                        <p class="board-empty">{move || t("board-empty")}</p>
                    </Show>
                </section>
            </main>
            <Show when=move || !sound_on.get()>
                <button type="button" class="sound-prompt" data-testid="sound-prompt" on:click=move |_| unlock()>
                    {move || t("board-sound")}
                </button>
            </Show>
        </div>
    }
}
