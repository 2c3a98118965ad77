//! Snapshots shared between the streams that start at the same moment.
//!
//! Every board (and every dispatcher) that connects while nothing changes
//! would read and encode the very same snapshot. The cache keeps the last
//! encoded snapshot frame per wire encoding, tagged with the sequence number
//! it is as of, and serves it only while that is still the newest published
//! change: when a thousand screens reconnect after a restart, the database
//! is read once, not a thousand times.

use crate::wire::Encoding;
use bytes::Bytes;
use orderboard_model::StreamEventName;
use std::collections::HashMap;
use std::sync::Mutex;

/// A snapshot frame, and the sequence number it is as of.
type Kept = (u64, Bytes);

#[derive(Debug, Default)]
pub struct SnapshotCache {
    /// By encoding and event name (`snapshot` or `reset`).
    frames: Mutex<HashMap<(Encoding, &'static str), Kept>>,
}

impl SnapshotCache {
    /// The cached frame, if it is as of `head`.
    pub fn get(&self, encoding: Encoding, name: StreamEventName, head: u64) -> Option<Bytes> {
        let frames = self.frames.lock().unwrap_or_else(|e| e.into_inner());
        match frames.get(&(encoding, name.as_str())) {
            Some((as_of, frame)) if *as_of == head => Some(frame.clone()),
            _ => None,
        }
    }

    pub fn put(&self, encoding: Encoding, name: StreamEventName, as_of: u64, frame: Bytes) {
        let mut frames = self.frames.lock().unwrap_or_else(|e| e.into_inner());
        let entry = frames
            .entry((encoding, name.as_str()))
            .or_insert((as_of, frame.clone()));
        if as_of >= entry.0 {
            *entry = (as_of, frame);
        }
    }
}
