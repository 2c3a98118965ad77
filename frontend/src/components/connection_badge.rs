//! The live / reconnecting / offline badge every page shows.

use crate::live::clock::clock_hms;
use crate::live::locale::locale;
use leptos::prelude::*;
use orderboard_frontend::state::connection::Connection;

#[component]
pub fn ConnectionBadge(connection: RwSignal<Connection>, now: RwSignal<i64>) -> impl IntoView {
    // Memos: the badge changes (and is announced) only when its words do,
    // not with every tick of the clock.
    let badge = Memo::new(move |_| connection.get().badge(now.get(), locale(), clock_hms));
    let class = Memo::new(move |_| badge.with(|b| b.0));
    let text = Memo::new(move |_| badge.with(|b| b.1.clone()));
    view! {
        <div class=move || format!("conn {}", class.get()) role="status" aria-live="polite" data-testid="connection">
            <span class="conn-dot" aria-hidden="true"></span>
            <span class="conn-text">{move || text.get()}</span>
        </div>
    }
}
