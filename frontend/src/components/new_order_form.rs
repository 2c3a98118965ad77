//! The quick new-order form at the pass: item lines with quantities (names
//! complete from the menu, keyboard first: type, ↑/↓ for the quantity,
//! Enter for the next item; free text stays allowed), each with optional
//! modifiers, a note and a station; pickup, delivery or dine-in with a
//! table; an optional name, note and due time (a scheduled order). The model's validation runs before
//! sending and its messages appear next to the field at fault, as do the
//! server's 422 answers.

use crate::live::locale::{locale, t, t_args};
use crate::live::staff_api::{create_order, get_menu, get_settings};
use leptos::prelude::*;
use leptos::task::spawn_local;
use orderboard_frontend::state::api_failure::ApiFailure;
use orderboard_frontend::state::labels::channel_label;
use orderboard_frontend::state::new_order_form::{check_due, FormError, FormField, OrderForm};
use orderboard_model::order::{
    MAX_CUSTOMER_CHARS, MAX_ITEM_NAME_CHARS, MAX_ITEM_NOTE_CHARS, MAX_NOTE_CHARS, MAX_TABLE_CHARS,
};
use orderboard_model::{Channel, Menu, Order, Station};
use wasm_bindgen::JsCast;

/// The id of the datalist of the menu's dish names.
const MENU_LIST_ID: &str = "menu-dishes";

/// The id of the first item's name input, focused by the `N` shortcut.
pub const FIRST_ITEM_INPUT_ID: &str = "new-order-item-0";

