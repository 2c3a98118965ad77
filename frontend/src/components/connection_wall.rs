//! The six-connection wall, live: N boards in frames with their own
//! EventSource beside N boards with the pages' default connection, each
//! frame's connection badge read every half second (the frames are this
//! origin's pages, so their documents can be read).

use leptos::prelude::*;
use orderboard_frontend::state::connection_wall::{
    frames_from, BoardConnection, FrameState, WallCount, DEFAULT_FRAMES, MAX_FRAMES, MIN_FRAMES,
};
use std::time::Duration;
use wasm_bindgen::JsCast;

const GROUPS: [BoardConnection; 2] = [BoardConnection::Own, BoardConnection::Default];

fn frame_id(group: BoardConnection, i: usize) -> String {
    format!("wall-{}-{i}", group.as_str())
}

/// What each frame of a group shows now.
fn read_group(group: BoardConnection, n: usize) -> Vec<FrameState> {
    let document = web_sys::window().and_then(|w| w.document());
    (0..n)
        .map(|i| {
            let class = document
                .as_ref()
                .and_then(|d| d.get_element_by_id(&frame_id(group, i)))
                .and_then(|e| e.dyn_into::<web_sys::HtmlIFrameElement>().ok())
                .and_then(|f| f.content_document())
                .and_then(|d| d.query_selector("[data-testid=connection]").ok().flatten())
                .map(|badge| badge.class_name());
            FrameState::from_badge_class(class.as_deref())
        })
        .collect()
}

#[component]
pub fn ConnectionWall() -> impl IntoView {
    let typed = RwSignal::new(DEFAULT_FRAMES.to_string());
    let open = RwSignal::new(None::<usize>);
    let error = RwSignal::new(None::<String>);
    let states = RwSignal::new([Vec::<FrameState>::new(), Vec::new()]);
    // The boards with the default connection open first: once the own
    // connections hold every place, a framed page cannot even load.
    let own_open = RwSignal::new(false);
    let ticks_open = RwSignal::new(0u32);

    let read = move || {
        if let Some(n) = open.get_untracked() {
            let now = GROUPS.map(|g| read_group(g, n));
            let shared_live = WallCount::of(&now[1]).live == n;
            ticks_open.update(|t| *t += 1);
            if !own_open.get_untracked() && (shared_live || ticks_open.get_untracked() >= 12) {
                own_open.set(true);
            }
            states.set(now);
        }
    };
    if let Ok(handle) = set_interval_with_handle(read, Duration::from_millis(500)) {
        on_cleanup(move || handle.clear());
    }

    let start = move |_| match frames_from(&typed.get_untracked()) {
        Some(n) => {
            error.set(None);
            states.set([vec![FrameState::Loading; n], vec![FrameState::Loading; n]]);
            own_open.set(false);
            ticks_open.set(0);
            open.set(Some(n));
        }
        None => error.set(Some(format!(
            "Boards per group must be {MIN_FRAMES} to {MAX_FRAMES}"
        ))),
    };
    let close = move |_| {
        open.set(None);
        own_open.set(false);
        states.set([Vec::new(), Vec::new()]);
    };

    let group = move |index: usize, group: BoardConnection, title: &'static str| {
        let count = move || states.with(|s| WallCount::of(&s[index]));
        view! {
            <div class="wall-group" data-testid=format!("wall-{}", group.as_str())>
                <h3 class="wall-title">{title}</h3>
                <p
                    class="wall-count"
                    data-testid="wall-count"
                    data-live=move || count().live.to_string()
                    data-waiting=move || count().waiting.to_string()
                    data-loading=move || count().loading.to_string()
                >
                    {move || count().words()}
                </p>
                <div class="wall-frames">
                    {move || {
                        open.get()
                            .filter(|_| group == BoardConnection::Default || own_open.get())
                            .map(|n| {
                                (0..n)
                                    .map(|i| {
                                        let state = move || states.with(|s| s[index].get(i).copied());
                                        view! {
                                            <div class=move || format!("wall-frame {}", match state() {
                                                Some(FrameState::Live) => "wall-live",
                                                Some(FrameState::Waiting) => "wall-waiting",
                                                _ => "wall-loading",
                                            })>
                                                <iframe
                                                    id=frame_id(group, i)
                                                    src=group.board_url()
                                                    title=format!("Board {}", i + 1)
                                                ></iframe>
                                            </div>
                                        }
                                    })
                                    .collect_view()
                            })
                    }}
                </div>
            </div>
        }
    };

    view! {
        <section class="panel wall" aria-labelledby="wall-title" data-testid="connection-wall">
            <h2 id="wall-title" class="panel-title">"The six-connection wall"</h2>
            <p class="muted">
                "Over HTTP/1.1 a browser opens at most six connections to one server, for all its tabs and frames together, and an open event stream holds one for as long as it lives. This page's own stream holds one. Open boards in frames and watch which ones get a live stream: beyond the wall, the rest wait: their badges say Connecting… for as long as the others stay open."
            </p>
            <p class="muted">
                "Right, opened first: boards with the pages' default connection, one stream per browser profile shared by all its pages (a SharedWorker), so all of them are live on one connection. Left, opened once those are live: the same boards, each with an EventSource of its own (/board?connection=own): they take the places that are left, and the rest wait."
            </p>
            <div class="wall-controls">
                <label class="field">
                    <span class="field-label">"Boards per group"</span>
                    <input
                        type="text"
                        inputmode="numeric"
                        data-testid="wall-frames"
                        prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev))
                    />
                </label>
                <button type="button" class="btn btn-primary" data-testid="wall-open" on:click=start>
                    "Open boards"
                </button>
                <button
                    type="button"
                    class="btn btn-secondary"
                    data-testid="wall-close"
                    disabled=move || open.with(Option::is_none)
                    on:click=close
                >
                    "Close them"
                </button>
            </div>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <div class="wall-groups">
                {group(0, BoardConnection::Own, "Own connection each")}
                {group(1, BoardConnection::Default, "Default connection")}
            </div>
        </section>
    }
}
