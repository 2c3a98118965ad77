//! The workshop page, `/workshop`: the ways a customer's screen can follow
//! an order (polling, long polling, SSE, WebSocket, and SSE over database
//! polling, the tutorials' mistake) side by side, and what a dropped
//! connection costs with and without resume.
//!
//! A form starts a comparison (simulated customers on each transport, run by
//! the server); charts of requests, bytes and staleness follow the server's
//! once-a-second samples, which flow all the time, so real traffic (the demo
//! driver, open boards) shows even without a comparison; a finished
//! comparison leaves its report as a table; and a note on each transport
//! says what it costs and when it is the right choice. All the view logic is
//! in the plain-Rust `state` modules; this page wires them to the browser.

use crate::components::connection_badge::ConnectionBadge;
use crate::components::connection_wall::ConnectionWall;
use crate::components::demo_control::DemoControl;
use crate::components::drill_panel::DrillPanel;
use crate::components::line_chart::LineChart;
use crate::components::staff_sign_in::StaffSignIn;
use crate::live::browser::{log_warning, set_title, ticking_clock};
use crate::live::event_source::{LiveStream, StreamSignal};
use crate::live::staff_api::{comparison_state, start_comparison, stop_comparison};
use leptos::prelude::*;
use leptos::task::spawn_local;
use orderboard_frontend::state::api_failure::ApiFailure;
use orderboard_frontend::state::chart::{
    self, ChartModel, ChartSpec, Frame, ScaleKind, ValueFormat,
};
use orderboard_frontend::state::comparison_form::{ComparisonForm, Field, FormError};
use orderboard_frontend::state::connection::Connection;
use orderboard_frontend::state::numbers;
use orderboard_frontend::state::report_summary;
use orderboard_frontend::state::sample_history::{Metric, WINDOW_MS};
use orderboard_frontend::state::transports::{note, transport_class};
use orderboard_frontend::state::workshop_state::{
    parse_workshop_message, WorkshopState, EVENT_NAMES,
};
use orderboard_model::workshop::MAX_COMPARISON_CLIENTS;
use orderboard_model::Transport;

const STREAM_URL: &str = "/api/workshop/events";

fn spec(scale: ScaleKind, format: ValueFormat) -> ChartSpec {
    ChartSpec {
        frame: Frame::default(),
        scale,
        format,
        window_ms: WINDOW_MS,
        x_tick_ms: 30_000,
    }
}

