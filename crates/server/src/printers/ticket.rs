//! What a kitchen ticket says about an order: its number (large), its
//! table (dine-in) or channel, the time (and when it is due, if
//! scheduled), its reference in another system, then each item with its
//! modifiers and note, and the order's note.
//!
//! A printer's stations choose its share of the items ([`share`]): a
//! printer without stations prints every item; one with stations prints
//! the items of those stations, and items that have no station (so that
//! no item is printed nowhere). An item's station is read through
//! [`station_of`] only. An item's modifiers and notes print indented
//! under it ([`item_lines`]).

use super::escpos::{self, Line};
use orderboard_model::{Change, ChangeKind, Item, Order, Stage};
use time::OffsetDateTime;

/// Whether a change of the log prints kitchen tickets: an order made for
/// now, or a scheduled order that entered `received` (the kitchen starts
/// on it).
pub fn prints(change: &Change) -> bool {
    match change.kind {
        ChangeKind::Created => change.to != Stage::Scheduled,
        ChangeKind::Advance => {
            change.from == Some(Stage::Scheduled) && change.to == Stage::Received
        }
        _ => false,
    }
}

/// The station an item is made at, if it says.
pub fn station_of(item: &Item) -> Option<&str> {
    item.station.as_deref()
}

/// The items of `order` that a printer with `stations` prints.
pub fn share(order: &Order, stations: &[String]) -> Vec<Item> {
    order
        .items
        .iter()
        .filter(|item| {
            stations.is_empty()
                || station_of(item).is_none_or(|s| stations.iter().any(|own| own == s))
        })
        .cloned()
        .collect()
}

/// The ESC/POS ticket of `order` for a printer with `stations`, headed
/// `REPRINT` if it is one; `None` if none of its items are the printer's.
pub fn order_ticket(order: &Order, stations: &[String], reprint: bool) -> Option<Vec<u8>> {
    let items = share(order, stations);
    if items.is_empty() {
        return None;
    }
    let mut lines = Vec::new();
    if reprint {
        lines.push(Line::Normal("REPRINT".into()));
    }
    lines.extend(self::lines(order, &items, order.created_at));
    Some(escpos::encode(&lines))
}

/// The test ticket of printer `name`, printed at `at` (UTC).
pub fn test_ticket(name: &str, at: OffsetDateTime) -> Vec<u8> {
    escpos::encode(&[
        Line::Large("TEST".into()),
        Line::Normal(format!("Orderboard printer {name}")),
        Line::Normal(format!(
            "{}-{:02}-{:02} {:02}:{:02} UTC",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute()
        )),
    ])
}

/// The lines of the ticket for `order`, with `items` (a printer's share of
/// them), printed at `at` (UTC).
pub fn lines(order: &Order, items: &[Item], at: OffsetDateTime) -> Vec<Line> {
    let place = match &order.table {
        Some(table) => format!("Table {table}"),
        None => order.channel.as_str().to_string(),
    };
    let mut lines = vec![
        Line::Large(format!("#{}", order.number)),
        Line::Normal(format!("{place} {:02}:{:02}", at.hour(), at.minute())),
    ];
    if let Some(due) = order.due_at {
        lines.push(Line::Normal(format!(
            "Due {:02}:{:02}",
            due.hour(),
            due.minute()
        )));
    }
    if let Some(r) = &order.external_ref {
        lines.push(Line::Normal(format!("Ref {}:{}", r.source, r.id)));
    }
    if let Some(customer) = &order.customer {
        lines.push(Line::Normal(customer.clone()));
    }
    lines.push(Line::Normal("-".repeat(32)));
    for item in items {
        lines.extend(item_lines(item));
    }
    if let Some(note) = &order.note {
        lines.push(Line::Normal(format!("Note: {note}")));
    }
    lines
}

/// An item's lines: `2 x Falafel wrap`, then each modifier (`  - no
/// onions`) and its note (`  Note: well done`), indented.
pub fn item_lines(item: &Item) -> Vec<Line> {
    let mut lines = vec![Line::Normal(format!("{} x {}", item.qty, item.name))];
    lines.extend(
        item.modifiers
            .iter()
            .map(|m| Line::Normal(format!("  - {m}"))),
    );
    if let Some(note) = &item.note {
        lines.push(Line::Normal(format!("  Note: {note}")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderboard_model::{Channel, ExternalRef, Stage};

    fn sample() -> Order {
        let at = OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(9 * 60 + 5);
        Order {
            id: uuid::Uuid::nil(),
            number: 12,
            customer: Some("Ada".into()),
            channel: Channel::Delivery,
            items: vec![Item {
                name: "Falafel wrap".into(),
                qty: 2,
                modifiers: vec!["no onions".into(), "extra chili".into()],
                note: Some("cut in half".into()),
                ..Item::default()
            }],
            note: Some("no onions".into()),
            stage: Stage::Received,
            version: 1,
            created_at: at,
            updated_at: at,
            history: vec![],
            tracking_token: String::new(),
            external_ref: Some(ExternalRef {
                source: "till-1".into(),
                id: "A-1043".into(),
            }),
            table: None,
            due_at: None,
        }
    }

    #[test]
    fn a_ticket_shows_number_channel_time_reference_items_and_note() {
        let at = OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(9 * 60 + 5);
        let order = sample();
        let text: Vec<String> = lines(&order, &order.items, at)
            .into_iter()
            .map(|l| match l {
                Line::Large(t) => format!("LARGE {t}"),
                Line::Normal(t) => t,
            })
            .collect();
        assert_eq!(text[0], "LARGE #12");
        assert_eq!(text[1], "delivery 09:05");
        assert_eq!(text[2], "Ref till-1:A-1043");
        let at_item = text.iter().position(|l| l == "2 x Falafel wrap").unwrap();
        assert_eq!(
            text[at_item + 1..at_item + 4],
            ["  - no onions", "  - extra chili", "  Note: cut in half"]
        );
        assert_eq!(text.last().unwrap(), "Note: no onions");
    }

    fn item(name: &str, station: Option<&str>) -> Item {
        Item {
            name: name.into(),
            qty: 1,
            station: station.map(String::from),
            ..Item::default()
        }
    }

    #[test]
    fn a_printer_prints_its_stations_items_and_those_of_no_station() {
        let items = vec![
            item("Burger", Some("grill")),
            item("Lemonade", Some("bar")),
            item("Bread", None),
        ];
        let order = Order { items, ..sample() };
        let names = |stations: &[&str]| {
            let stations: Vec<String> = stations.iter().map(|s| s.to_string()).collect();
            share(&order, &stations)
                .into_iter()
                .map(|i| i.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&[]), ["Burger", "Lemonade", "Bread"]);
        assert_eq!(names(&["grill"]), ["Burger", "Bread"]);
        assert_eq!(names(&["bar", "grill"]), ["Burger", "Lemonade", "Bread"]);
        assert_eq!(names(&["pastry"]), ["Bread"]);
    }

    #[test]
    fn orders_for_now_print_when_made_and_scheduled_ones_when_received() {
        let change = |from, to, kind| Change {
            from,
            to,
            kind,
            item: None,
        };
        assert!(prints(&change(None, Stage::Received, ChangeKind::Created)));
        assert!(!prints(&change(
            None,
            Stage::Scheduled,
            ChangeKind::Created
        )));
        assert!(prints(&change(
            Some(Stage::Scheduled),
            Stage::Received,
            ChangeKind::Advance
        )));
        assert!(!prints(&change(
            Some(Stage::Received),
            Stage::Preparing,
            ChangeKind::Advance
        )));
    }
}
