//! The dispatcher at the pass: every active order in columns by stage, the
//! moves the stage machine allows on each card, a quick new-order form, the
//! recently finished orders for a recall, and keyboard shortcuts.
//!
//! Live state comes only from the staff stream; the answers to this page's
//! own changes are applied at once too (the state keeps whichever copy of an
//! order is newer). A 409 shows the order's real state in plain words.

use crate::components::connection_badge::ConnectionBadge;
use crate::components::new_order_form::{NewOrderForm, FIRST_ITEM_INPUT_ID};
use crate::components::order_card::OrderCard;
use crate::components::settings_panel::SettingsPanel;
use crate::components::tracking_dialog::TrackingDialog;
use crate::live::browser::{load_setting, log_warning, set_title, ticking_clock};
use crate::live::clock::{clock_hm, clock_hms};
use crate::live::event_source::{LiveStream, StreamSignal};
use crate::live::locale::{locale, t, t_args};
use crate::live::staff_api::{change_stage, reprint_order};
use leptos::prelude::*;
use leptos::task::spawn_local;
use orderboard_frontend::state::api_failure::ApiFailure;
use orderboard_frontend::state::connection::Connection;
use orderboard_frontend::state::labels::{
    stage_class, stage_label, transition_class, transition_label,
};
use orderboard_frontend::state::printers::{self, offline_notice};
use orderboard_frontend::state::selection::{move_selection, shortcut_for, Shortcut, SHORTCUTS};
use orderboard_frontend::state::settings::{AgeThresholds, STORAGE_KEY};
use orderboard_frontend::state::staff_state::{StaffState, COLUMNS};
use orderboard_frontend::state::station_view::is_arrival;
use orderboard_frontend::state::stream_message::{parse_staff, StaffUpdate, StreamMessage};
use orderboard_frontend::state::time_fmt::unix_ms;
use orderboard_model::{ChangeKind, Order, Stage, Transition};
use std::collections::HashSet;
use uuid::Uuid;
use wasm_bindgen::JsCast;

/// A message at the top of the page.
#[derive(Debug, Clone, PartialEq)]
struct Notice {
    tone: &'static str,
    title: String,
    text: String,
}

