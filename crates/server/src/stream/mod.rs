//! What every live stream shares, whatever its transport.
//!
//! - [`resume`]: reading the client's last id (`Last-Event-ID` or
//!   `?last_event_id=`).
//! - [`audience`]: who a stream is for, which decides what it may see.
//! - [`cursor`]: the one resume path: snapshot, replay or reset, then live
//!   changes, in order, each once.
//! - [`queue_follow`]: a tracking stream's places in the queue, sent when
//!   they move.
//! - [`snapshot_cache`]: one encoded snapshot shared by streams that start together.
//! - [`open_streams`]: counting open streams, so leaks show.

pub mod audience;
pub mod cursor;
pub mod open_streams;
pub mod queue_follow;
pub mod resume;
pub mod snapshot_cache;

pub use audience::Audience;
pub use cursor::{Cursor, Opened, Ready, Source, Step};
