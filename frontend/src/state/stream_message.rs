//! Turns one SSE event (its name and its `data:` text) into a typed message.
//!
//! All three streams speak `snapshot`, `order` and `reset`; only the payload
//! types differ, so one generic parser serves the dispatcher, the board and
//! the tracking page. Tracking streams add `queue`: the order's place in the
//! queue, which carries no id.

use orderboard_model::{
    BoardEvent, BoardSnapshot, OrderEvent, SettingsEvent, StaffSnapshot, StreamEventName,
    TrackEvent, TrackQueue, TrackSnapshot,
};
use serde::de::DeserializeOwned;

/// One message of a stream whose snapshots are `S` and whose changes are `E`.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamMessage<S, E> {
    /// The whole state, first thing on a fresh connection.
    Snapshot(S),
    /// One change.
    Order(E),
    /// The whole state again, replacing everything (the server could not replay).
    Reset(S),
    /// A tracked order's new place in the queue.
    Queue(TrackQueue),
}

pub type StaffMessage = StreamMessage<StaffSnapshot, OrderEvent>;
pub type BoardMessage = StreamMessage<BoardSnapshot, BoardEvent>;
pub type TrackMessage = StreamMessage<TrackSnapshot, TrackEvent>;

/// One message of the staff stream: the orders' messages, or the kitchen's
/// new settings.
#[derive(Debug, Clone, PartialEq)]
pub enum StaffUpdate {
    Stream(Box<StaffMessage>),
    Settings(SettingsEvent),
}

/// Parses a staff stream event, `settings` included.
pub fn parse_staff(event: &str, data: &str) -> Result<StaffUpdate, String> {
    if StreamEventName::parse(event) == Some(StreamEventName::Settings) {
        return serde_json::from_str(data)
            .map(StaffUpdate::Settings)
            .map_err(|e| format!("malformed `{event}` event: {e}"));
    }
    parse_message(event, data).map(|m| StaffUpdate::Stream(Box::new(m)))
}

/// Parses an event; unknown names and malformed JSON are errors worth logging.
pub fn parse_message<S: DeserializeOwned, E: DeserializeOwned>(
    event: &str,
    data: &str,
) -> Result<StreamMessage<S, E>, String> {
    let name =
        StreamEventName::parse(event).ok_or_else(|| format!("unknown stream event `{event}`"))?;
    let bad = |e: serde_json::Error| format!("malformed `{event}` event: {e}");
    Ok(match name {
        StreamEventName::Snapshot => {
            StreamMessage::Snapshot(serde_json::from_str(data).map_err(bad)?)
        }
        StreamEventName::Reset => StreamMessage::Reset(serde_json::from_str(data).map_err(bad)?),
        StreamEventName::Order => StreamMessage::Order(serde_json::from_str(data).map_err(bad)?),
        StreamEventName::Queue => StreamMessage::Queue(serde_json::from_str(data).map_err(bad)?),
        StreamEventName::Settings => {
            return Err(format!("`{event}` events are not applied by this screen"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::fixtures::*;

    #[test]
    fn parses_each_event_name() {
        let snap = serde_json::to_string(&StaffSnapshot {
            as_of: 4,
            orders: vec![order(1)],
            recently_finished: vec![],
            settings: Default::default(),
        })
        .unwrap();
        let m: StaffMessage = parse_message("snapshot", &snap).unwrap();
        assert!(matches!(m, StreamMessage::Snapshot(s) if s.as_of == 4 && s.orders.len() == 1));
        let m: StaffMessage = parse_message("reset", &snap).unwrap();
        assert!(matches!(m, StreamMessage::Reset(_)));
        let ev = serde_json::to_string(&created_event(5, order(2))).unwrap();
        let m: StaffMessage = parse_message("order", &ev).unwrap();
        assert!(matches!(m, StreamMessage::Order(e) if e.seq == 5));
        let m: TrackMessage = parse_message("queue", r#"{"queue":null}"#).unwrap();
        assert_eq!(m, StreamMessage::Queue(TrackQueue { queue: None }));
    }

    #[test]
    fn the_staff_stream_carries_settings() {
        let ev = SettingsEvent {
            seq: 7,
            settings: orderboard_model::Settings {
                ageing_warn_secs: 60,
                ..Default::default()
            },
        };
        let m = parse_staff("settings", &serde_json::to_string(&ev).unwrap()).unwrap();
        assert_eq!(m, StaffUpdate::Settings(ev));
        let ev = serde_json::to_string(&created_event(5, order(2))).unwrap();
        assert!(matches!(
            parse_staff("order", &ev).unwrap(),
            StaffUpdate::Stream(m) if matches!(*m, StreamMessage::Order(_))
        ));
        assert!(parse_staff("settings", "{")
            .unwrap_err()
            .contains("malformed"));
    }

    #[test]
    fn reports_unknown_names_and_bad_json() {
        assert!(parse_message::<StaffSnapshot, OrderEvent>("ping", "{}")
            .unwrap_err()
            .contains("unknown"));
        assert!(parse_message::<StaffSnapshot, OrderEvent>("order", "{")
            .unwrap_err()
            .contains("malformed"));
    }
}
