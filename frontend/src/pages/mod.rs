//! The app's pages, one per audience.

pub mod board;
pub mod dispatcher;
pub mod not_found;
pub mod track;
pub mod workshop;
