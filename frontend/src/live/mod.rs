//! The browser side of Orderboard's UI: each page's live stream (shared by
//! the pages of one browser profile, `shared_stream` and `live-worker.js`), calls
//! to the JSON API, the clock and the language, local storage and the board's chime. Pages use
//! these and hand everything they receive to the pure `state` modules.

pub mod api_client;
pub mod browser;
pub mod chime;
pub mod clock;
pub mod desktop_bridge;
pub mod event_source;
pub mod locale;
pub mod ready_alert;
pub mod shared_stream;
#[cfg(feature = "staff")]
pub mod staff_api;
pub mod wake_lock;
