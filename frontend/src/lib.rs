//! Orderboard's UI logic that needs no browser.
//!
//! Everything here is plain Rust, compiled natively for `cargo test -p
//! orderboard-frontend` and into the WASM app alike: how stream messages
//! change each page's state, how ages, labels and clock times are worded,
//! how the new-order form becomes a `NewOrder`. The browser side (Leptos
//! views, `EventSource`, `fetch`, audio) lives in the binary's `live`,
//! `pages` and `components` modules and only calls into this crate.
#![forbid(unsafe_code)]

pub mod i18n;
pub mod qr_svg;
pub mod state;
