//! The order store's writer on SQLite: one node, one file.

pub mod display_numbers;
pub mod one_round_trip;
pub mod writer;
pub mod writes;
