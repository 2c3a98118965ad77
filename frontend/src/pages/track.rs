//! The customer's phone: one order's number, items and journey, live. When the
//! order is final the page says so and closes its stream; an unknown token
//! gets a clear "no such order" page.

use crate::components::connection_badge::ConnectionBadge;
use crate::components::language_switch::LanguageSwitch;
use crate::components::ready_alert::ReadyAlert;
use crate::live::api_client::fetch_tracked;
use crate::live::browser::{log_warning, set_title, ticking_clock};
use crate::live::clock::clock_hm;
use crate::live::event_source::{LiveStream, StreamSignal};
use crate::live::locale::{locale, t, t_args};
use leptos::prelude::*;
use leptos::task::spawn_local;
use orderboard_frontend::state::api_failure::ApiFailure;
use orderboard_frontend::state::connection::Connection;
use orderboard_frontend::state::labels::{channel_label, stage_label};
use orderboard_frontend::state::stream_message::{parse_message, TrackMessage};
use orderboard_frontend::state::time_fmt::unix_ms;
use orderboard_frontend::state::track_state::{
    headline, headline_tone, timeline, StepStatus, TrackState,
};
use orderboard_model::Stage;
use time::OffsetDateTime;

#[component]
pub fn TrackPage(token: String) -> impl IntoView {
    Effect::new(move |_| set_title(&t("track-title")));
    let state = RwSignal::new(TrackState::default());
    let connection = RwSignal::new(Connection::Connecting);
    let not_found = RwSignal::new(false);
    let now = ticking_clock();

    let alert_token = StoredValue::new(token.clone());
    let url = format!(
        "/api/track/{}/events",
        String::from(js_sys::encode_uri_component(&token))
    );
    let end_if_final = move |stream: &LiveStream| {
        if state.with_untracked(|s| s.is_final()) {
            stream.stop();
            connection.set(Connection::Ended);
            true
        } else {
            false
        }
    };
    let stream = LiveStream::open(
        &url,
        move |stream, signal| match signal {
            StreamSignal::Message { event, data } => match parse_message(event, data) {
                Ok(message) => {
                    state.update(|s| s.apply(message as TrackMessage));
                    connection.update(|c| *c = c.opened());
                    end_if_final(stream);
                }
                Err(e) => log_warning(&e),
            },
            StreamSignal::Opened => connection.update(|c| *c = c.opened()),
            StreamSignal::Failed { since_ms } => connection.update(|c| *c = c.failed(since_ms)),
        },
        // The browser gave up: the server was down, the order is unknown, or
        // it became final while this page was away (the stream then answers
        // 204). One look at the order tells which.
        move |stream| {
            if end_if_final(stream) {
                return;
            }
            let stream = stream.clone();
            let token = token.clone();
            spawn_local(async move {
                match fetch_tracked(&token).await {
                    Ok(order) => {
                        state.update(|s| s.upsert(order));
                        if !end_if_final(&stream) {
                            stream.reconnect_after_backoff();
                        }
                    }
                    Err(ApiFailure::Http { status: 404, .. }) => {
                        stream.stop();
                        not_found.set(true);
                    }
                    Err(_) => stream.reconnect_after_backoff(),
                }
            });
        },
    );
    StoredValue::new_local(stream);

    let announced = Memo::new(move |_| {
        state.with(|s| {
            s.order
                .as_ref()
                .map(|o| {
                    t_args(
                        "track-announce",
                        &[
                            ("number", o.number.into()),
                            ("stage", (&t(headline(o).0)).into()),
                        ],
                    )
                })
                .unwrap_or_default()
        })
    });
    // The place in the queue while the order waits. Only the estimate is
    // redrawn as the clock ticks (it turns into "any moment now" once its
    // time has come).
    let queue_view = move || {
        state.with(|s| s.place()).map(|place| {
            let estimate = move || {
                let now = OffsetDateTime::from_unix_timestamp_nanos(now.get() as i128 * 1_000_000)
                    .unwrap_or(OffsetDateTime::UNIX_EPOCH);
                match place.ready_at_after(now) {
                    Some(at) => t_args("track-queue-ready-around", &[("time", (&clock_hm(unix_ms(at))).into())]),
                    None => t("track-queue-any-moment"),
                }
            };
            view! {
                <section class="track-card track-queue" aria-label=t("track-queue") data-testid="track-queue">
                    <p class="track-ahead" data-testid="track-ahead">{t_args("track-queue-ahead", &[("count", place.ahead.into())])}</p>
                    <p class="track-estimate" data-testid="track-estimate">{estimate}</p>
                    <p class="track-typical">{t_args("track-queue-typical", &[("minutes", place.typical_minutes.into())])}</p>
                </section>
            }
        })
    };
    let order_view = move || {
        state.get().order.map(|order| {
            let (title, detail) = headline(&order);
            let (title, detail) = (t(title), t(detail));
            let l = locale();
            let tone = headline_tone(&order);
            let steps = timeline(&order);
            let is_final = order.stage.is_final();
            view! {
                <section class=format!("track-hero tone-{tone}") data-testid="track-status" data-stage=order.stage.as_str()>
                    <p class="track-number-label">{t("track-order-number")}</p>
                    <p class="track-number" data-testid="track-number">{order.number}</p>
                    <h1 class="track-headline">{title}</h1>
                    <p class="track-detail">{detail}</p>
                </section>
                {queue_view}
                {is_final
                    .then(|| {
                        let text = t(if order.stage == Stage::Cancelled {
                            "track-ended-cancelled"
                        } else {
                            "track-ended-complete"
                        });
                        view! { <p class="track-final" data-testid="track-final">{text}</p> }
                    })}
                <section class="track-card" aria-label=t("track-progress")>
                    <ol class="timeline">
                        {steps
                            .into_iter()
                            .map(|step| {
                                let class = match step.status {
                                    StepStatus::Current if step.stage == Stage::Cancelled => "step step-current step-cancelled",
                                    StepStatus::Done => "step step-done",
                                    StepStatus::Current => "step step-current",
                                    StepStatus::Upcoming => "step step-upcoming",
                                };
                                let at = step.at.map(|t| clock_hm(unix_ms(t))).unwrap_or_default();
                                view! {
                                    <li class=class aria-current=(step.status == StepStatus::Current).then_some("step")>
                                        <span class="step-dot" aria-hidden="true"></span>
                                        <span class="step-label">{stage_label(l, step.stage)}</span>
                                        <span class="step-time">{at}</span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                </section>
                <section class="track-card" aria-label=t("track-items")>
                    <h2 class="track-card-title">
                        {order.name.as_ref().map(|n| t_args("track-whose-order", &[("name", n.into())])).unwrap_or_else(|| t("track-your-order"))}
                        <span class=format!("chip chip-{}", order.channel.as_str())>{channel_label(l, order.channel)}</span>
                    </h2>
                    <ul class="track-items">
                        {order
                            .items
                            .iter()
                            .map(|i| view! {
                                <li>
                                    <span class="qty">{i.qty}"×"</span>
                                    <span>{i.name.clone()}</span>
                                    {(!i.modifiers.is_empty()).then(|| view! { <span class="track-modifiers" data-testid="track-modifiers">{i.modifiers.join(", ")}</span> })}
                                </li>
                            })
                            .collect_view()}
                    </ul>
                </section>
            }
        })
    };

    view! {
        <div class="app app-track">
            <header class="track-top">
                <div class="brand">
                    <span class="brand-mark" aria-hidden="true"></span>
                    <span class="brand-name">"Orderboard"</span>
                </div>
                <div class="track-top-right">
                    <LanguageSwitch/>
                    <Show when=move || !not_found.get()>
                        <ConnectionBadge connection=connection now=now/>
                    </Show>
                </div>
            </header>
            // The status, announced once each time it changes (the hero
            // below is redrawn with every message).
            <p class="visually-hidden" role="status" aria-live="polite" data-testid="track-announce">{move || announced.get()}</p>
            <main class="track-main">
                <Show
                    when=move || !not_found.get()
                    fallback=|| view! {
                        <div class="message-card" data-testid="track-not-found">
                            <h1>{move || t("track-not-found-heading")}</h1>
                            <p>{move || t("track-not-found-text")}</p>
                        </div>
                    }
                >
                    <Show when=move || state.with(|s| s.order.is_some()) fallback=|| view! { <p class="loading">{move || t("track-loading")}</p> }>
                        {order_view}
                        <Show when=move || !state.with(|s| s.is_final())>
                            <ReadyAlert token=alert_token.get_value() state=state/>
                        </Show>
                    </Show>
                </Show>
            </main>
        </div>
    }
}
