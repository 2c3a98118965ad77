//! A kitchen station's screen (`/station/{id}`): which items it shows, what a
//! key press does, and the undo stack of its bumps.
//!
//! The orders come from the staff stream ([`StaffState`]); this module picks
//! the station's items still to make, oldest order first, maps the number
//! keys of a bump bar to them, and answers with the bump to send, as data.

use crate::i18n::{tr_args, Locale};
use crate::state::labels::channel_label;
use crate::state::settings::AgeThresholds;
use crate::state::staff_state::StaffState;
use orderboard_model::{ChangeKind, Channel, OrderEvent, Settings, Stage};
use time::OffsetDateTime;
use uuid::Uuid;

/// How many bumps the screen can undo, newest first.
pub const UNDO_DEPTH: usize = 20;

/// The keys that undo the last bump.
pub const UNDO_KEYS: [&str; 3] = ["u", "U", "Backspace"];

/// One item on the station's screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub order_id: Uuid,
    pub number: u32,
    pub channel: Channel,
    /// A dine-in order's table.
    pub table: Option<String>,
    /// The item's position in its order.
    pub index: usize,
    pub name: String,
    pub qty: u8,
    pub modifiers: Vec<String>,
    pub note: Option<String>,
    /// When the order came in: the ticket ages from there.
    pub since: OffsetDateTime,
    /// The order's version as this screen saw it.
    pub version: u64,
}

/// A bump to send: `POST /api/orders/{order_id}/items/{index}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bump {
    pub order_id: Uuid,
    pub index: usize,
    pub done: bool,
    pub expected_version: u64,
}

/// Where an order is for the kitchen: its table (`Table 12`), or its channel.
pub fn place(locale: Locale, channel: Channel, table: Option<&str>) -> String {
    match (channel, table) {
        (Channel::DineIn, Some(t)) => tr_args(locale, "station-table", &[("table", t.into())]),
        _ => channel_label(locale, channel),
    }
}

/// The station's items still to make, of active orders that are not waiting
/// for their time, oldest order first, then in the order's own order.
pub fn tickets(state: &StaffState, station: &str) -> Vec<Ticket> {
    let mut orders: Vec<_> = state
        .orders
        .iter()
        .filter(|o| !o.stage.is_final() && o.stage != Stage::Scheduled)
        .collect();
    orders.sort_by(|a, b| {
        a.created_at
            .cmp(&b.created_at)
            .then(a.number.cmp(&b.number))
    });
    orders
        .into_iter()
        .flat_map(|o| {
            o.station_items(station)
                .filter(|(_, item)| !item.is_done())
                .map(move |(index, item)| Ticket {
                    order_id: o.id,
                    number: o.number,
                    channel: o.channel,
                    table: o.table.clone(),
                    index,
                    name: item.name.clone(),
                    qty: item.qty,
                    modifiers: item.modifiers.clone(),
                    note: item.note.clone(),
                    since: o.created_at,
                    version: o.version,
                })
        })
        .collect()
}

/// The station's "all day" counts: each item name with how many are still to make.
pub fn all_day(state: &StaffState, station: &str) -> Vec<(String, u32)> {
    orderboard_model::all_day(&state.orders, station)
}

/// The age thresholds the shared settings give.
pub fn thresholds(settings: &Settings) -> AgeThresholds {
    AgeThresholds {
        warn_after_secs: settings.ageing_warn_secs,
        late_after_secs: settings.ageing_late_secs,
    }
}

/// The position a bump bar's number key stands for (`1` is the first ticket).
pub fn key_position(key: &str) -> Option<usize> {
    match key.parse::<usize>() {
        Ok(n @ 1..=9) => Some(n - 1),
        _ => None,
    }
}

/// Whether a change on the staff stream is a new order this station should
/// hear about: a created (or fired) order with an item for the station.
pub fn is_arrival(event: &OrderEvent, station: Option<&str>) -> bool {
    let fresh = event.order.stage != Stage::Scheduled
        && (event.change.kind == ChangeKind::Created
            || event.change.from == Some(Stage::Scheduled));
    fresh
        && station.is_none_or(|s| {
            event
                .order
                .items
                .iter()
                .any(|i| i.station.as_deref() == Some(s))
        })
}

/// The screen's own bumps, for undo.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StationView {
    /// Bumped items (order, index), newest last.
    undo: Vec<(Uuid, usize)>,
}

impl StationView {
    /// What a key press asks for, given the tickets on screen.
    pub fn on_key(&mut self, key: &str, tickets: &[Ticket], state: &StaffState) -> Option<Bump> {
        if UNDO_KEYS.contains(&key) {
            return self.undo(state);
        }
        let ticket = tickets.get(key_position(key)?)?;
        Some(Self::bump(ticket))
    }

    /// The bump for one ticket (a click or a tap).
    pub fn bump(ticket: &Ticket) -> Bump {
        Bump {
            order_id: ticket.order_id,
            index: ticket.index,
            done: true,
            expected_version: ticket.version,
        }
    }

    /// Remembers a bump the server accepted.
    pub fn bumped(&mut self, bump: Bump) {
        if bump.done {
            self.undo.push((bump.order_id, bump.index));
            if self.undo.len() > UNDO_DEPTH {
                self.undo.remove(0);
            }
        }
    }

