//! The dispatcher's view of the kitchen: active orders and recently finished ones.
//!
//! Fed by the staff stream (`snapshot`, `order`, `reset`) and by the orders the
//! API hands back after a change, which may arrive before or after the
//! matching stream event. Versions decide which copy of an order is newer, and
//! sequence numbers let replayed events after a reconnect be skipped.

use crate::state::stream_message::{StaffMessage, StaffUpdate, StreamMessage};
use orderboard_model::{Order, OrderEvent, Settings, SettingsEvent, StaffSnapshot, Stage};
use uuid::Uuid;

/// How many finished orders the dispatcher keeps at hand for a recall.
pub const RECENTLY_FINISHED_CAP: usize = 12;

/// The dispatcher's columns, left to right.
pub const COLUMNS: [Stage; 5] = [
    Stage::Scheduled,
    Stage::Received,
    Stage::Preparing,
    Stage::Ready,
    Stage::OutForDelivery,
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StaffState {
    /// Active orders, oldest first.
    pub orders: Vec<Order>,
    /// Finished orders (collected, delivered, cancelled), newest first.
    pub recently_finished: Vec<Order>,
    /// The sequence number of the newest event applied.
    pub last_seq: u64,
    /// Whether a snapshot has arrived yet.
    pub synced: bool,
    /// The kitchen's shared settings, as the stream last sent them.
    pub settings: Settings,
}

impl StaffState {
    pub fn apply(&mut self, message: StaffMessage) {
        match message {
            StreamMessage::Snapshot(s) | StreamMessage::Reset(s) => self.replace(s),
            StreamMessage::Order(e) => self.apply_event(e),
            // Tracking streams' alone.
            StreamMessage::Queue(_) => {}
        }
    }

    /// Applies any staff stream message, the kitchen's settings included.
    pub fn apply_update(&mut self, update: StaffUpdate) {
        match update {
            StaffUpdate::Stream(m) => self.apply(*m),
            StaffUpdate::Settings(e) => self.apply_settings(e),
        }
    }

    /// Takes new settings, unless the state already holds a later event.
    pub fn apply_settings(&mut self, event: SettingsEvent) {
        if self.synced && event.seq <= self.last_seq {
            return;
        }
        self.last_seq = self.last_seq.max(event.seq);
        self.settings = event.settings;
    }

    fn replace(&mut self, snapshot: StaffSnapshot) {
        self.settings = snapshot.settings;
        self.orders = snapshot.orders;
        sort_active(&mut self.orders);
        self.recently_finished = snapshot.recently_finished;
        sort_finished(&mut self.recently_finished);
        self.last_seq = snapshot.as_of;
        self.synced = true;
    }

    /// Applies one change; events the state already holds (replays) are skipped.
    pub fn apply_event(&mut self, event: OrderEvent) {
        if self.synced && event.seq <= self.last_seq {
            return;
        }
        self.last_seq = self.last_seq.max(event.seq);
        self.upsert(event.order);
    }

    /// Puts an order in its place, unless the state already has this version
    /// or a newer one. Returns whether anything changed.
    pub fn upsert(&mut self, order: Order) -> bool {
        if self
            .find(order.id)
            .is_some_and(|known| known.version >= order.version)
        {
            return false;
        }
        self.orders.retain(|o| o.id != order.id);
        self.recently_finished.retain(|o| o.id != order.id);
        if order.stage.is_final() {
            self.recently_finished.push(order);
            sort_finished(&mut self.recently_finished);
            self.recently_finished.truncate(RECENTLY_FINISHED_CAP);
        } else {
            self.orders.push(order);
            sort_active(&mut self.orders);
        }
        true
    }

    pub fn find(&self, id: Uuid) -> Option<&Order> {
        self.orders
            .iter()
            .chain(&self.recently_finished)
            .find(|o| o.id == id)
    }

    /// The active orders in one stage, oldest first.
    pub fn column(&self, stage: Stage) -> Vec<Order> {
        self.orders
            .iter()
            .filter(|o| o.stage == stage)
            .cloned()
            .collect()
    }

    /// Ids of the active orders, column by column (for keyboard selection).
    pub fn column_ids(&self) -> Vec<Vec<Uuid>> {
        COLUMNS
            .iter()
            .map(|s| {
                self.orders
                    .iter()
                    .filter(|o| o.stage == *s)
                    .map(|o| o.id)
                    .collect()
            })
            .collect()
    }
}

fn sort_active(orders: &mut [Order]) {
    orders.sort_by(|a, b| {
        a.created_at
            .cmp(&b.created_at)
            .then(a.number.cmp(&b.number))
    });
}

fn sort_finished(orders: &mut [Order]) {
    orders.sort_by_key(|o| std::cmp::Reverse(o.updated_at));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::fixtures::*;

    fn snapshot(as_of: u64, orders: Vec<Order>, finished: Vec<Order>) -> StaffMessage {
        StreamMessage::Snapshot(StaffSnapshot {
            as_of,
            orders,
            recently_finished: finished,
            settings: Default::default(),
        })
    }

    #[test]
    fn settings_come_with_the_snapshot_and_then_as_events() {
        let mut s = StaffState::default();
        let mut snap = StaffSnapshot {
            as_of: 4,
            orders: vec![],
            recently_finished: vec![],
            settings: Default::default(),
        };
        snap.settings.ageing_warn_secs = 30;
        s.apply(StreamMessage::Snapshot(snap));
        assert_eq!(s.settings.ageing_warn_secs, 30);
        let later = |seq, warn| {
            StaffUpdate::Settings(SettingsEvent {
                seq,
                settings: Settings {
                    ageing_warn_secs: warn,
                    ..Default::default()
                },
            })
        };
        s.apply_update(later(5, 90));
        assert_eq!((s.settings.ageing_warn_secs, s.last_seq), (90, 5));
        // A replay after a reconnect changes nothing.
        s.apply_update(later(4, 45));
        assert_eq!(s.settings.ageing_warn_secs, 90);
    }

    #[test]
    fn snapshot_fills_columns_oldest_first() {
        let mut s = StaffState::default();
        let late = order(3);
        let early = moved(&order(1), Stage::Preparing);
        s.apply(snapshot(
            9,
            vec![late.clone(), order(2), early.clone()],
            vec![],
        ));
        assert!(s.synced);
        assert_eq!(s.last_seq, 9);
        assert_eq!(
            s.column(Stage::Received)
                .iter()
                .map(|o| o.number)
                .collect::<Vec<_>>(),
            vec![2, 3]
        );
        assert_eq!(s.column(Stage::Preparing), vec![early]);
        assert_eq!(s.column_ids()[1], vec![order(2).id, late.id]);
    }

    #[test]
    fn events_create_move_and_finish_orders() {
        let mut s = StaffState::default();
        s.apply(snapshot(1, vec![], vec![]));
        let o = order(7);
        s.apply(StreamMessage::Order(created_event(2, o.clone())));
        assert_eq!(s.column(Stage::Received).len(), 1);
        let ready = moved(&moved(&o, Stage::Preparing), Stage::Ready);
        s.apply(StreamMessage::Order(change_event(3, &o, ready.clone())));
        assert_eq!(s.column(Stage::Ready), vec![ready.clone()]);
        let collected = moved(&ready, Stage::Collected);
        s.apply(StreamMessage::Order(change_event(
            4,
            &ready,
            collected.clone(),
        )));
        assert!(s.orders.is_empty());
        assert_eq!(s.recently_finished, vec![collected.clone()]);
        // A recall brings it back from the finished list.
        let back = moved(&collected, Stage::Ready);
        s.apply(StreamMessage::Order(change_event(
            5,
            &collected,
            back.clone(),
        )));
        assert!(s.recently_finished.is_empty());
        assert_eq!(s.column(Stage::Ready), vec![back]);
        assert_eq!(s.last_seq, 5);
    }

    #[test]
    fn replayed_events_are_skipped() {
        let mut s = StaffState::default();
        let o = order(1);
        let prep = moved(&o, Stage::Preparing);
        s.apply(snapshot(5, vec![prep.clone()], vec![]));
        // The server replays an old event after a reconnect: it must not move the order back.
        s.apply(StreamMessage::Order(created_event(4, o)));
        assert_eq!(s.column(Stage::Preparing), vec![prep]);
        assert_eq!(s.last_seq, 5);
    }

    #[test]
    fn api_answers_and_events_may_arrive_in_either_order() {
        let mut s = StaffState::default();
        let o = order(1);
        s.apply(snapshot(1, vec![o.clone()], vec![]));
        let prep = moved(&o, Stage::Preparing);
        assert!(s.upsert(prep.clone()), "the API answer lands first");
        s.apply(StreamMessage::Order(change_event(2, &o, prep.clone())));
        assert_eq!(s.orders, vec![prep.clone()]);
        assert_eq!(s.last_seq, 2);
        // An older copy (say, a slow API answer) never overwrites a newer one.
        assert!(!s.upsert(o));
        assert_eq!(s.orders, vec![prep]);
    }

    #[test]
    fn reset_replaces_everything() {
        let mut s = StaffState::default();
        s.apply(snapshot(
            3,
            vec![order(1), order(2)],
            vec![moved(&order(9), Stage::Cancelled)],
        ));
        s.apply(StreamMessage::Reset(StaffSnapshot {
            as_of: 40,
            orders: vec![order(5)],
            recently_finished: vec![],
            settings: Default::default(),
        }));
        assert_eq!(s.orders, vec![order(5)]);
        assert!(s.recently_finished.is_empty());
        assert_eq!(s.last_seq, 40);
    }

    #[test]
    fn finished_list_is_newest_first_and_capped() {
        let mut s = StaffState::default();
        s.apply(snapshot(0, vec![], vec![]));
        for n in 1..=(RECENTLY_FINISHED_CAP as u32 + 3) {
            let o = order(n);
            s.apply(StreamMessage::Order(change_event(
                n as u64,
                &o,
                moved(&o, Stage::Cancelled),
            )));
        }
        assert_eq!(s.recently_finished.len(), RECENTLY_FINISHED_CAP);
        assert_eq!(
            s.recently_finished[0].number,
            RECENTLY_FINISHED_CAP as u32 + 3
        );
    }

    #[test]
    fn delivery_orders_have_their_own_column() {
        let mut s = StaffState::default();
        let d = delivery(4);
        let out = moved(
            &moved(&moved(&d, Stage::Preparing), Stage::Ready),
            Stage::OutForDelivery,
        );
        s.apply(snapshot(1, vec![out.clone()], vec![]));
        assert_eq!(s.column(Stage::OutForDelivery), vec![out]);
        assert_eq!(s.column_ids()[4].len(), 1);
    }
}
