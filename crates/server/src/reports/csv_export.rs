//! Finished orders as CSV: a header row, then one row per item, each with
//! its order's number, reference, channel, customer, and the time it
//! entered each stage (RFC 3339, UTC; empty for a stage it never entered),
//! and then the item's modifiers (joined by `; `), its station and the
//! order's table (empty when none).
//!
//! A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and
//! some read a leading tab or carriage return the same way) as a formula;
//! such a cell is written with a `'` in front, so that it shows as text.

use orderboard_model::{Order, Stage};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The header row.
pub const HEADER: [&str; 16] = [
    "order_number",
    "external_ref",
    "channel",
    "customer",
    "item",
    "qty",
    "created_at",
    "received_at",
    "preparing_at",
    "ready_at",
    "out_for_delivery_at",
    "finished_at",
    "final_stage",
    "modifiers",
    "station",
    "table",
];

/// The cell as a spreadsheet should show it: as text, never as a formula.
pub fn guard_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// When the order last entered `stage`, if it did.
fn entered(order: &Order, stage: Stage) -> String {
    order
        .history
        .iter()
        .rev()
        .find(|h| h.stage == stage)
        .map(|h| rfc3339(h.at))
        .unwrap_or_default()
}

/// The whole file.
pub fn write(orders: &[Order]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER)?;
    for order in orders {
        let fixed = [
            order.number.to_string(),
            order
                .external_ref
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            order.channel.as_str().to_string(),
            order.customer.clone().unwrap_or_default(),
        ];
        let times = [
            rfc3339(order.created_at),
            entered(order, Stage::Received),
            entered(order, Stage::Preparing),
            entered(order, Stage::Ready),
            entered(order, Stage::OutForDelivery),
            rfc3339(order.stage_since()),
            order.stage.as_str().to_string(),
        ];
        for item in &order.items {
            let row = fixed
                .iter()
                .cloned()
                .chain([item.name.clone(), item.qty.to_string()])
                .chain(times.iter().cloned())
                .chain([
                    item.modifiers.join("; "),
                    item.station.clone().unwrap_or_default(),
                    order.table.clone().unwrap_or_default(),
                ]);
            out.write_record(row.map(|cell| guard_formula(&cell).into_owned()))?;
        }
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_written_as_text() {
        for (cell, shown) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1 555", "'+1 555"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("Tea", "Tea"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(guard_formula(cell), shown);
        }
    }

    #[test]
    fn items_carry_their_modifiers_station_and_table() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let order = Order {
            id: uuid::Uuid::nil(),
            number: 4,
            customer: None,
            channel: orderboard_model::Channel::DineIn,
            items: vec![orderboard_model::Item {
                name: "Burger".into(),
                qty: 1,
                modifiers: vec!["=no onions".into(), "extra cheese".into()],
                station: Some("grill".into()),
                ..Default::default()
            }],
            note: None,
            stage: Stage::Served,
            version: 4,
            created_at: at,
            updated_at: at,
            history: vec![],
            tracking_token: String::new(),
            external_ref: None,
            table: Some("12".into()),
            due_at: None,
        };
        let text = String::from_utf8(write(&[order]).unwrap()).unwrap();
        let row = text.lines().nth(1).unwrap();
        assert!(
            row.ends_with(",'=no onions; extra cheese,grill,12"),
            "{row}"
        );
    }
}
