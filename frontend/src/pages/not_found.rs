//! The page for an address the app does not know.

use crate::live::browser::set_title;
use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    set_title("Not found · Orderboard");
    view! {
        <main class="page-message">
            <div class="message-card">
                <h1>"Page not found"</h1>
                <p>"This address is not part of Orderboard."</p>
                <p><a class="btn btn-secondary" href="/">"Go to the dispatcher"</a></p>
            </div>
        </main>
    }
}
