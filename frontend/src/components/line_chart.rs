//! A line chart drawn as plain SVG: value axis with ticks and labels, a time
//! axis, one polyline per transport (split where nothing was measured) and a
//! legend in the transports' colours.
//!
//! Every coordinate comes from `state::chart`, which is tested natively; this
//! component only turns the computed model into elements. No chart library:
//! the page needs three small charts, and their colours come from the same
//! CSS classes as the rest of the workshop page.

use leptos::prelude::*;
use orderboard_frontend::state::chart::ChartModel;
use orderboard_frontend::state::transports::transport_class;
use orderboard_model::Transport;

fn n(v: f64) -> String {
    orderboard_frontend::state::numbers::trimmed(v, 1)
}

#[component]
pub fn LineChart(
    /// The heading, e.g. "Requests per second".
    title: &'static str,
    /// `data-testid` of the figure.
    testid: &'static str,
    model: Signal<ChartModel>,
    /// A line under the legend (e.g. how p50 and p99 are told apart).
    #[prop(optional)]
    note: Option<&'static str>,
) -> impl IntoView {
    let legend = move || {
        let mut seen: Vec<Transport> = Vec::new();
        model.with(|m| {
            for l in &m.lines {
                if !seen.contains(&l.transport) {
                    seen.push(l.transport);
                }
            }
        });
        seen.into_iter()
            .map(|t| {
                view! {
                    <li class=format!("legend-item {}", transport_class(t))>
                        <span class="legend-swatch" aria-hidden="true"></span>
                        {t.label()}
                    </li>
                }
            })
            .collect_view()
    };
    let drawing = move || {
        let m = model.get();
        let f = m.frame;
        let (left, right, top, bottom) =
            (f.plot_left(), f.plot_right(), f.plot_top(), f.plot_bottom());
        let y_ticks = m
            .y_ticks
            .iter()
            .map(|t| {
                view! {
                    <line class="chart-gridline" x1=n(left) x2=n(right) y1=n(t.at) y2=n(t.at)></line>
                    <text class="chart-label" x=n(left - 6.0) y=n(t.at) text-anchor="end" dominant-baseline="middle">{t.label.clone()}</text>
                }
            })
            .collect_view();
        let x_ticks = m
            .x_ticks
            .iter()
            .map(|t| {
                view! {
                    <line class="chart-tick" x1=n(t.at) x2=n(t.at) y1=n(bottom) y2=n(bottom + 4.0)></line>
                    <text class="chart-label" x=n(t.at) y=n(bottom + 16.0) text-anchor="middle">{t.label.clone()}</text>
                }
            })
            .collect_view();
        let lines = m
            .lines
            .iter()
            .flat_map(|l| {
                let class = l.class.clone();
                let transport = l.transport.as_str();
                l.segments.iter().map(move |points| {
                    view! {
                        <polyline class=class.clone() data-transport=transport points=points.clone() fill="none"></polyline>
                    }
                })
            })
            .collect_view();
        let empty = (!m.has_data).then(|| {
            view! {
                <text class="chart-empty" x=n((left + right) / 2.0) y=n((top + bottom) / 2.0) text-anchor="middle">
                    "Nothing measured yet"
                </text>
            }
        });
        view! {
            <svg
                class="chart-svg"
                viewBox=format!("0 0 {} {}", n(f.width), n(f.height))
                role="img"
                aria-label=title
                xmlns="http://www.w3.org/2000/svg"
            >
                <g>{y_ticks}</g>
                <g>{x_ticks}</g>
                <line class="chart-axis" x1=n(left) x2=n(left) y1=n(top) y2=n(bottom)></line>
                <line class="chart-axis" x1=n(left) x2=n(right) y1=n(bottom) y2=n(bottom)></line>
                <g class="chart-lines">{lines}</g>
                {empty}
            </svg>
        }
    };
    view! {
        <figure class="chart" data-testid=testid>
            <figcaption class="chart-title">{title}</figcaption>
            {drawing}
            <ul class="legend">{legend}</ul>
            {note.map(|t| view! { <p class="chart-note muted">{t}</p> })}
        </figure>
    }
}
