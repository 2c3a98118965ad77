//! "A crash, with and without resume": the button that starts the server's
//! connection drop drill, its phase as it goes, and the result table, one
//! row for the customers that resume with `Last-Event-ID` and one for those
//! that reconnect without it. The drill's state comes on the workshop
//! stream; the wording is `state::drill_view`'s.

use crate::live::staff_api::{drill_state, start_drill};
use leptos::prelude::*;
use leptos::task::spawn_local;
use orderboard_frontend::state::drill_view;
use orderboard_frontend::state::workshop_state::WorkshopState;
use orderboard_model::{DrillPhase, DrillRequest};

#[component]
pub fn DrillPanel(
    /// The workshop page's state; the drill's part is written here too.
    state: RwSignal<WorkshopState>,
    /// Told when the server wants a staff sign-in (401).
    on_unauthorized: Callback<()>,
) -> impl IntoView {
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<(String, String)>);
    // The stream starts with the drill's state; this read only fills it in
    // when the stream is slow to open (or refused).
    spawn_local(async move {
        if let Ok(d) = drill_state().await {
            state.try_update(|s| {
                if s.drill.phase == DrillPhase::Idle {
                    s.drill = d;
                }
            });
        }
    });
    let start = move |_| {
        error.set(None);
        sending.set(true);
        spawn_local(async move {
            match start_drill(&DrillRequest::default()).await {
                Ok(d) => state.update(|s| s.drill = d),
                Err(f) => {
                    if f.is_unauthorized() {
                        on_unauthorized.run(());
                    }
                    error.try_set(Some(f.describe(crate::live::locale::locale())));
                }
            }
            sending.try_set(false);
        });
    };
    let badge = move || state.with(|s| drill_view::phase_badge(&s.drill));
    let result = move || {
        state.with(|s| s.drill.report.clone()).map(|report| {
            let rows = drill_view::rows(&report)
                .into_iter()
                .map(|r| {
                    view! {
                        <tr data-testid="drill-row" data-group=r.key>
                            <th scope="row">{r.label}</th>
                            <td>{r.clients}</td>
                            <td>{r.delivered}</td>
                            <td data-testid="drill-missed">{r.missed}</td>
                            <td data-testid="drill-duplicated">{r.duplicated}</td>
                            <td>{r.catch_up_p50}</td>
                            <td>{r.catch_up_max}</td>
                            <td>{r.back_on}</td>
                            <td
                                class=format!("complete {}", if r.whole { "complete-yes" } else { "complete-no" })
                                data-testid="drill-whole"
                                data-whole=r.whole.to_string()
                            >
                                {if r.whole { "✓" } else { "✗" }}
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <p class="summary-headline" data-testid="drill-headline">{drill_view::headline(&report)}</p>
                <div class="table-scroll">
                    <table class="summary-table" data-testid="drill-table">
                        <thead>
                            <tr>
                                <th scope="col">"Customers"</th>
                                <th scope="col">"Clients"</th>
                                <th scope="col">"Changes as events / made"</th>
                                <th scope="col">"Missed"</th>
                                <th scope="col">"Duplicated"</th>
                                <th scope="col">"Caught up p50"</th>
                                <th scope="col">"max"</th>
                                <th scope="col">"Back on by"</th>
                                <th scope="col">"Whole"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
        })
    };
    view! {
        <section class="panel drill" aria-labelledby="drill-title" data-testid="drill">
            <h2 id="drill-title" class="panel-title">"A crash, with and without resume"</h2>
            <p class="muted">
                "Simulated customers follow the demo's orders. The button drops all their connections for a few seconds while the orders move on; half come back with Last-Event-ID, as EventSource does, half without it. Needs the demo running, on this computer."
            </p>
            <div class="comparison-actions">
                <button
                    type="button"
                    class="btn btn-primary"
                    data-testid="start-drill"
                    disabled=move || sending.get() || state.with(|s| s.drill.phase.is_running())
                    on:click=start
                >
                    {drill_view::button_label()}
                </button>
                <div class=move || format!("phase {}", badge().0) role="status" aria-live="polite" data-testid="drill-phase">
                    {move || badge().1}
                </div>
            </div>
            {move || error.get().map(|(title, text)| view! {
                <div class="notice notice-error" role="alert" data-testid="drill-error">
                    <div class="notice-body">
                        <strong class="notice-title">{title}</strong>
                        <span class="notice-text">{text}</span>
                    </div>
                </div>
            })}
            {result}
            <p class="muted">
                "Missed: changes made to a customer's order that never reached it as an event. Caught up: from the connections coming back to the customer knowing its order's state as of then. Whole: nothing missed, nothing twice."
            </p>
        </section>
    }
}