#[component]
pub fn WorkshopPage() -> impl IntoView {
    set_title("Workshop · Orderboard");
    let state = RwSignal::new(WorkshopState::default());
    let connection = RwSignal::new(Connection::Connecting);
    let now = ticking_clock();
    let form = RwSignal::new(ComparisonForm::default());
    let form_error = RwSignal::new(None::<FormError>);
    let action_error = RwSignal::new(None::<(String, String)>);
    let sending = RwSignal::new(false);
    let need_sign_in = RwSignal::new(false);
    // Whether the stream has spoken yet: its word is newer than a one-off read.
    let heard = RwSignal::new(false);

    let stream = LiveStream::open_with_events(
        STREAM_URL,
        &EVENT_NAMES,
        move |_, signal| match signal {
            StreamSignal::Message { event, data } => match parse_workshop_message(event, data) {
                Ok(message) => {
                    heard.set(true);
                    state.update(|s| s.apply(message));
                }
                Err(e) => log_warning(&e),
            },
            StreamSignal::Opened => connection.update(|c| *c = c.opened()),
            StreamSignal::Failed { since_ms } => connection.update(|c| *c = c.failed(since_ms)),
        },
        |stream| stream.reconnect_after_backoff(),
    );
    StoredValue::new_local(stream);
    // The stream starts with the comparison's state; this read only fills
    // the phase in when the stream is slow to open (or refused, e.g. 503).
    spawn_local(async move {
        if let Ok(c) = comparison_state().await {
            if heard.try_get_untracked() == Some(false) {
                state.try_update(|s| s.set_comparison(c));
            }
        }
    });

    let failed = move |failure: ApiFailure| {
        if failure.is_unauthorized() {
            need_sign_in.set(true);
        }
        let (title, text) = if failure.is_conflict() {
            (
                "A comparison is already running".to_string(),
                "Stop it first, or wait for its report.".to_string(),
            )
        } else {
            failure.describe(crate::live::locale::locale())
        };
        action_error.set(Some((title, text)));
    };

    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = match form.with_untracked(|f| f.request()) {
            Ok(r) => r,
            Err(e) => {
                form_error.set(Some(e));
                return;
            }
        };
        form_error.set(None);
        action_error.set(None);
        sending.set(true);
        spawn_local(async move {
            match start_comparison(&request).await {
                Ok(c) => state.update(|s| s.set_comparison(c)),
                Err(f) => {
                    if f.is_conflict() {
                        if let Ok(c) = comparison_state().await {
                            state.update(|s| s.set_comparison(c));
                        }
                    }
                    failed(f);
                }
            }
            sending.set(false);
        });
    };
    let stop = move |_| {
        action_error.set(None);
        sending.set(true);
        spawn_local(async move {
            match stop_comparison().await {
                Ok(c) => state.update(|s| s.set_comparison(c)),
                Err(f) => failed(f),
            }
            sending.set(false);
        });
    };

    let chart_of = move |metric: Metric, spec: ChartSpec| -> Signal<ChartModel> {
        Memo::new(move |_| {
            state.with(|s| chart::build(&spec, &s.history.series(metric), s.history.end_ms()))
        })
        .into()
    };
    let requests_chart = chart_of(
        Metric::RequestsPerSec,
        spec(ScaleKind::Linear, ValueFormat::Count),
    );
    let bytes_chart = chart_of(
        Metric::BytesPerSec,
        spec(ScaleKind::Linear, ValueFormat::Bytes),
    );
    let db_queries_chart = chart_of(
        Metric::DbQueriesPerSec,
        spec(ScaleKind::Linear, ValueFormat::Count),
    );
    let staleness_chart = chart_of(Metric::Staleness, spec(ScaleKind::Log, ValueFormat::Millis));

    let field_error = move |field: Field| {
        move || {
            form_error
                .get()
                .filter(|e| e.field == field)
                .map(|e| view! { <p class="field-error" role="alert">{e.message}</p> })
        }
    };
    let invalid = move |field: Field| {
        move || form_error.with(|e| e.as_ref().is_some_and(|e| e.field == field))
    };

    let text_field = move |label: &'static str,
                           testid: &'static str,
                           field: Field,
                           get: fn(&ComparisonForm) -> String,
                           set: fn(&mut ComparisonForm, String)| {
        view! {
            <label class="field">
                <span class="field-label">{label}</span>
                <input
                    type="text"
                    inputmode="decimal"
                    data-testid=testid
                    aria-invalid=move || invalid(field)().to_string()
                    prop:value=move || form.with(get)
                    on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))
                />
                {field_error(field)}
            </label>
        }
    };

    let transport_box = move |t: Transport| {
        view! {
            <label class=format!("check {}", transport_class(t))>
                <input
                    type="checkbox"
                    data-testid=format!("transport-{}", t.as_str())
                    prop:checked=move || form.with(|f| f.is_selected(t))
                    on:change=move |ev| form.update(|f| f.set_transport(t, event_target_checked(&ev)))
                />
                <span class="legend-swatch" aria-hidden="true"></span>
                {t.label()}
            </label>
        }
    };

    let tile = move |t: Transport| {
        let rates = move || state.with(|s| s.history.latest_rates(t).cloned());
        view! {
            <li class=format!("tx-tile {}", transport_class(t)) data-testid=format!("open-{}", t.as_str())>
                <span class="tx-tile-name"><span class="legend-swatch" aria-hidden="true"></span>{t.label()}</span>
                <span class="tx-tile-number" data-testid="open-connections">
                    {move || numbers::thousands(rates().map(|r| r.open_connections).unwrap_or(0))}
                </span>
                <span class="tx-tile-caption">"open connections"</span>
                <span class="tx-tile-rates muted">
                    {move || {
                        let r = rates().unwrap_or_default();
                        format!(
                            "{} req/s · {}/s",
                            numbers::rate(r.requests_per_sec),
                            numbers::bytes(r.bytes_sent_per_sec + r.bytes_received_per_sec)
                        )
                    }}
                </span>
                <span class="tx-tile-rates muted" data-testid="db-queries">
                    {move || {
                        let r = rates().unwrap_or_default();
                        format!("{} database queries/s", numbers::rate(r.db_queries_per_sec))
                    }}
                </span>
            </li>
        }
    };

    let summary = move || {
        state.with(|s| s.report.clone()).map(|report| {
            let rows = report_summary::rows(&report)
                .into_iter()
                .map(|r| {
                    view! {
                        <tr class=r.class data-testid="summary-row" data-transport=r.transport.as_str()>
                            <th scope="row"><span class="legend-swatch" aria-hidden="true"></span>{r.label}</th>
                            <td>{r.clients}</td>
                            <td>{r.requests}</td>
                            <td>{r.requests_per_min}</td>
                            <td>{r.bytes_per_min}</td>
                            <td data-testid="summary-db-queries">{r.db_queries_per_sec}</td>
                            <td>{r.updates}</td>
                            <td>{r.unchanged}</td>
                            <td>{r.p50}</td>
                            <td>{r.p99}</td>
                            <td>{r.max}</td>
                            <td>{r.errors}</td>
                            <td
                                class=format!("complete {}", r.complete.class())
                                title=r.complete.words()
                                aria-label=r.complete.words()
                                data-testid="summary-complete"
                                data-complete=r.complete.class()
                            >
                                {r.complete.mark()}
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <section class="panel summary" aria-labelledby="summary-title" data-testid="summary">
                    <h2 id="summary-title" class="panel-title">"Last comparison"</h2>
                    <p class="summary-headline">{report_summary::headline(&report)}</p>
                    <div class="table-scroll">
                        <table class="summary-table" data-testid="summary-table">
                            <thead>
                                <tr>
                                    <th scope="col">"Transport"</th>
                                    <th scope="col">"Clients"</th>
                                    <th scope="col">"Requests"</th>
                                    <th scope="col">"Requests/min"</th>
                                    <th scope="col">"Bytes/min"</th>
                                    <th scope="col">"Database queries/s"</th>
                                    <th scope="col">"Updates seen / made"</th>
                                    <th scope="col">"Unchanged answers"</th>
                                    <th scope="col">"Staleness p50"</th>
                                    <th scope="col">"p99"</th>
                                    <th scope="col">"max"</th>
                                    <th scope="col">"Errors"</th>
                                    <th scope="col">"Complete"</th>
                                </tr>
                            </thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                    {report_summary::takeaway(&report).map(|t| view! { <p class="summary-takeaway">{t}</p> })}
                    <p class="muted">
                        "Staleness: from a change being committed to a client reading it. Database queries: those the server made for the transport's clients (their requests and streams; the pub/sub lanes read only when a stream opens). Complete: every change reached every client exactly once (SSE and WebSocket must be; polling, and SSE over database polling, may skip versions between two looks)."
                    </p>
                </section>
            }
        })
    };

    let notes = Transport::ALL
        .into_iter()
        .map(|t| {
            let n = note(t);
            view! {
                <article class=format!("note-card {}", transport_class(t)) data-testid=format!("note-{}", t.as_str())>
                    <h3 class="note-title"><span class="legend-swatch" aria-hidden="true"></span>{t.label()}</h3>
                    <p>{n.how}</p>
                    <p><strong>"Costs: "</strong>{n.costs}</p>
                    <p><strong>"Choose it for: "</strong>{n.choose_when}</p>
                </article>
            }
        })
        .collect_view();

    let badge = move || state.with(|s| s.phase_badge());
    view! {
        <div class="app app-workshop">
            <header class="topbar">
                <div class="brand">
                    <span class="brand-mark" aria-hidden="true"></span>
                    <span class="brand-name">"Orderboard"</span>
                    <span class="brand-page">"Workshop: five ways to follow an order"</span>
                </div>
                <div class="topbar-right">
                    <ConnectionBadge connection=connection now=now/>
                    <a class="btn btn-ghost" href="/">"Dispatcher"</a>
                    <a class="btn btn-ghost" href="/board" target="_blank" rel="noopener">"Board"</a>
                </div>
            </header>
            <div class="workshop-body">
                <aside class="side-panel">
                    <form class="comparison-form" on:submit=start data-testid="comparison-form" novalidate>
                        <h2 class="panel-title">"Compare transports"</h2>
                        <p class="muted">
                            "The server runs simulated customers on each transport, all following orders that change on the same schedule, and counts what each one costs."
                        </p>
                        {text_field("Clients per transport", "clients", Field::Clients, |f| f.clients.clone(), |f, v| f.clients = v)}
                        <p class="field-hint muted">{format!("1 to {}", numbers::thousands(MAX_COMPARISON_CLIENTS as u64))}</p>
                        <div class="field-row">
                            {text_field("Poll every (s)", "poll-secs", Field::PollInterval, |f| f.poll_secs.clone(), |f, v| f.poll_secs = v)}
                            {text_field("Duration (s)", "duration-secs", Field::Duration, |f| f.duration_secs.clone(), |f, v| f.duration_secs = v)}
                        </div>
                        {text_field("SSE over database polling: query every (s)", "db-poll-secs", Field::DbPollInterval, |f| f.db_poll_secs.clone(), |f, v| f.db_poll_secs = v)}
                        <fieldset class="transports-field">
                            <legend class="field-label">"Transports"</legend>
                            {Transport::ALL.into_iter().map(transport_box).collect_view()}
                            {field_error(Field::Transports)}
                        </fieldset>
                        <div class="comparison-actions">
                            <button
                                type="submit"
                                class="btn btn-primary"
                                data-testid="start-comparison"
                                disabled=move || sending.get() || state.with(|s| s.busy())
                            >
                                "Start"
                            </button>
                            <button
                                type="button"
                                class="btn btn-secondary"
                                data-testid="stop-comparison"
                                disabled=move || sending.get() || !state.with(|s| s.can_stop())
                                on:click=stop
                            >
                                "Stop"
                            </button>
                        </div>
                        <div class=move || format!("phase {}", badge().0) role="status" aria-live="polite" data-testid="phase">
                            {move || badge().1}
                        </div>
                        {move || state.with(|s| s.progress()).map(|p| view! {
                            <progress class="phase-progress" max="1" value=p.to_string()></progress>
                        })}
                        {move || state.with(|s| s.request_line()).map(|l| view! { <p class="muted">{l}</p> })}
                        {move || action_error.get().map(|(title, text)| view! {
                            <div class="notice notice-error" role="alert" data-testid="workshop-error">
                                <div class="notice-body">
                                    <strong class="notice-title">{title}</strong>
                                    <span class="notice-text">{text}</span>
                                </div>
                            </div>
                        })}
                    </form>
                    <DemoControl on_unauthorized=Callback::new(move |_| need_sign_in.set(true))/>
                </aside>
                <main class="workshop-main">
                    <section aria-labelledby="open-title">
                        <h2 id="open-title" class="panel-title">"Open connections now"</h2>
                        <ul class="tx-tiles">{Transport::ALL.into_iter().map(tile).collect_view()}</ul>
                    </section>
                    <section class="charts" aria-label="The last two minutes">
                        <LineChart title="Requests per second" testid="chart-requests" model=requests_chart/>
                        <LineChart title="Bytes per second (sent + received)" testid="chart-bytes" model=bytes_chart/>
                        <LineChart
                            title="Database queries per second"
                            testid="chart-db-queries"
                            model=db_queries_chart
                            note="Made for the transport's clients. The pub/sub lanes read only when a stream opens."
                        />
                        <LineChart
                            title="Staleness (log scale)"
                            testid="chart-staleness"
                            model=staleness_chart
                            note="Solid: p99. Dashed: p50. From a change being committed to a client reading it."
                        />
                    </section>
                    {summary}
                    <DrillPanel state=state on_unauthorized=Callback::new(move |_| need_sign_in.set(true))/>
                    <ConnectionWall/>
                    <section aria-labelledby="notes-title">
                        <h2 id="notes-title" class="panel-title">"Which one, when"</h2>
                        <div class="note-cards">{notes}</div>
                    </section>
                </main>
            </div>
            {move || need_sign_in.get().then(|| view! { <StaffSignIn/> })}
        </div>
    }
}
