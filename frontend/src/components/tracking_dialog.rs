//! The tracking link of one order, as text and as a QR code a customer scans
//! at the counter.

use crate::live::browser::origin;
use crate::live::locale::{t, t_args};
use leptos::prelude::*;
use orderboard_frontend::qr_svg::qr_svg;
use orderboard_model::Order;

#[component]
pub fn TrackingDialog(order: Order, on_close: Callback<()>) -> impl IntoView {
    let link = format!("{}/track/{}", origin(), order.tracking_token);
    let svg = qr_svg(&link).unwrap_or_default();
    let path = format!("/track/{}", order.tracking_token);
    view! {
        <div class="overlay" on:click=move |_| on_close.run(())>
            <div
                class="dialog dialog-qr"
                role="dialog"
                aria-modal="true"
                aria-labelledby="qr-title"
                data-testid="tracking-dialog"
                on:click=|ev| ev.stop_propagation()
            >
                <h2 id="qr-title">{t_args("qr-heading", &[("number", order.number.into())])}</h2>
                <p class="muted">{t("qr-text")}</p>
                <div class="qr" inner_html=svg role="img" aria-label=t("qr-image")></div>
                <p class="tracking-link"><a href=path target="_blank" rel="noopener" data-testid="tracking-link">{link}</a></p>
                <div class="dialog-actions">
                    <button type="button" class="btn btn-primary" on:click=move |_| on_close.run(())>{t("qr-done")}</button>
                </div>
            </div>
        </div>
    }
}
