//! Orderboard's browser app: the entry point Trunk builds to WASM.
//!
//! The pure logic lives in the library (`orderboard_frontend::state`); this
//! binary adds the Leptos views and the browser plumbing. Natively the binary
//! only explains itself, so `cargo test -p orderboard-frontend` and workspace
//! builds need no browser.
#![forbid(unsafe_code)]

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod live;
#[cfg(target_arch = "wasm32")]
mod pages;

#[cfg(target_arch = "wasm32")]
fn main() {
    leptos::mount::mount_to_body(app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("orderboard-frontend runs in the browser: build it with `trunk build --release` in frontend/.");
}
