//! The live / reconnecting / offline badge every page shows.

use crate::live::browser::tz_offset_minutes;
use leptos::prelude::*;
use orderboard_frontend::state::connection::Connection;

#[component]
pub fn ConnectionBadge(connection: RwSignal<Connection>, now: RwSignal<i64>) -> impl IntoView {
    let offset = tz_offset_minutes();
    let badge = move || connection.get().badge(now.get(), offset);
    view! {
        <div class=move || format!("conn {}", badge().0) role="status" aria-live="polite" data-testid="connection">
            <span class="conn-dot" aria-hidden="true"></span>
            <span class="conn-text">{move || badge().1}</span>
        </div>
    }
}
