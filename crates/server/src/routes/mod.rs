//! HTTP handlers, one module per resource.
//!
//! - [`health`] — `/api/health`
//! - [`orders`] — `/api/orders…`, where staff create and move orders
//! - [`order_history`] — `/api/orders/history` and `/api/orders/export.csv`, finished orders
//! - [`reports`] — `/api/reports/…`, prep times of finished orders
//! - [`staff_events`] — `/api/events`, the dispatchers' live stream
//! - [`board`] — `/api/board/events`, the customer board's live stream
//! - [`track`] — `/api/track/{token}…`, one customer's order and the four ways to follow it
//! - [`tracks`] — `/api/track/events?tokens=…`, one browser's tracked orders on one stream
//! - [`workshop`] — `/metrics` and `/api/workshop/…`, what each transport costs, and comparisons
//! - [`keys`] — `/api/keys…`, the API keys of integrations
//! - [`webhooks`] — `/api/webhooks…`, endpoints that changes are sent to
//! - [`printers`] — `/api/printers…` and `/api/orders/{id}/print`, kitchen printers and reprints
//! - [`demo`] — `/api/demo`, the demo driver's switch
//! - [`settings`] — `/api/settings`, the kitchen's shared settings
//! - [`menu`] — `/api/menu`, the dishes and their stations

pub mod board;
pub mod demo;
pub mod health;
pub mod keys;
pub mod menu;
pub mod order_history;
pub mod orders;
pub mod printers;
pub mod reports;
pub mod settings;
pub mod staff_events;
pub mod track;
pub mod tracks;
pub mod webhooks;
pub mod workshop;
