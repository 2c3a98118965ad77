//! Server-Sent Events, as the WHATWG EventSource spec wants them.
//!
//! - [`encoder`]: the one place SSE frames are written.
//! - [`resume`]: reading `Last-Event-ID` (or `?last_event_id=`) from a request.
//! - [`open_streams`]: counting open streams, so leaks show.
//! - [`snapshot_cache`]: one encoded snapshot shared by streams that start together.
//! - [`stream_response`]: the headers every event stream is answered with.
//! - [`board_fan_out`]: board streams at rest, written to by one sweep over their sockets.
//! - [`live_stream`]: one stream's life: snapshot or replay, then live
//!   changes, heartbeats, catch-up after lag, and the end at shutdown.

pub mod board_fan_out;
pub mod encoder;
pub mod live_stream;
pub mod open_streams;
pub mod resume;
pub mod snapshot_cache;
pub mod stream_response;
