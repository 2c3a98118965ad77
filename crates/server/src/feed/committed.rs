//! A committed change as the feed carries it: the domain fact, with no wire
//! format in it.
//!
//! The store publishes the order's new state and the change (its sequence
//! number, kind, from and to). Streams encode it at the edge, in their own
//! wire format (`crate::wire`). So that a change followed by ten thousand
//! streams is still encoded once per wire format, each change keeps the
//! encodings made of it: the first stream that needs one makes it, the rest
//! share its bytes. The feed itself never looks inside them.

use super::LogEvent;
use bytes::Bytes;
use std::ops::Deref;
use std::sync::OnceLock;
use uuid::Uuid;

/// How many wire encodings a change can keep (`crate::wire::Encoding`).
pub const ENCODINGS: usize = 5;

#[derive(Debug)]
pub struct Committed {
    event: LogEvent,
    /// The encodings made so far, by slot.
    encoded: [OnceLock<Bytes>; ENCODINGS],
}

impl Committed {
    pub fn new(event: impl Into<LogEvent>) -> Self {
        Committed {
            event: event.into(),
            encoded: Default::default(),
        }
    }

    pub fn event(&self) -> &LogEvent {
        &self.event
    }

    /// The order it changed; `None` for a settings change.
    pub fn order_id(&self) -> Option<Uuid> {
        self.event.order_id()
    }

    /// The order reached a final stage with this change.
    pub fn is_final(&self) -> bool {
        self.event.is_final()
    }

    /// The change in the encoding kept in `slot`, made by `encode` the first
    /// time it is asked for and shared from then on.
    pub fn encoded(&self, slot: usize, encode: impl FnOnce(&LogEvent) -> Bytes) -> Bytes {
        self.encoded[slot]
            .get_or_init(|| encode(&self.event))
            .clone()
    }
}

impl Deref for Committed {
    type Target = LogEvent;

    fn deref(&self) -> &LogEvent {
        &self.event
    }
}

impl From<LogEvent> for Committed {
    fn from(event: LogEvent) -> Self {
        Committed::new(event)
    }
}