    /// Whether there is a bump to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Takes the newest bump whose order is still active, as the bump that
    /// marks its item not done again.
    pub fn undo(&mut self, state: &StaffState) -> Option<Bump> {
        while let Some((order_id, index)) = self.undo.pop() {
            if let Some(order) = state.orders.iter().find(|o| o.id == order_id) {
                if order.items.get(index).is_some_and(|i| i.is_done()) {
                    return Some(Bump {
                        order_id,
                        index,
                        done: false,
                        expected_version: order.version,
                    });
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::fixtures::*;
    use orderboard_model::{Change, Item, Order};

    fn item(name: &str, qty: u8, station: &str) -> Item {
        Item {
            name: name.into(),
            qty,
            station: Some(station.into()),
            ..Item::default()
        }
    }

    fn kitchen(n: u32, items: Vec<Item>) -> Order {
        Order { items, ..order(n) }
    }

    fn state(orders: Vec<Order>) -> StaffState {
        let mut s = StaffState::default();
        for o in orders {
            s.upsert(o);
        }
        s
    }

    fn done(mut o: Order, index: usize) -> Order {
        o.items[index].done_at = Some(t0());
        o.version += 1;
        o
    }

    #[test]
    fn shows_only_the_stations_items_to_make_oldest_first() {
        let mut dine_in = kitchen(
            1,
            vec![item("Burger", 2, "grill"), item("Fries", 1, "fryer")],
        );
        dine_in.channel = Channel::DineIn;
        dine_in.table = Some("7".into());
        let later = kitchen(
            2,
            vec![item("Steak", 1, "grill"), item("Burger", 1, "grill")],
        );
        let mut scheduled = kitchen(3, vec![item("Burger", 5, "grill")]);
        scheduled.stage = Stage::Scheduled;
        let s = state(vec![later.clone(), done(dine_in, 1), scheduled]);
        let t = tickets(&s, "grill");
        let seen: Vec<_> = t.iter().map(|t| (t.number, t.name.as_str())).collect();
        assert_eq!(seen, [(1, "Burger"), (2, "Steak"), (2, "Burger")]);
        assert_eq!(
            place(Locale::En, t[0].channel, t[0].table.as_deref()),
            "Table 7"
        );
        assert_eq!(
            place(Locale::De, t[0].channel, t[0].table.as_deref()),
            "Tisch 7"
        );
        assert_eq!(
            place(Locale::En, t[1].channel, t[1].table.as_deref()),
            "Pickup"
        );
        assert!(tickets(&s, "fryer").is_empty());
        assert_eq!(
            all_day(&s, "grill"),
            [("Burger".to_string(), 3), ("Steak".to_string(), 1)]
        );
        let s = state(vec![done(later, 0)]);
        assert_eq!(all_day(&s, "grill"), [("Burger".to_string(), 1)]);
    }

    #[test]
    fn number_keys_bump_by_position_and_undo_takes_the_last_bump_back() {
        let o = kitchen(
            1,
            vec![item("Burger", 1, "grill"), item("Steak", 1, "grill")],
        );
        let s = state(vec![o.clone()]);
        let t = tickets(&s, "grill");
        let mut view = StationView::default();
        let bump = view.on_key("2", &t, &s).unwrap();
        assert_eq!(
            bump,
            Bump {
                order_id: o.id,
                index: 1,
                done: true,
                expected_version: 1
            }
        );
        assert_eq!(view.on_key("3", &t, &s), None);
        assert_eq!(view.on_key("0", &t, &s), None);
        assert_eq!(view.on_key("x", &t, &s), None);
        assert!(!view.can_undo());
        view.bumped(bump);
        assert!(view.can_undo());
        let s = state(vec![done(o, 1)]);
        let undo = view.on_key("u", &tickets(&s, "grill"), &s).unwrap();
        assert_eq!(
            undo,
            Bump {
                order_id: bump.order_id,
                index: 1,
                done: false,
                expected_version: 2
            }
        );
        assert_eq!(view.undo(&s), None);
    }

    #[test]
    fn undo_skips_bumps_already_taken_back_elsewhere() {
        let o = kitchen(1, vec![item("Burger", 1, "grill")]);
        let mut view = StationView::default();
        view.bumped(StationView::bump(
            &tickets(&state(vec![o.clone()]), "grill")[0],
        ));
        // Another screen marked it not done again: nothing left to undo here.
        assert_eq!(view.undo(&state(vec![o])), None);
        for i in 0..(UNDO_DEPTH + 5) {
            view.bumped(Bump {
                order_id: Uuid::from_u128(i as u128),
                index: 0,
                done: true,
                expected_version: 1,
            });
        }
        assert_eq!(view.undo.len(), UNDO_DEPTH);
    }

    #[test]
    fn arrivals_are_new_orders_with_an_item_for_the_station() {
        let o = kitchen(1, vec![item("Burger", 1, "grill")]);
        let ev = |kind, from, order: Order| OrderEvent {
            change: Change {
                from,
                to: order.stage,
                kind,
                item: None,
            },
            ..created_event(3, order)
        };
        assert!(is_arrival(
            &ev(ChangeKind::Created, None, o.clone()),
            Some("grill")
        ));
        assert!(is_arrival(&ev(ChangeKind::Created, None, o.clone()), None));
        assert!(!is_arrival(
            &ev(ChangeKind::Created, None, o.clone()),
            Some("bar")
        ));
        assert!(!is_arrival(
            &ev(
                ChangeKind::Advance,
                Some(Stage::Received),
                moved(&o, Stage::Preparing)
            ),
            None
        ));
        let mut scheduled = o.clone();
        scheduled.stage = Stage::Scheduled;
        assert!(!is_arrival(&ev(ChangeKind::Created, None, scheduled), None));
        assert!(is_arrival(
            &ev(ChangeKind::Advance, Some(Stage::Scheduled), o),
            Some("grill")
        ));
    }
}