#[component]
pub fn DispatcherPage() -> impl IntoView {
    Effect::new(move |_| set_title(&t("dispatcher-title")));
    let state = RwSignal::new(StaffState::default());
    let connection = RwSignal::new(Connection::Connecting);
    let now = ticking_clock();
    let thresholds = RwSignal::new(AgeThresholds::decode(load_setting(STORAGE_KEY).as_deref()));
    let selected = RwSignal::new(None::<Uuid>);
    let pending = RwSignal::new(HashSet::<Uuid>::new());
    let notice = RwSignal::new(None::<Notice>);
    let confirm_cancel = RwSignal::new(None::<(Uuid, Transition)>);
    let tracking_for = RwSignal::new(None::<Uuid>);
    let settings_open = RwSignal::new(false);
    let help_open = RwSignal::new(false);
    // Webhook endpoints disabled after failing for 24 hours, as the page
    // found them when it opened (the Settings' Webhooks section has the rest).
    let hooks_disabled = RwSignal::new(0usize);
    spawn_local(async move {
        if let Ok(hooks) = crate::live::staff_api::list_webhooks().await {
            hooks_disabled.try_set(orderboard_frontend::state::webhooks::disabled_count(&hooks));
        }
    });
    // Kitchen printers that are offline: reread every few seconds (printer
    // states are not on the staff stream).
    let printers_offline = RwSignal::new(None::<String>);
    let read_printers = move || {
        spawn_local(async move {
            if let Ok(printers) = crate::live::staff_api::list_printers().await {
                printers_offline.try_set(offline_notice(locale(), &printers));
            }
        });
    };
    read_printers();
    if let Ok(handle) = set_interval_with_handle(
        read_printers,
        std::time::Duration::from_secs(u64::from(printers::REFRESH_SECS)),
    ) {
        on_cleanup(move || handle.clear());
    }

    let stream = LiveStream::open(
        "/api/events",
        move |_, signal| match signal {
            StreamSignal::Message { event, data } => match parse_staff(event, data) {
                Ok(update) => {
                    let arrival = match &update {
                        StaffUpdate::Stream(m) => match m.as_ref() {
                            StreamMessage::Order(e) => {
                                state.with_untracked(|s| s.synced && e.seq > s.last_seq)
                                    && is_arrival(e, None)
                            }
                            _ => false,
                        },
                        _ => false,
                    };
                    state.update(|s| s.apply_update(update));
                    if arrival && state.with_untracked(|s| s.settings.sounds.dispatcher) {
                        crate::live::chime::play();
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
    // The ageing thresholds are the kitchen's shared settings.
    Effect::new(move |_| {
        let shared =
            state.with(|s| orderboard_frontend::state::station_view::thresholds(&s.settings));
        if state.with_untracked(|s| s.synced) {
            thresholds.set(shared);
        }
    });

    // Sends a stage change with the version this screen saw.
    let send_change = move |id: Uuid, to: Stage| {
        let Some(order) = state.with_untracked(|s| s.find(id).cloned()) else {
            return;
        };
        pending.update(|p| {
            p.insert(id);
        });
        spawn_local(async move {
            match change_stage(id, to, order.version).await {
                Ok(updated) => {
                    state.update(|s| {
                        s.upsert(updated);
                    });
                }
                Err(failure) => {
                    if let Some(real) = failure.conflict_order() {
                        let real = real.clone();
                        state.update(|s| {
                            s.upsert(real);
                        });
                    }
                    let (title, text) = failure.describe(crate::live::locale::locale());
                    let tone = if failure.is_conflict() {
                        "conflict"
                    } else {
                        "error"
                    };
                    notice.set(Some(Notice { tone, title, text }));
                }
            }
            pending.update(|p| {
                p.remove(&id);
            });
        });
    };

    let on_action = Callback::new(move |(id, t): (Uuid, Transition)| {
        if t.kind == ChangeKind::Cancel {
            confirm_cancel.set(Some((id, t)));
        } else {
            send_change(id, t.to);
        }
    });
    let on_track = Callback::new(move |id: Uuid| tracking_for.set(Some(id)));
    let on_reprint = Callback::new(move |id: Uuid| {
        spawn_local(async move {
            let (tone, title, text) = match reprint_order(id).await {
                Ok(queued) => (
                    "ok",
                    printers::reprint_label(locale(), queued.printers.len()),
                    String::new(),
                ),
                Err(failure) => {
                    let (title, text) = failure.describe(locale());
                    ("error", title, text)
                }
            };
            notice.set(Some(Notice { tone, title, text }));
        });
    });
    let on_created = Callback::new(move |order: Order| {
        let number = order.number;
        selected.set(Some(order.id));
        state.update(|s| {
            s.upsert(order);
        });
        let title = t_args("dispatcher-created", &[("number", number.into())]);
        notice.set(Some(Notice {
            tone: "ok",
            title: title.clone(),
            text: String::new(),
        }));
        // Good news goes away by itself; problems stay until dismissed.
        set_timeout(
            move || {
                if notice.with_untracked(|n| n.as_ref().is_some_and(|n| n.title == title)) {
                    notice.set(None);
                }
            },
            std::time::Duration::from_secs(5),
        );
    });
    let on_failure = Callback::new(move |failure: ApiFailure| {
        let (title, text) = failure.describe(crate::live::locale::locale());
        notice.set(Some(Notice {
            tone: "error",
            title,
            text,
        }));
    });

    // Acts on the selected order with the transition of the given kind, if the machine allows it.
    let act_on_selected = move |kind: ChangeKind| {
        let Some(id) = selected.get_untracked() else {
            return;
        };
        let Some(order) = state.with_untracked(|s| s.find(id).cloned()) else {
            return;
        };
        if let Some(t) = order
            .machine()
            .transitions()
            .into_iter()
            .find(|t| t.kind == kind)
        {
            on_action.run((id, t));
        }
    };

    let key_handle = window_event_listener(leptos::ev::keydown, move |ev| {
        // Browsers let a page sound only after a key press or a tap.
        crate::live::chime::unlock();
        let in_field = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
            .is_some_and(|el| {
                matches!(
                    el.tag_name().as_str(),
                    "INPUT" | "TEXTAREA" | "SELECT" | "BUTTON" | "A"
                )
            });
        let key = ev.key();
        let modifier = ev.ctrl_key() || ev.alt_key() || ev.meta_key();
        if let Some((id, t)) = confirm_cancel.get_untracked() {
            match key.as_str() {
                "Escape" => confirm_cancel.set(None),
                "Enter" if !in_field => {
                    ev.prevent_default();
                    confirm_cancel.set(None);
                    send_change(id, t.to);
                }
                _ => {}
            }
            return;
        }
        if tracking_for.get_untracked().is_some()
            || settings_open.get_untracked()
            || help_open.get_untracked()
        {
            if key == "Escape" {
                tracking_for.set(None);
                settings_open.set(false);
                help_open.set(false);
            }
            return;
        }
        if in_field && key != "Escape" {
            return;
        }
        let Some(shortcut) = shortcut_for(&key, modifier) else {
            if key == "?" {
                help_open.set(true);
            }
            return;
        };
        ev.prevent_default();
        match shortcut {
            Shortcut::Move(dir) => {
                let next = move_selection(
                    &state.with_untracked(|s| s.column_ids()),
                    selected.get_untracked(),
                    dir,
                );
                selected.set(next);
                if let Some(id) = next {
                    focus_card(id, &state.with_untracked(|s| s.find(id).map(|o| o.number)));
                }
            }
            Shortcut::Advance => act_on_selected(ChangeKind::Advance),
            Shortcut::Recall => act_on_selected(ChangeKind::Recall),
            Shortcut::Cancel => act_on_selected(ChangeKind::Cancel),
            Shortcut::ShowTracking => tracking_for.set(selected.get_untracked()),
            Shortcut::NewOrder => focus_element(FIRST_ITEM_INPUT_ID),
            Shortcut::Close => {
                if in_field {
                    if let Some(el) = ev
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
                    {
                        let _ = el.blur();
                    }
                } else {
                    selected.set(None);
                    notice.set(None);
                }
            }
        }
    });
    StoredValue::new_local(key_handle);

    let column_view = move |stage: Stage| {
        let count = move || state.with(|s| s.orders.iter().filter(|o| o.stage == stage).count());
        view! {
            <section class=format!("column {}", stage_class(stage)) aria-label=move || stage_label(locale(), stage) data-testid=format!("column-{}", stage.as_str())>
                <h2 class="column-title">
                    <span>{move || stage_label(locale(), stage)}</span>
                    <span class="column-count">{count}</span>
                </h2>
                <div class="column-cards">
                    <For
                        each=move || state.with(|s| s.column(stage))
                        key=|o| (o.id, o.version)
                        children=move |order| {
                            view! {
                                <OrderCard
                                    order=order
                                    now=now
                                    thresholds=thresholds
                                    selected=selected
                                    pending=pending
                                    on_action=on_action
                                    on_track=on_track
                                    on_reprint=on_reprint
                                />
                            }
                        }
                    />
                    <Show when=move || count() == 0>
                        <p class="column-empty">{move || t("dispatcher-no-orders")}</p>
                    </Show>
                </div>
            </section>
        }
    };

    let finished_row = move |order: Order| {
        let id = order.id;
        let stage = order.stage;
        let at = clock_hm(unix_ms(order.updated_at));
        let l = locale();
        let buttons = order
            .machine()
            .transitions()
            .into_iter()
            .map(|t| {
                view! {
                    <button
                        type="button"
                        class=transition_class(t.kind)
                        disabled=move || pending.with(|p| p.contains(&id))
                        on:click=move |_| on_action.run((id, t))
                    >
                        {transition_label(l, t, stage)}
                    </button>
                }
            })
            .collect_view();
        view! {
            <li class="finished-row" data-testid="finished-order" data-number=order.number.to_string() data-stage=stage.as_str()>
                <span class="finished-number">{order.number}</span>
                <span class="finished-who">{order.customer.clone().unwrap_or_else(|| "—".into())}</span>
                <span class=format!("chip {}", stage_class(stage))>{stage_label(l, stage)}</span>
                <span class="finished-time">{at}</span>
                {buttons}
            </li>
        }
    };

    view! {
        <div class="app app-dispatcher">
            <header class="topbar">
                <div class="brand">
                    <span class="brand-mark" aria-hidden="true"></span>
                    <span class="brand-name">"Orderboard"</span>
                    <span class="brand-page">{move || t("dispatcher-heading")}</span>
                </div>
                <div class="topbar-right">
                    <span class="clock">{move || clock_hms(now.get())}</span>
                    <ConnectionBadge connection=connection now=now/>
                    <a class="btn btn-ghost" href="/board" target="_blank" rel="noopener">{move || t("nav-board")}</a>
                    <a class="btn btn-ghost" href="/workshop" data-testid="workshop-link">{move || t("nav-workshop")}</a>
                    <a class="btn btn-ghost" href="/reports" data-testid="reports-link">{move || t("nav-reports")}</a>
                    <button type="button" class="btn btn-ghost" on:click=move |_| help_open.set(true) aria-label=move || t("nav-keys-label")>{move || t("nav-keys")}</button>
                    {move || (hooks_disabled.get() > 0).then(|| view! {
                        <button type="button" class="btn btn-ghost webhooks-disabled-notice" role="alert"
                            data-testid="webhooks-disabled-notice" on:click=move |_| settings_open.set(true)>
                            {t_args("webhooks-disabled", &[("count", hooks_disabled.get().into())])}
                        </button>
                    })}
                    {move || printers_offline.get().map(|text| view! {
                        <button type="button" class="btn btn-ghost printers-offline-notice" role="alert"
                            data-testid="printers-offline-notice" on:click=move |_| settings_open.set(true)>
                            {text}
                        </button>
                    })}
                    <button type="button" class="btn btn-ghost" on:click=move |_| settings_open.set(true)>{move || t("nav-settings")}</button>
                </div>
            </header>
            <div class="dispatcher-body">
                <aside class="side-panel">
                    <NewOrderForm on_created=on_created on_failure=on_failure/>
                    <section class="shortcuts" aria-label=move || t("keys-heading")>
                        <h2 class="panel-title">{move || t("keys-panel")}</h2>
                        <dl>
                            {SHORTCUTS.iter().map(|(k, what)| view! { <dt><kbd>{move || shortcut_keys(k)}</kbd></dt><dd>{move || t(what)}</dd> }).collect_view()}
                        </dl>
                    </section>
                </aside>
                <main class="board-area">
                    {move || {
                        notice
                            .get()
                            .map(|n| {
                                view! {
                                    <div class=format!("notice notice-{}", n.tone) role="alert" data-testid="notice">
                                        <div class="notice-body">
                                            <strong class="notice-title">{n.title}</strong>
                                            <span class="notice-text">{n.text}</span>
                                        </div>
                                        <button type="button" class="btn btn-ghost" aria-label=t("notice-dismiss") on:click=move |_| notice.set(None)>{t("notice-dismiss")}</button>
                                    </div>
                                }
                            })
                    }}
                    <Show when=move || !state.with(|s| s.synced)>
                        <p class="loading">{move || t("dispatcher-loading")}</p>
                    </Show>
                    <div class="columns">{COLUMNS.into_iter().map(column_view).collect_view()}</div>
                    <section class="finished" aria-label=move || t("finished-heading")>
                        <h2 class="panel-title">{move || t("finished-heading")}</h2>
                        <Show
                            when=move || state.with(|s| !s.recently_finished.is_empty())
                            fallback=|| view! { <p class="muted">{move || t("finished-empty")}</p> }
                        >
                            <ul class="finished-list">
                                <For
                                    each=move || state.with(|s| s.recently_finished.clone())
                                    key=|o| (o.id, o.version)
                                    children=finished_row
                                />
                            </ul>
                        </Show>
                    </section>
                </main>
            </div>
            {move || {
                confirm_cancel
                    .get()
                    .and_then(|(id, change)| state.with(|s| s.find(id).cloned()).map(|o| (o, change)))
                    .map(|(order, change)| {
                        let heading = match order.customer.as_deref() {
                            Some(c) => t_args("cancel-heading-for", &[("number", order.number.into()), ("name", c.into())]),
                            None => t_args("cancel-heading", &[("number", order.number.into())]),
                        };
                        view! {
                            <div class="overlay" on:click=move |_| confirm_cancel.set(None)>
                                <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="cancel-title" data-testid="confirm-cancel" on:click=|ev| ev.stop_propagation()>
                                    <h2 id="cancel-title">{heading}</h2>
                                    <p class="muted">{t("cancel-text")}</p>
                                    <div class="dialog-actions">
                                        <button type="button" class="btn btn-secondary" on:click=move |_| confirm_cancel.set(None)>{t("cancel-keep")}</button>
                                        <button
                                            type="button"
                                            class="btn btn-danger"
                                            autofocus
                                            on:click=move |_| {
                                                confirm_cancel.set(None);
                                                send_change(order.id, change.to);
                                            }
                                        >
                                            {t("cancel-confirm")}
                                        </button>
                                    </div>
                                </div>
                            </div>
                        }
                    })
            }}
            {move || {
                tracking_for
                    .get()
                    .and_then(|id| state.with(|s| s.find(id).cloned()))
                    .map(|order| view! { <TrackingDialog order=order on_close=Callback::new(move |_| tracking_for.set(None))/> })
            }}
            <Show when=move || settings_open.get()>
                <SettingsPanel on_close=Callback::new(move |_| settings_open.set(false))/>
            </Show>
            <Show when=move || help_open.get()>
                <div class="overlay" on:click=move |_| help_open.set(false)>
                    <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="keys-title" on:click=|ev| ev.stop_propagation()>
                        <h2 id="keys-title">{move || t("keys-heading")}</h2>
                        <dl class="shortcut-table">
                            {SHORTCUTS.iter().map(|(k, what)| view! { <dt><kbd>{move || shortcut_keys(k)}</kbd></dt><dd>{move || t(what)}</dd> }).collect_view()}
                        </dl>
                        <div class="dialog-actions">
                            <button type="button" class="btn btn-primary" on:click=move |_| help_open.set(false)>{move || t("dialog-close")}</button>
                        </div>
                    </div>
                </div>
            </Show>
        </div>
    }
}

/// A shortcut's keys: a catalogue id when they have words ("A or Enter"),
/// else the keys themselves.
fn shortcut_keys(keys: &str) -> String {
    if keys.starts_with("keys-") {
        t(keys)
    } else {
        keys.to_string()
    }
}

fn focus_element(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

fn focus_card(_id: Uuid, number: &Option<u32>) {
    let Some(number) = number else { return };
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector(&format!(
                "[data-testid=order-card][data-number=\"{number}\"]"
            ))
            .ok()
            .flatten()
        })
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}
