//! The browser side of Orderboard's UI: the one `EventSource` per page, calls
//! to the JSON API, the clock, local storage and the board's chime. Pages use
//! these and hand everything they receive to the pure `state` modules.

pub mod api_client;
pub mod browser;
pub mod chime;
#[cfg(feature = "staff")]
pub mod desktop_bridge;
pub mod event_source;
#[cfg(feature = "staff")]
pub mod staff_api;
