//! The page for an address the app does not know.

use crate::live::browser::set_title;
use crate::live::locale::t;
use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    Effect::new(move |_| set_title(&t("not-found-title")));
    view! {
        <main class="page-message">
            <div class="message-card">
                <h1>{move || t("not-found-heading")}</h1>
                <p>{move || t("not-found-text")}</p>
                <p><a class="btn btn-secondary" href="/">{move || t("not-found-link")}</a></p>
            </div>
        </main>
    }
}
