//! The one SSE event encoder.
//!
//! Frames are written here and nowhere else. Every field is safe by
//! construction: `id:` is a decimal number, `event:` one of the fixed names,
//! and `data:` a single line of compact JSON (serde_json escapes every control
//! character, so a value can never contain CR or LF and split the event).

use bytes::{BufMut, Bytes, BytesMut};
use orderboard_model::StreamEventName;
use serde::Serialize;

/// `id: N`, `event: NAME` and one `data:` line of JSON.
pub fn event_frame(id: u64, name: StreamEventName, data: &impl Serialize) -> Bytes {
    frame(Some(id), name.as_str(), data)
}

/// `event: NAME` and one `data:` line of JSON, without an id: for streams of
/// measurements, which have nothing to resume (the workshop stream), and for
/// a tracked order's place in the queue, which is not in the event log.
pub fn unnumbered_frame(name: &'static str, data: &impl Serialize) -> Bytes {
    frame(None, name, data)
}

fn frame(id: Option<u64>, name: &'static str, data: &impl Serialize) -> Bytes {
    debug_assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
    let mut buf = BytesMut::with_capacity(256).writer();
    let head = match id {
        Some(id) => format!("id: {id}\nevent: {name}\ndata: "),
        None => format!("event: {name}\ndata: "),
    };
    std::io::Write::write_all(&mut buf, head.as_bytes()).expect("writing to memory");
    serde_json::to_writer(&mut buf, data).expect("model types always serialize");
    let mut buf = buf.into_inner();
    debug_assert!(!buf[head.len()..].iter().any(|b| *b == b'\n' || *b == b'\r'));
    buf.put_slice(b"\n\n");
    buf.freeze()
}

/// `retry: MS`: how long the client waits before it reconnects.
pub fn retry_frame(millis: u64) -> Bytes {
    Bytes::from(format!("retry: {millis}\n\n"))
}

/// A comment line; clients ignore it, proxies and dead peers notice it.
pub fn heartbeat_frame() -> Bytes {
    Bytes::from_static(b": keep-alive\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_stays_on_one_line() {
        let frame = event_frame(
            7,
            StreamEventName::Order,
            &serde_json::json!({"note": "a\r\nb\rc\nd\u{0}"}),
        );
        let text = std::str::from_utf8(&frame).unwrap();
        assert!(text.starts_with("id: 7\nevent: order\ndata: {"));
        assert!(text.ends_with("}\n\n"));
        assert_eq!(text.matches('\n').count(), 4, "{text:?}");
        assert!(!text.contains('\r'));
    }

    #[test]
    fn retry_is_digits_only() {
        assert_eq!(&retry_frame(3000)[..], b"retry: 3000\n\n");
    }
}
