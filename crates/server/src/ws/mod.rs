//! WebSockets: the tracking page's order over a socket instead of SSE.
//!
//! Workshop mode compares four ways to follow an order; this is the fourth.
//! A socket carries the same `snapshot`, `order` and `reset` payloads as the
//! SSE stream, each as one JSON text message with its event name and sequence
//! number ([`orderboard_model::SocketMessage`], encoded by
//! [`crate::wire::ws`]), and resumes from a sequence number the same way
//! (`?last_event_id=N`), through the same cursor ([`crate::stream::cursor`]).

pub mod track_socket;
