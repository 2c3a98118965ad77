//! The one encoder of WebSocket messages: `{"id":N,"event":"…","data":…}`.

use bytes::Bytes;
use orderboard_model::{SocketMessage, StreamEventName};
use serde::Serialize;

pub fn encode(id: u64, name: StreamEventName, data: &impl Serialize) -> Bytes {
    Bytes::from(
        serde_json::to_vec(&SocketMessage::new(id, name, data))
            .expect("model types always serialize"),
    )
}

/// The size of a frame the server sends (unmasked) with `payload` bytes.
pub fn sent_frame_len(payload: usize) -> u64 {
    let header = match payload {
        0..=125 => 2,
        126..=65535 => 4,
        _ => 10,
    };
    (header + payload) as u64
}

/// The size of a frame a client sends (masked) with `payload` bytes.
pub fn received_frame_len(payload: usize) -> u64 {
    sent_frame_len(payload) + 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_their_event() {
        let m = encode(9, StreamEventName::Order, &serde_json::json!({"a": 1}));
        assert_eq!(&m[..], br#"{"id":9,"event":"order","data":{"a":1}}"#);
        assert_eq!(sent_frame_len(125), 127);
        assert_eq!(sent_frame_len(126), 130);
        assert_eq!(received_frame_len(0), 6);
    }
}
