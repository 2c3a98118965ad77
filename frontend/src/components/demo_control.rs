//! "Demo orders": starts and stops the server's demo driver, which creates
//! orders and moves them through their stages on a realistic, seeded
//! schedule, so the screens (and the workshop's charts) have something to
//! show. Shows how many orders and changes it has made.
//!
//! The counts are read when the control opens, after each start or stop, and
//! every few seconds while the driver runs and the control is on screen.

use crate::live::locale::t;
use crate::live::staff_api::{demo_status, set_demo};
use leptos::prelude::*;
use leptos::task::spawn_local;
use orderboard_frontend::state::api_failure::ApiFailure;
use orderboard_frontend::state::demo_form::{status_line, DemoForm};
use orderboard_model::DemoStatus;
use std::time::Duration;

/// How often the counts are refreshed while the driver runs.
const REFRESH: Duration = Duration::from_secs(3);

#[component]
pub fn DemoControl(
    /// Told when the server wants a staff sign-in (401).
    #[prop(optional)]
    on_unauthorized: Option<Callback<()>>,
) -> impl IntoView {
    let status = RwSignal::new(None::<DemoStatus>);
    let form = RwSignal::new(DemoForm::default());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    // A refused action asks for sign-in; a refused read only says so, so
    // that a page anyone may watch (the workshop) is not covered by a dialog.
    let report = move |failure: ApiFailure, from_action: bool| {
        let text = if failure.is_unauthorized() {
            if from_action {
                if let Some(cb) = on_unauthorized {
                    cb.run(());
                }
            }
            t("demo-sign-in")
        } else {
            failure.describe(crate::live::locale::locale()).1
        };
        // try_set: the answer may come after the control was closed.
        error.try_set(Some(text));
    };

    let refresh = move |fill_form: bool| {
        spawn_local(async move {
            match demo_status().await {
                Ok(s) => {
                    if fill_form {
                        form.try_set(DemoForm::from_status(&s));
                    }
                    status.try_set(Some(s));
                }
                Err(f) => report(f, false),
            }
        });
    };
    refresh(true);
    let interval = set_interval_with_handle(
        move || {
            if status.with_untracked(|s| s.as_ref().is_some_and(|s| s.running)) {
                refresh(false);
            }
        },
        REFRESH,
    )
    .ok();
    on_cleanup(move || {
        if let Some(h) = interval {
            h.clear();
        }
    });

    let send = move |running: bool| {
        let request = match form.with_untracked(|f| f.request(running)) {
            Ok(r) => r,
            Err(e) => {
                error.set(Some(e));
                return;
            }
        };
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            match set_demo(&request).await {
                Ok(s) => {
                    form.try_set(DemoForm::from_status(&s));
                    status.try_set(Some(s));
                }
                Err(f) => report(f, true),
            }
            busy.try_set(false);
        });
    };

    let running = move || status.with(|s| s.as_ref().is_some_and(|s| s.running));
    view! {
        <section class="demo-control" aria-labelledby="demo-title" data-testid="demo-control">
            <h3 id="demo-title" class="settings-subtitle">{t("demo-heading")}</h3>
            <p class="muted">
                {t("demo-text")}
            </p>
            <div class="field-row">
                <label class="field">
                    <span class="field-label">{t("demo-speed")}</span>
                    <input
                        type="text"
                        inputmode="decimal"
                        data-testid="demo-speed"
                        prop:value=move || form.with(|f| f.speed.clone())
                        on:input=move |ev| form.update(|f| f.speed = event_target_value(&ev))
                    />
                </label>
                <label class="field">
                    <span class="field-label">{t("demo-seed")}" "<span class="optional">{t("form-optional")}</span></span>
                    <input
                        type="text"
                        inputmode="numeric"
                        data-testid="demo-seed"
                        prop:value=move || form.with(|f| f.seed.clone())
                        on:input=move |ev| form.update(|f| f.seed = event_target_value(&ev))
                    />
                </label>
            </div>
            <p class="demo-status" role="status" data-testid="demo-status">
                {move || status.with(|s| s.as_ref().map(status_line).unwrap_or_else(|| t("demo-reading")))}
            </p>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <div class="demo-actions">
                <button
                    type="button"
                    class="btn btn-primary"
                    data-testid="demo-start"
                    disabled=move || busy.get() || running()
                    on:click=move |_| send(true)
                >
                    {t("demo-start")}
                </button>
                <button
                    type="button"
                    class="btn btn-secondary"
                    data-testid="demo-stop"
                    disabled=move || busy.get() || !running()
                    on:click=move |_| send(false)
                >
                    {t("demo-stop")}
                </button>
            </div>
        </section>
    }
}
