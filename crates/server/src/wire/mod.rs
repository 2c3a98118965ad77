//! Wire formats: committed changes and snapshots turned into the bytes a
//! transport sends. Each format has one encoder ([`sse`], [`ws`]); this
//! module says which encoder, and which view of an order, each stream gets.
//!
//! A change is encoded at most once per [`Encoding`], by the first stream
//! that needs it; the others share its bytes ([`crate::feed::Committed`]).

pub mod sse;
pub mod ws;

use crate::feed::Committed;
use crate::store::snapshots::Snapshot;
use bytes::Bytes;
use orderboard_model::{BoardEvent, OrderEvent, StreamEventName, TrackEvent, TracksEvent};

/// One wire format, with the view of an order its audience may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// SSE for dispatchers: every order, in full.
    StaffSse,
    /// SSE for customer boards: number, first name and stage.
    BoardSse,
    /// SSE for one customer's order.
    TrackSse,
    /// WebSocket messages for one customer's order.
    TrackWs,
    /// SSE for a few customers' orders on one stream, each event naming its
    /// order's tracking token.
    TracksSse,
}

impl Encoding {
    /// Where a change keeps this encoding of itself.
    fn slot(self) -> usize {
        match self {
            Encoding::StaffSse => 0,
            Encoding::BoardSse => 1,
            Encoding::TrackSse => 2,
            Encoding::TrackWs => 3,
            Encoding::TracksSse => 4,
        }
    }

    /// A committed change's `order` message: encoded by the first stream
    /// that asks, shared by the rest.
    pub fn change(self, change: &Committed) -> Bytes {
        change.encoded(self.slot(), |event| self.event(event))
    }

    /// An event's `order` message (one read back from the event log).
    pub fn event(self, event: &OrderEvent) -> Bytes {
        let name = StreamEventName::Order;
        match self {
            Encoding::StaffSse => sse::event_frame(event.seq, name, event),
            Encoding::BoardSse => sse::event_frame(event.seq, name, &BoardEvent::from(event)),
            Encoding::TrackSse => sse::event_frame(event.seq, name, &TrackEvent::from(event)),
            Encoding::TrackWs => ws::encode(event.seq, name, &TrackEvent::from(event)),
            Encoding::TracksSse => sse::event_frame(event.seq, name, &TracksEvent::from(event)),
        }
    }

    /// A `snapshot` or `reset` message.
    pub fn state(self, name: StreamEventName, snapshot: &Snapshot) -> Bytes {
        let id = snapshot.as_of();
        match (self, snapshot) {
            (Encoding::TrackWs, Snapshot::Track(s)) => ws::encode(id, name, s),
            (Encoding::TrackWs, _) => unreachable!("a socket follows one order"),
            (_, Snapshot::Staff(s)) => sse::event_frame(id, name, s),
            (_, Snapshot::Board(s)) => sse::event_frame(id, name, s),
            (_, Snapshot::Track(s)) => sse::event_frame(id, name, s),
            (_, Snapshot::Tracks { snapshot, .. }) => sse::event_frame(id, name, snapshot),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderboard_model::{Change, ChangeKind, Channel, Order, Stage, StageEntry};

    fn event() -> OrderEvent {
        let at = time::OffsetDateTime::UNIX_EPOCH;
        let order = Order {
            id: uuid::Uuid::nil(),
            number: 7,
            customer: Some("Ada Lovelace".into()),
            channel: Channel::Pickup,
            items: vec![],
            note: None,
            stage: Stage::Received,
            version: 1,
            created_at: at,
            updated_at: at,
            history: vec![StageEntry {
                stage: Stage::Received,
                at,
            }],
            tracking_token: "secret-token".into(),
            external_ref: None,
            table: None,
            due_at: None,
        };
        let change = Change {
            from: None,
            to: Stage::Received,
            kind: ChangeKind::Created,
            item: None,
        };
        OrderEvent {
            seq: 3,
            at,
            change,
            order,
        }
    }

    #[test]
    fn a_change_is_encoded_once_per_encoding_and_shared() {
        let change = Committed::new(event());
        let first = Encoding::BoardSse.change(&change);
        let again = Encoding::BoardSse.change(&change);
        assert_eq!(first.as_ptr(), again.as_ptr(), "the same bytes, not a copy");
        assert_eq!(first, Encoding::BoardSse.event(change.event()));
        let staff = Encoding::StaffSse.change(&change);
        assert_ne!(first, staff);
    }

    #[test]
    fn each_audience_sees_only_its_view() {
        let e = event();
        let board = String::from_utf8(Encoding::BoardSse.event(&e).to_vec()).unwrap();
        assert!(board.starts_with("id: 3\nevent: order\ndata: "), "{board}");
        assert!(
            !board.contains("Lovelace") && !board.contains("secret-token"),
            "{board}"
        );
        let staff = String::from_utf8(Encoding::StaffSse.event(&e).to_vec()).unwrap();
        assert!(staff.contains("Lovelace") && staff.contains("secret-token"));
        let tracks = String::from_utf8(Encoding::TracksSse.event(&e).to_vec()).unwrap();
        assert!(
            tracks.contains(r#""token":"secret-token""#),
            "names its order by the token its client sent: {tracks}"
        );
        assert!(
            !tracks.contains("Lovelace") && !tracks.contains(&e.order.id.to_string()),
            "{tracks}"
        );
        let socket = String::from_utf8(Encoding::TrackWs.event(&e).to_vec()).unwrap();
        assert!(socket.starts_with(r#"{"id":3,"event":"order""#), "{socket}");
    }
}
