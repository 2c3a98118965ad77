//! The app's pages, one per audience. The customer's build (without the
//! `staff` feature) has only the board and the tracking page.

pub mod board;
#[cfg(feature = "staff")]
pub mod dispatcher;
pub mod not_found;
#[cfg(feature = "staff")]
pub mod reports;
#[cfg(feature = "staff")]
pub mod station;
pub mod track;
#[cfg(feature = "staff")]
pub mod workshop;
