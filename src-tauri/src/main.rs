//! The `orderboard` desktop binary: everything lives in the library so tests
//! and the Tauri CLI's builds share one code path.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]
#![forbid(unsafe_code)]

fn main() {
    // `orderboard --version` answers without starting the app (or handing
    // over to a running one).
    if std::env::args()
        .skip(1)
        .any(|arg| arg == "--version" || arg == "-V")
    {
        println!("{}", orderboard_desktop::version_line());
        return;
    }
    orderboard_desktop::run();
}
