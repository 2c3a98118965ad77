//! The `orderboard` desktop binary: everything lives in the library so tests
//! and `cargo tauri` builds share one code path.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]
#![forbid(unsafe_code)]

fn main() {
    orderboard_desktop::run();
}
