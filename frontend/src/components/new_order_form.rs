//! The quick new-order form at the pass: item lines with quantities, pickup or
//! delivery, an optional name and note. The model's validation runs before
//! sending and its messages appear next to the field at fault, as do the
//! server's 422 answers.

use crate::live::locale::{locale, t, t_args};
use crate::live::staff_api::create_order;
use leptos::prelude::*;
use leptos::task::spawn_local;
use orderboard_frontend::state::api_failure::ApiFailure;
use orderboard_frontend::state::labels::channel_label;
use orderboard_frontend::state::new_order_form::{FormError, FormField, OrderForm};
use orderboard_model::order::{MAX_CUSTOMER_CHARS, MAX_ITEM_NAME_CHARS, MAX_NOTE_CHARS};
use orderboard_model::{Channel, Order};

/// The id of the first item's name input, focused by the `N` shortcut.
pub const FIRST_ITEM_INPUT_ID: &str = "new-order-item-0";

#[component]
pub fn NewOrderForm(
    on_created: Callback<Order>,
    on_failure: Callback<ApiFailure>,
) -> impl IntoView {
    let form = RwSignal::new(OrderForm::default());
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
        error.set(None);
        sending.set(true);
        spawn_local(async move {
            match create_order(&prepared.order).await {
                Ok(order) => {
                    form.set(OrderForm::default());
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
                    on:input=move |ev| {
                        error.set(None);
                        form.update(|f| if let Some(l) = f.lines.get_mut(i) { l.name = event_target_value(&ev) })
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
            </div>
            {move || error_for(FormField::ItemName(i))().or_else(error_for(FormField::ItemQty(i))).map(|m| view! { <p class="field-error">{m}</p> })}
        }
    };

    view! {
        <form class="new-order" on:submit=submit novalidate data-testid="new-order-form">
            <h2 class="panel-title">{move || t("keys-new-order")}</h2>
            <div class="segmented" role="radiogroup" aria-label=move || t("form-channel")>
                {Channel::ALL
                    .into_iter()
                    // Dine-in needs a table, which this form does not ask for yet.
                    .filter(|c| *c != Channel::DineIn)
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
            </fieldset>
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
            {move || error_for(FormField::Other)().map(|m| view! { <p class="field-error">{m}</p> })}
            <button type="submit" class="btn btn-primary btn-block" disabled=move || sending.get()>
                {move || t(if sending.get() { "form-creating" } else { "form-create" })}
            </button>
        </form>
    }
}
