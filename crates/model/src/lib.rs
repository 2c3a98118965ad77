//! Orderboard's shared vocabulary.
//!
//! Every type that crosses the wire lives here once, so that the server that
//! writes a payload and the UI that reads it can never disagree. The crate
//! does no I/O and builds for `wasm32-unknown-unknown` as well as natively.
//!
//! - [`stage`]: channels, stages and the stage machine (the only place the
//!   rules of who may move where are written down).
//! - [`order`]: an order, a new order, their items and their validation.
//! - [`kitchen`]: stations, the shared settings, the menu, item bumps and
//!   what station screens compute from an order's items.
//! - [`pages`]: which page of the UI a path shows.
//! - [`queue`]: a waiting order's place in the queue and its ready-time estimate.
//! - [`views`]: what the customer board and the tracking page may see of an order.
//! - [`stream`]: the payloads of the SSE streams (`snapshot`, `order`, `reset`, `settings`).
//! - [`keys`]: API keys for integrations and their scopes.
//! - [`webhooks`]: outbound webhooks, their endpoints and delivery attempts.
//! - [`printers`]: kitchen printers, their addresses and states.
//! - [`api`]: request bodies, the health report and the API's error shape.
//! - [`workshop`]: the four transports, their counts, comparisons and the demo driver.
//! - [`drill`]: the workshop's connection drop drill, with and without resume.
//! - [`reports`]: prep-time reports and the history of finished orders.
#![forbid(unsafe_code)]

pub mod api;
pub mod drill;
pub mod keys;
pub mod kitchen;
pub mod order;
pub mod pages;
pub mod printers;
pub mod queue;
pub mod reports;
pub mod stage;
pub mod stream;
pub mod views;
pub mod webhooks;
pub mod workshop;

pub use api::{ApiErrorBody, ApiErrorDetail, ErrorCode, Health, OpenStreams, StageChangeRequest};
pub use drill::{DrillGroup, DrillPhase, DrillReport, DrillRequest, DrillState};
pub use keys::{ApiKeyInfo, CreatedApiKey, NewApiKey, Scope};
pub use kitchen::{
    all_day, BoardSettings, ItemBumpRequest, Menu, MenuItem, Settings, Sounds, Station,
};
pub use order::{ExternalRef, Item, NewItem, NewOrder, Order, StageEntry, ValidationError};
pub use printers::{NewPrinter, PrintQueued, PrinterAddress, PrinterInfo, PrinterState};
pub use queue::{QueuePlace, TrackQueue, TracksQueue};
pub use reports::{GroupBy, HistoryPage, HourCount, Percentiles, PrepGroup, PrepTimesReport};
pub use stage::{ChangeKind, Channel, Stage, StageMachine, Transition, TransitionError};
pub use stream::{
    BoardEvent, BoardSettingsEvent, BoardSnapshot, Change, ItemChange, OrderEvent, SettingsEvent,
    StaffSnapshot, StreamEventName, TokenOrder, TrackEvent, TrackSnapshot, TracksEvent,
    TracksSnapshot, MAX_TRACKED_ORDERS,
};
pub use views::{BoardOrder, TrackedItem, TrackedOrder};
pub use webhooks::{CreatedWebhook, NewWebhook, WebhookAttempt, WebhookEventType, WebhookInfo};
pub use workshop::{
    ComparisonPhase, ComparisonRequest, ComparisonState, DemoRequest, DemoStatus, LoadReport,
    SocketMessage, Transport, TransportCounts, TransportCountsReport, TransportRates,
    TransportSummary, WorkshopSample,
};
