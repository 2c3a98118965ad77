//! Server-Sent Events, as the WHATWG EventSource spec wants them.
//!
//! - [`live_stream`]: one stream's life on its cursor: what it yields,
//!   heartbeats, and a board stream's parking.
//! - [`stream_response`]: the headers every event stream is answered with.
//!
//! The frames themselves are written by [`crate::wire::sse`], and where a
//! stream starts is decided by [`crate::stream::cursor`].

pub mod live_stream;
pub mod stream_response;
