//! The reports page, `/reports`: prep times of finished orders per hour,
//! day, station or item, as bars and a table, with the busiest hours; and
//! the search of finished orders, where a found order opens with its items
//! and its whole stage history.
//!
//! A found order can be recalled: the stage machine's recall moves a
//! finished order one step back (a collected order to ready, a cancelled
//! one to the stage it was cancelled from), and it is back on the
//! dispatcher's board. The move states the version shown, so an order
//! changed meanwhile is refused, as everywhere.

use crate::live::browser::{now_ms, set_title};
use crate::live::locale::{locale, t, t_args};
use crate::live::staff_api::{change_stage, escape_query, history, prep_times};
use leptos::prelude::*;
use leptos::task::spawn_local;
use orderboard_frontend::state::labels::stage_label;
use orderboard_frontend::state::reports_view::{
    bar_percent, duration_label, group_by_name, parse_group_by, ReportForm, GROUPINGS,
};
use orderboard_model::reports::{GroupBy, HistoryPage, PrepTimesReport};
use orderboard_model::Order;
use time::format_description::well_known::Rfc3339;

fn today() -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(now_ms() / 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.date().to_string()
}

fn at(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

#[component]
fn ReportView(report: PrepTimesReport) -> impl IntoView {
    let max = report
        .groups
        .iter()
        .filter_map(|g| g.total.p90_ms)
        .max()
        .unwrap_or(0);
    let rows = report
        .groups
        .iter()
        .map(|g| {
            // Bars as SVG lengths: the page's CSP allows no inline styles.
            let p50 = orderboard_frontend::state::numbers::trimmed(bar_percent(g.total.p50_ms, max), 1);
            let p90 = orderboard_frontend::state::numbers::trimmed(bar_percent(g.total.p90_ms, max), 1);
            view! {
                <tr data-testid="report-group">
                    <th scope="row">{g.key.clone()}</th>
                    <td>{g.count}</td>
                    <td>{g.cancelled}</td>
                    <td>{duration_label(g.received_to_ready.p50_ms)}" / "{duration_label(g.received_to_ready.p90_ms)}</td>
                    <td>{duration_label(g.ready_to_handed_over.p50_ms)}" / "{duration_label(g.ready_to_handed_over.p90_ms)}</td>
                    <td>{duration_label(g.total.p50_ms)}" / "{duration_label(g.total.p90_ms)}</td>
                    <td aria-hidden="true">
                        <svg class="report-bars" viewBox="0 0 100 10" preserveAspectRatio="none" width="160" height="12">
                            <rect class="report-bar p90" x="0" y="0" width=p90 height="10"></rect>
                            <rect class="report-bar p50" x="0" y="2" width=p50 height="6"></rect>
                        </svg>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let hours = report
        .busiest_hours
        .iter()
        .take(5)
        .map(|h| {
            view! {
                <li>
                    {t_args(
                        "reports-hour-orders",
                        &[("hour", (&format!("{:02}:00", h.hour)).into()), ("count", h.orders.into())],
                    )}
                </li>
            }
        })
        .collect_view();
    let all = report.overall.clone();
    view! {
        <p data-testid="report-overall">
            {t_args(
                "reports-overall",
                &[
                    ("count", all.count.into()),
                    ("cancelled", all.cancelled.into()),
                    ("p50", (&duration_label(all.total.p50_ms)).into()),
                    ("p90", (&duration_label(all.total.p90_ms)).into()),
                    ("zone", (&report.tz).into()),
                ],
            )}
        </p>
        <table class="summary-table" data-testid="report-table">
            <thead><tr>
                <th scope="col">{group_by_name(report.by)}</th>
                <th scope="col">{t("reports-handed-over")}</th>
                <th scope="col">{t("reports-cancelled")}</th>
                <th scope="col">{t("reports-received-ready")}</th>
                <th scope="col">{t("reports-ready-handed")}</th>
                <th scope="col">{t("reports-total")}</th>
                <th scope="col">{t("reports-total-bar")}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <h3>{t("reports-busiest")}</h3>
        <ol data-testid="busiest-hours">{hours}</ol>
    }
}

#[component]
fn FoundOrder(order: Order) -> impl IntoView {
    let open = RwSignal::new(false);
    let l = locale();
    let title = format!(
        "#{} {} · {} · {}",
        order.number,
        order.customer.clone().unwrap_or_default(),
        stage_label(l, order.stage),
        at(order.updated_at)
    );
    let items = order
        .items
        .iter()
        .map(|i| view! { <li>{format!("{} × {}", i.qty, i.name)}</li> })
        .collect_view();
    let stages = order
        .history
        .iter()
        .map(|h| view! { <li>{format!("{}: {}", stage_label(l, h.stage), at(h.at))}</li> })
        .collect_view();
    let reference = order.external_ref.as_ref().map(|r| r.to_string());
    let back = order.machine().previous();
    let outcome = RwSignal::new(None::<String>);
    let (id, version) = (order.id, order.version);
    let recall = move |_| {
        let Some(to) = back else { return };
        spawn_local(async move {
            let said = match change_stage(id, to, version).await {
                Ok(o) => t_args(
                    "reports-recalled",
                    &[("stage", (&stage_label(l, o.stage)).into())],
                ),
                Err(f) => f.describe(crate::live::locale::locale()).1,
            };
            outcome.set(Some(said));
        });
    };
    view! {
        <li data-testid="history-result">
            <button type="button" on:click=move |_| open.update(|o| *o = !*o)>{title}</button>
            <div hidden=move || !open.get() data-testid="history-detail">
                {reference.map(|r| view! { <p>{t_args("reports-reference", &[("reference", (&r).into())])}</p> })}
                <ul>{items}</ul>
                <ol>{stages}</ol>
                {back.map(|to| view! {
                    <button type="button" data-testid="history-recall" on:click=recall>
                        {t_args("action-recall-to", &[("stage", (&stage_label(l, to)).into())])}
                    </button>
                })}
                <p role="status">{move || outcome.get()}</p>
            </div>
        </li>
    }
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    Effect::new(move |_| set_title(&t("reports-title")));
    let form = RwSignal::new(ReportForm {
        from_day: today(),
        to_day: today(),
        by: GroupBy::Hour,
        tz: "UTC".into(),
    });
    let report = RwSignal::new(None::<PrepTimesReport>);
    let report_error = RwSignal::new(None::<String>);
    let load_report = move || {
        let query = match form.get_untracked().query(escape_query) {
            Ok(q) => q,
            Err(e) => return report_error.set(Some(e)),
        };
        spawn_local(async move {
            match prep_times(&query).await {
                Ok(r) => {
                    report_error.set(None);
                    report.set(Some(r));
                }
                Err(f) => report_error.set(Some(f.describe(crate::live::locale::locale()).1)),
            }
        });
    };
    load_report();

    let q = RwSignal::new(String::new());
    let page = RwSignal::new(1u32);
    let found = RwSignal::new(None::<HistoryPage>);
    let search_error = RwSignal::new(None::<String>);
    let search = move |to_page: u32| {
        let text = q.get_untracked();
        spawn_local(async move {
            match history(&text, to_page).await {
                Ok(p) => {
                    search_error.set(None);
                    page.set(p.page);
                    found.set(Some(p));
                }
                Err(f) => search_error.set(Some(f.describe(crate::live::locale::locale()).1)),
            }
        });
    };

    let groupings = GROUPINGS
        .iter()
        .map(|(_, name)| view! { <option value=*name>{*name}</option> })
        .collect_view();
    view! {
        <header class="topbar"><h1>{t("nav-reports")}</h1><a class="btn btn-ghost" href="/">{t("dispatcher-heading")}</a></header>
        <main class="reports-main">
            <section aria-labelledby="prep-title">
                <h2 id="prep-title">{t("reports-prep")}</h2>
                <form on:submit=move |ev| { ev.prevent_default(); load_report(); }>
                    <label>{t("reports-from")}" "<input type="date" prop:value=move || form.get().from_day
                        on:change=move |ev| form.update(|f| f.from_day = event_target_value(&ev))/></label>
                    <label>" "{t("reports-to")}" "<input type="date" prop:value=move || form.get().to_day
                        on:change=move |ev| form.update(|f| f.to_day = event_target_value(&ev))/></label>
                    <label>" "{t("reports-by")}" "<select data-testid="report-by" on:change=move |ev| {
                        if let Some(by) = parse_group_by(&event_target_value(&ev)) {
                            form.update(|f| f.by = by);
                        }
                    }>{groupings}</select></label>
                    <label>" "{t("reports-zone")}" "<input type="text" prop:value=move || form.get().tz
                        on:change=move |ev| form.update(|f| f.tz = event_target_value(&ev))/></label>
                    <button type="submit">{t("reports-show")}</button>
                    " "
                    <a class="btn btn-ghost" data-testid="export-csv" href=move || {
                        form.get().range_query().map(|q| format!("/api/orders/export.csv?{q}")).unwrap_or_default()
                    }>{t("reports-export")}</a>
                </form>
                <p class="form-error" role="alert">{move || report_error.get()}</p>
                {move || report.get().map(|r| view! { <ReportView report=r/> })}
            </section>
            <section aria-labelledby="history-title">
                <h2 id="history-title">{t("reports-finished")}</h2>
                <form on:submit=move |ev| { ev.prevent_default(); search(1); }>
                    <input type="search" data-testid="history-q" placeholder=t("reports-search-placeholder")
                        prop:value=move || q.get() on:input=move |ev| q.set(event_target_value(&ev))/>
                    <button type="submit">{t("reports-search")}</button>
                </form>
                <p class="form-error" role="alert">{move || search_error.get()}</p>
                {move || found.get().map(|p| {
                    let pages = p.total.div_ceil(u64::from(p.per_page)).max(1);
                    let (current, more) = (p.page, u64::from(p.page) < pages);
                    view! {
                        <p data-testid="history-total">{t_args("reports-found", &[("count", p.total.into()), ("page", p.page.into()), ("pages", pages.into())])}</p>
                        <ul class="history-results">
                            {p.orders.into_iter().map(|o| view! { <FoundOrder order=o/> }).collect_view()}
                        </ul>
                        <button type="button" disabled=current <= 1 on:click=move |_| search(current - 1)>{t("reports-newer")}</button>
                        <button type="button" disabled=!more on:click=move |_| search(current + 1)>{t("reports-older")}</button>
                    }
                })}
            </section>
        </main>
    }
}
