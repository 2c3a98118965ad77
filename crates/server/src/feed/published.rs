//! A committed change, encoded once for every kind of stream.
//!
//! Each change is turned into its three SSE frames (staff, board, tracking) a
//! single time, when it is published or read back from the log; subscribers
//! share the bytes instead of encoding them again per connection. The
//! tracking WebSocket's message is encoded once too, when a socket first needs it.

use crate::sse::encoder;
use crate::sse::open_streams::StreamKind;
use crate::ws;
use bytes::Bytes;
use orderboard_model::{BoardEvent, OrderEvent, StreamEventName, TrackEvent};
use std::sync::OnceLock;
use uuid::Uuid;

#[derive(Debug)]
pub struct PublishedChange {
    pub seq: u64,
    pub order_id: Uuid,
    /// The order reached a final stage with this change.
    pub is_final: bool,
    pub staff_frame: Bytes,
    pub board_frame: Bytes,
    pub track_frame: Bytes,
    /// The change itself, for the transports that do not speak SSE (long
    /// polls and WebSockets).
    pub event: OrderEvent,
    /// The tracking WebSocket's `order` message, encoded by the first socket
    /// that needs it and shared by the rest.
    track_socket_message: OnceLock<Bytes>,
}

impl PublishedChange {
    pub fn encode(event: &OrderEvent) -> Self {
        PublishedChange {
            seq: event.seq,
            order_id: event.order.id,
            is_final: event.order.stage.is_final(),
            staff_frame: order_frame(StreamKind::Staff, event),
            board_frame: order_frame(StreamKind::Board, event),
            track_frame: order_frame(StreamKind::Track, event),
            event: event.clone(),
            track_socket_message: OnceLock::new(),
        }
    }

    /// The tracking WebSocket's `order` message for this change.
    pub fn track_socket_message(&self) -> Bytes {
        self.track_socket_message
            .get_or_init(|| {
                ws::message::encode(
                    self.seq,
                    StreamEventName::Order,
                    &TrackEvent::from(&self.event),
                )
            })
            .clone()
    }
}

/// One kind of stream's `order` frame for a change: what it may see of the
/// order, encoded. A replay needs only its own stream's frame.
pub fn order_frame(kind: StreamKind, event: &OrderEvent) -> Bytes {
    let name = StreamEventName::Order;
    match kind {
        StreamKind::Staff => encoder::event_frame(event.seq, name, event),
        StreamKind::Board => encoder::event_frame(event.seq, name, &BoardEvent::from(event)),
        StreamKind::Track => encoder::event_frame(event.seq, name, &TrackEvent::from(event)),
    }
}