#[component]
pub fn NewOrderForm(
    on_created: Callback<Order>,
    on_failure: Callback<ApiFailure>,
) -> impl IntoView {
    // The zone's offset as the form opens, to read the due time typed in local time.
    let offset = -(js_sys::Date::new_0().get_timezone_offset() as i32);
    let fresh = move || OrderForm {
        offset_minutes: offset,
        ..OrderForm::default()
    };
    let form = RwSignal::new(fresh());
    let menu = RwSignal::new(Menu::default());
    let stations = RwSignal::new(Vec::<Station>::new());
    let details_open = RwSignal::new(std::collections::HashSet::<usize>::new());
    // The menu and the stations as they are when the form is used.
    let load = move || {
        spawn_local(async move {
            if let Ok(m) = get_menu().await {
                menu.set(m);
            }
            if let Ok(s) = get_settings().await {
                stations.set(s.stations);
            }
        });
    };
    load();
    let error = RwSignal::new(None::<FormError>);
    let sending = RwSignal::new(false);
    let line_count = Memo::new(move |_| form.with(|f| f.lines.len()));

    let error_for = move |field: FormField| {
        move || {
            error.with(|e| {
                e.as_ref()
                    .filter(|e| e.field == field)
                    .map(|e| e.message.clone())
            })
        }
    };
    let has_error = move |field: FormField| {
        move || error.with(|e| e.as_ref().is_some_and(|e| e.field == field))
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let prepared = match form.with_untracked(|f| f.prepare()) {
            Ok(p) => p,
            Err(e) => {
                error.set(Some(e));
                return;
            }
        };
        if let Some(due) = prepared.order.due_at {
            let now = time::OffsetDateTime::from_unix_timestamp_nanos(
                crate::live::browser::now_ms() as i128 * 1_000_000,
            )
            .unwrap_or(due);
            if let Err(message) = check_due(due, now) {
                error.set(Some(FormError {
                    field: FormField::Due,
                    message,
                }));
                return;
            }
        }
        error.set(None);
        sending.set(true);
        spawn_local(async move {
            match create_order(&prepared.order).await {
                Ok(order) => {
                    form.set(fresh());
                    details_open.set(Default::default());
                    on_created.run(order);
                }
                Err(failure) => {
                    if failure.detail().is_some_and(|d| d.field.is_some()) {
                        let message = failure.describe(crate::live::locale::locale()).1;
                        error.set(Some(
                            prepared.form_error(failure.field(), message.trim_end_matches('.')),
                        ));
                    } else {
                        on_failure.run(failure);
                    }
                }
            }
            sending.set(false);
        });
    };

    let line_view = move |i: usize| {
        let name_id = format!("new-order-item-{i}");
        view! {
            <div class="item-line" class:invalid=move || has_error(FormField::ItemName(i))() || has_error(FormField::ItemQty(i))()>
                <input
                    id=name_id
                    class="item-name-input"
                    type="text"
                    placeholder=move || t("form-item")
                    autocomplete="off"
                    maxlength=MAX_ITEM_NAME_CHARS.to_string()
                    aria-label=move || t_args("form-item-n", &[("n", (i + 1).into())])
                    aria-invalid=move || has_error(FormField::ItemName(i))().then_some("true")
                    prop:value=move || form.with(|f| f.lines.get(i).map(|l| l.name.clone()).unwrap_or_default())
                    list=MENU_LIST_ID
                    on:focus=move |_| if i == 0 { load() }
                    on:input=move |ev| {
                        error.set(None);
                        form.update(|f| if let Some(l) = f.lines.get_mut(i) { l.name = event_target_value(&ev) })
                    }
                    on:keydown=move |ev| match ev.key().as_str() {
                        "Enter" if !ev.shift_key() && !ev.ctrl_key() && !ev.meta_key() => {
                            // Enter completes the dish and goes to the next line;
                            // on an empty line it sends the order.
                            if form.with_untracked(|f| f.lines.get(i).is_some_and(|l| l.name.trim().is_empty())) {
                                return;
                            }
                            ev.prevent_default();
                            menu.with_untracked(|m| form.update(|f| { f.complete_line(i, m); }));
                            if form.with_untracked(|f| f.lines.len()) == i + 1 {
                                form.update(|f| f.add_line());
                            }
                            let next = format!("new-order-item-{}", i + 1);
                            request_animation_frame(move || focus_by_id(&next));
                        }
                        "ArrowUp" => {
                            ev.prevent_default();
                            form.update(|f| f.step_qty(i, 1));
                        }
                        "ArrowDown" => {
                            ev.prevent_default();
                            form.update(|f| f.step_qty(i, -1));
                        }
                        _ => {}
                    }
                />
                <div class="stepper" role="group" aria-label=move || t_args("form-qty-n", &[("n", (i + 1).into())])>
                    <button
                        type="button"
                        class="btn btn-step"
                        aria-label=move || if form.with(|f| f.minus_removes(i)) { t_args("form-remove-n", &[("n", (i + 1).into())]) } else { t("form-one-less") }
                        on:click=move |_| form.update(|f| f.minus(i))
                    >
                        {move || if form.with(|f| f.minus_removes(i)) { "×" } else { "−" }}
                    </button>
                    <span class="stepper-value" aria-live="polite">{move || form.with(|f| f.lines.get(i).map_or(1, |l| l.qty))}</span>
                    <button type="button" class="btn btn-step" aria-label=move || t("form-one-more") on:click=move |_| form.update(|f| f.step_qty(i, 1))>"+"</button>
                </div>
                <button
                    type="button"
                    class="btn btn-ghost btn-details"
                    aria-label=move || t_args("form-details-n", &[("n", (i + 1).into())])
                    aria-expanded=move || if details_open.with(|d| d.contains(&i)) { "true" } else { "false" }
                    on:click=move |_| details_open.update(|d| if !d.remove(&i) { d.insert(i); })
                >
                    "…"
                </button>
            </div>
            <Show when=move || details_open.with(|d| d.contains(&i)) || has_error(FormField::ItemDetail(i))()>
                <div class="item-details">
                    <input
                        type="text"
                        autocomplete="off"
                        placeholder=move || t("form-modifiers")
                        aria-label=move || t_args("form-modifiers-n", &[("n", (i + 1).into())])
                        prop:value=move || form.with(|f| f.lines.get(i).map(|l| l.modifiers.clone()).unwrap_or_default())
                        on:input=move |ev| {
                            error.set(None);
                            form.update(|f| if let Some(l) = f.lines.get_mut(i) { l.modifiers = event_target_value(&ev) })
                        }
                    />
                    <input
                        type="text"
                        autocomplete="off"
                        placeholder=move || t("form-item-note")
                        maxlength=MAX_ITEM_NOTE_CHARS.to_string()
                        aria-label=move || t_args("form-item-note-n", &[("n", (i + 1).into())])
                        prop:value=move || form.with(|f| f.lines.get(i).map(|l| l.note.clone()).unwrap_or_default())
                        on:input=move |ev| {
                            error.set(None);
                            form.update(|f| if let Some(l) = f.lines.get_mut(i) { l.note = event_target_value(&ev) })
                        }
                    />
                    <select
                        aria-label=move || t_args("form-station-n", &[("n", (i + 1).into())])
                        prop:value=move || form.with(|f| f.lines.get(i).map(|l| l.station.clone()).unwrap_or_default())
                        on:change=move |ev| {
                            error.set(None);
                            form.update(|f| if let Some(l) = f.lines.get_mut(i) { l.station = event_target_value(&ev) })
                        }
                    >
                        <option value="">{move || t("form-station-from-menu")}</option>
                        {move || stations.get().into_iter().map(|s| view! { <option value=s.id.clone()>{s.name.clone()}</option> }).collect_view()}
                    </select>
                </div>
            </Show>
            {move || error_for(FormField::ItemDetail(i))().map(|m| view! { <p class="field-error">{m}</p> })}
            {move || error_for(FormField::ItemName(i))().or_else(error_for(FormField::ItemQty(i))).map(|m| view! { <p class="field-error">{m}</p> })}
        }
    };

    view! {
        <form class="new-order" on:submit=submit novalidate data-testid="new-order-form">
            <h2 class="panel-title">{move || t("keys-new-order")}</h2>
            <div class="segmented" role="radiogroup" aria-label=move || t("form-channel")>
                {Channel::ALL
                    .into_iter()
                    .map(|c| {
                        view! {
                            <button
                                type="button"
                                role="radio"
                                class="segment"
                                class:active=move || form.with(|f| f.channel == c)
                                aria-checked=move || if form.with(|f| f.channel == c) { "true" } else { "false" }
                                on:click=move |_| form.update(|f| f.channel = c)
                            >
                                {move || channel_label(locale(), c)}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <fieldset class="items-field">
                <legend class="field-label">{move || t("track-items")}</legend>
                {move || (0..line_count.get()).map(line_view).collect_view()}
                {move || error_for(FormField::Items)().map(|m| view! { <p class="field-error">{m}</p> })}
                <button type="button" class="btn btn-secondary btn-add" on:click=move |_| form.update(|f| f.add_line())>{move || t("form-add-item")}</button>
                <datalist id=MENU_LIST_ID>
                    {move || menu.with(|m| m.items.iter().map(|d| view! { <option value=d.name.clone()>{d.category.clone()}</option> }).collect_view())}
                </datalist>
            </fieldset>
            <Show when=move || form.with(|f| f.channel == Channel::DineIn)>
                <label class="field">
                    <span class="field-label">{move || t("form-table")}</span>
                    <input
                        type="text"
                        autocomplete="off"
                        data-testid="new-order-table"
                        maxlength=MAX_TABLE_CHARS.to_string()
                        aria-invalid=move || has_error(FormField::Table)().then_some("true")
                        prop:value=move || form.with(|f| f.table.clone())
                        on:input=move |ev| {
                            error.set(None);
                            form.update(|f| f.table = event_target_value(&ev))
                        }
                    />
                </label>
            </Show>
            {move || error_for(FormField::Table)().map(|m| view! { <p class="field-error">{m}</p> })}
            <label class="field">
                <span class="field-label">{move || t("form-customer")}" "<span class="optional">{move || t("form-optional")}</span></span>
                <input
                    type="text"
                    autocomplete="off"
                    maxlength=MAX_CUSTOMER_CHARS.to_string()
                    aria-invalid=move || has_error(FormField::Customer)().then_some("true")
                    prop:value=move || form.with(|f| f.customer.clone())
                    on:input=move |ev| {
                        error.set(None);
                        form.update(|f| f.customer = event_target_value(&ev))
                    }
                />
            </label>
            {move || error_for(FormField::Customer)().map(|m| view! { <p class="field-error">{m}</p> })}
            <label class="field">
                <span class="field-label">{move || t("form-note")}" "<span class="optional">{move || t("form-optional")}</span></span>
                <textarea
                    rows="2"
                    maxlength=MAX_NOTE_CHARS.to_string()
                    aria-invalid=move || has_error(FormField::Note)().then_some("true")
                    prop:value=move || form.with(|f| f.note.clone())
                    on:input=move |ev| {
                        error.set(None);
                        form.update(|f| f.note = event_target_value(&ev))
                    }
                ></textarea>
            </label>
            {move || error_for(FormField::Note)().map(|m| view! { <p class="field-error">{m}</p> })}
            <label class="field">
                <span class="field-label">{move || t("form-due")}" "<span class="optional">{move || t("form-due-hint")}</span></span>
                <input
                    type="datetime-local"
                    data-testid="new-order-due"
                    aria-invalid=move || has_error(FormField::Due)().then_some("true")
                    prop:value=move || form.with(|f| f.due.clone())
                    on:input=move |ev| {
                        error.set(None);
                        form.update(|f| f.due = event_target_value(&ev))
                    }
                />
            </label>
            {move || error_for(FormField::Due)().map(|m| view! { <p class="field-error">{m}</p> })}
            {move || error_for(FormField::Other)().map(|m| view! { <p class="field-error">{m}</p> })}
            <button type="submit" class="btn btn-primary btn-block" disabled=move || sending.get()>
                {move || t(if sending.get() { "form-creating" } else { "form-create" })}
            </button>
        </form>
    }
}

fn focus_by_id(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}
