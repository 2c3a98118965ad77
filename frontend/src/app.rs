//! Picks the page for the address the browser opened. There is no in-app
//! navigation between the dispatcher, the board, a tracking page and the
//! workshop (links between them load a page), so the path is read once
//! instead of shipping a router.

use crate::components::staff_sign_in::StaffSignIn;
use crate::live::browser::current_path;
use crate::pages::{
    board::BoardPage, dispatcher::DispatcherPage, not_found::NotFoundPage, track::TrackPage,
    workshop::WorkshopPage,
};
use leptos::prelude::*;
use orderboard_frontend::state::routes::{page_for_path, Page};

#[component]
pub fn App() -> impl IntoView {
    match page_for_path(&current_path()) {
        Page::Dispatcher => view! { <DispatcherPage/><StaffSignIn/> }.into_any(),
        Page::Board => view! { <BoardPage/> }.into_any(),
        Page::Track(token) => view! { <TrackPage token=token/> }.into_any(),
        Page::Workshop => view! { <WorkshopPage/> }.into_any(),
        Page::NotFound => view! { <NotFoundPage/> }.into_any(),
    }
}
