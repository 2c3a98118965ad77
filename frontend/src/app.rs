//! Picks the page for the address the browser opened. There is no in-app
//! navigation between the dispatcher, the board, a tracking page and the
//! workshop (links between them load a page), so the path is read once
//! instead of shipping a router.
//!
//! The customer's build (without the `staff` feature) has the board and the
//! tracking page only; the server never sends it for a staff page.

use crate::live::browser::current_path;
use crate::live::locale::{self, Audience};
use crate::pages::{board::BoardPage, not_found::NotFoundPage, track::TrackPage};
use leptos::prelude::*;
use orderboard_model::pages::{page_for_path, Page};

#[component]
pub fn App() -> impl IntoView {
    let page = page_for_path(&current_path());
    // The customer's pages speak the browser's language (or the one picked
    // on the page); the staff pages the staff setting.
    locale::init(match page {
        Page::Board | Page::Track(_) | Page::NotFound => Audience::Customer,
        _ => Audience::Staff,
    });
    match page {
        Page::Board => view! { <BoardPage/> }.into_any(),
        Page::Track(token) => view! { <TrackPage token=token/> }.into_any(),
        Page::NotFound => view! { <NotFoundPage/> }.into_any(),
        staff => staff_page(staff),
    }
}

#[cfg(feature = "staff")]
fn staff_page(page: Page) -> AnyView {
    use crate::components::staff_sign_in::StaffSignIn;
    use crate::pages::{
        dispatcher::DispatcherPage, reports::ReportsPage, station::StationPage,
        workshop::WorkshopPage,
    };
    match page {
        Page::Workshop => view! { <WorkshopPage/> }.into_any(),
        Page::Reports => view! { <ReportsPage/><StaffSignIn/> }.into_any(),
        Page::Station(id) => view! { <StationPage id=id/><StaffSignIn/> }.into_any(),
        _ => view! { <DispatcherPage/><StaffSignIn/> }.into_any(),
    }
}

/// The customer's build has no staff page to show.
#[cfg(not(feature = "staff"))]
fn staff_page(_: Page) -> AnyView {
    view! { <NotFoundPage/> }.into_any()
}
