//! The quick new-order form: what the dispatcher typed, and the `NewOrder` it makes.
//!
//! Blank item lines are ignored, so a spare empty line never blocks an order.
//! The model's validation runs before anything is sent, and its field paths
//! (`items[2].qty`) are mapped back to the line the dispatcher sees — for the
//! model's own checks and for a 422 from the server alike.

use orderboard_model::order::MAX_QTY;
use orderboard_model::{Channel, Menu, MenuItem, NewItem, NewOrder, ValidationError};
use time::{Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemLine {
    pub name: String,
    pub qty: u8,
    /// Modifiers as typed, split by commas (`no onions, extra cheese`).
    pub modifiers: String,
    /// A note for the kitchen.
    pub note: String,
    /// A station id; empty takes the menu's station for the name.
    pub station: String,
}

impl Default for ItemLine {
    fn default() -> Self {
        ItemLine {
            name: String::new(),
            qty: 1,
            modifiers: String::new(),
            note: String::new(),
            station: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderForm {
    pub customer: String,
    pub channel: Channel,
    pub note: String,
    pub lines: Vec<ItemLine>,
    /// The table of a dine-in order.
    pub table: String,
    /// When a scheduled order is due, as a `datetime-local` input gives it
    /// (`2026-03-14T19:30`, the browser's local time); empty for now.
    pub due: String,
    /// The browser zone's offset east of UTC, in minutes, for `due`.
    pub offset_minutes: i32,
}

impl Default for OrderForm {
    fn default() -> Self {
        OrderForm {
            customer: String::new(),
            channel: Channel::Pickup,
            note: String::new(),
            lines: vec![ItemLine::default()],
            table: String::new(),
            due: String::new(),
            offset_minutes: 0,
        }
    }
}

/// The menu's dish a typed name stands for: the one named so (ignoring
/// case), else the only one whose name starts with it, else the only one
/// whose name contains it. Free text stands for none.
pub fn complete<'a>(menu: &'a Menu, typed: &str) -> Option<&'a MenuItem> {
    let typed = typed.trim().to_lowercase();
    if typed.is_empty() {
        return None;
    }
    let name = |i: &MenuItem| i.name.trim().to_lowercase();
    if let Some(exact) = menu.items.iter().find(|i| name(i) == typed) {
        return Some(exact);
    }
    let only = |matches: Vec<&'a MenuItem>| (matches.len() == 1).then(|| matches[0]);
    only(
        menu.items
            .iter()
            .filter(|i| name(i).starts_with(&typed))
            .collect(),
    )
    .or_else(|| {
        only(
            menu.items
                .iter()
                .filter(|i| name(i).contains(&typed))
                .collect(),
        )
    })
}

/// Reads a `datetime-local` value in a zone `offset_minutes` east of UTC.
pub fn parse_due(value: &str, offset_minutes: i32) -> Result<Option<OffsetDateTime>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let with_secs =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let local = PrimitiveDateTime::parse(value, format)
        .or_else(|_| PrimitiveDateTime::parse(value, with_secs))
        .map_err(|_| "Due time: pick a date and a time".to_string())?;
    let offset = UtcOffset::from_whole_seconds(offset_minutes * 60)
        .map_err(|_| "Due time: unknown time zone".to_string())?;
    Ok(Some(local.assume_offset(offset).to_offset(UtcOffset::UTC)))
}

/// Checks a due time against the present, as the server will.
pub fn check_due(due: OffsetDateTime, now: OffsetDateTime) -> Result<(), String> {
    if due <= now {
        return Err("Due time must be in the future".into());
    }
    if due - now > Duration::days(7) {
        return Err("Due time must be at most 7 days ahead".into());
    }
    Ok(())
}

/// A form field an error message belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormField {
    Customer,
    Note,
    Items,
    ItemName(usize),
    ItemQty(usize),
    /// A line's modifiers, note or station.
    ItemDetail(usize),
    Table,
    Due,
    /// A field the form does not show; the message goes at the top.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    pub field: FormField,
    pub message: String,
}

/// A `NewOrder` ready to send, and which form line each of its items came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedOrder {
    pub order: NewOrder,
    pub line_of_item: Vec<usize>,
}

impl PreparedOrder {
    /// Maps a field path of the sent order (from the server) to the form.
    pub fn form_error(&self, field: Option<&str>, message: &str) -> FormError {
        FormError {
            field: field.map_or(FormField::Other, |f| to_form_field(f, &self.line_of_item)),
            message: message.to_string(),
        }
    }
}

impl OrderForm {
    /// Completes a line's name from the menu (Enter in the name field).
    /// Returns whether the line names a dish on the menu.
    pub fn complete_line(&mut self, index: usize, menu: &Menu) -> bool {
        let Some(line) = self.lines.get_mut(index) else {
            return false;
        };
        match complete(menu, &line.name) {
            Some(item) => {
                line.name = item.name.clone();
                true
            }
            None => false,
        }
    }

    pub fn add_line(&mut self) {
        self.lines.push(ItemLine::default());
    }

    pub fn remove_line(&mut self, index: usize) {
        if index < self.lines.len() {
            self.lines.remove(index);
        }
        if self.lines.is_empty() {
            self.lines.push(ItemLine::default());
        }
    }

    /// Steps a line's quantity by `delta`, within 1..=MAX_QTY.
    pub fn step_qty(&mut self, index: usize, delta: i32) {
        if let Some(line) = self.lines.get_mut(index) {
            line.qty = (line.qty as i32 + delta).clamp(1, MAX_QTY as i32) as u8;
        }
    }

    /// Whether the minus button of a line removes it (its quantity is 1 and
    /// other lines remain) rather than lowering the quantity.
    pub fn minus_removes(&self, index: usize) -> bool {
        self.lines.len() > 1 && self.lines.get(index).is_some_and(|l| l.qty <= 1)
    }

    /// The minus button: one less, or away with the line at quantity 1.
    pub fn minus(&mut self, index: usize) {
        if self.minus_removes(index) {
            self.remove_line(index);
        } else {
            self.step_qty(index, -1);
        }
    }

    /// The order to send, or the first error, placed on its form field.
    pub fn prepare(&self) -> Result<PreparedOrder, FormError> {
        let mut items = Vec::new();
        let mut line_of_item = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            if line.name.trim().is_empty() {
                continue;
            }
            items.push(NewItem {
                modifiers: line
                    .modifiers
                    .split(',')
                    .map(|m| m.trim().to_string())
                    .filter(|m| !m.is_empty())
                    .collect(),
                note: Some(line.note.clone()),
                station: Some(line.station.clone()),
                ..NewItem::plain(line.name.clone(), line.qty)
            });
            line_of_item.push(i);
        }
        let due_at = parse_due(&self.due, self.offset_minutes).map_err(|message| FormError {
            field: FormField::Due,
            message,
        })?;
        let new_order = NewOrder {
            customer: Some(self.customer.clone()),
            channel: self.channel,
            items,
            note: Some(self.note.clone()),
            external_ref: None,
            table: (self.channel == Channel::DineIn).then(|| self.table.clone()),
            due_at,
        };
        match new_order.normalized() {
            Ok(order) => Ok(PreparedOrder {
                order,
                line_of_item,
            }),
            Err(ValidationError { field, message }) => Err(FormError {
                field: to_form_field(&field, &line_of_item),
                message: if field == "items" && self.lines.iter().all(|l| l.name.trim().is_empty())
                {
                    "Add at least one item".into()
                } else {
                    capitalize(&message)
                },
            }),
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `customer`, `note`, `items`, `items[3].name`, `items[3].qty` → the form field.
fn to_form_field(field: &str, line_of_item: &[usize]) -> FormField {
    match field {
        "customer" => return FormField::Customer,
        "note" => return FormField::Note,
        "table" => return FormField::Table,
        "due_at" => return FormField::Due,
        "items" => return FormField::Items,
        _ => {}
    }
    let Some(rest) = field.strip_prefix("items[") else {
        return FormField::Other;
    };
    let Some((index, tail)) = rest.split_once(']') else {
        return FormField::Other;
    };
    let Ok(index) = index.parse::<usize>() else {
        return FormField::Other;
    };
    let line = line_of_item.get(index).copied().unwrap_or(index);
    match tail {
        ".name" => FormField::ItemName(line),
        ".qty" => FormField::ItemQty(line),
        t if t.starts_with(".modifiers") || t == ".note" || t == ".station" => {
            FormField::ItemDetail(line)
        }
        _ => FormField::Items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, qty: u8) -> ItemLine {
        ItemLine {
            name: name.into(),
            qty,
            ..ItemLine::default()
        }
    }

    fn menu() -> Menu {
        let dish = |name: &str| MenuItem {
            name: name.into(),
            category: "Mains".into(),
            station: Some("grill".into()),
        };
        Menu {
            items: vec![dish("Burger"), dish("Veggie burger"), dish("Steak frites")],
        }
    }

    #[test]
    fn names_complete_from_the_menu_and_free_text_stays() {
        let m = menu();
        assert_eq!(complete(&m, "burger").unwrap().name, "Burger");
        assert_eq!(complete(&m, "st").unwrap().name, "Steak frites");
        assert_eq!(complete(&m, "veg").unwrap().name, "Veggie burger");
        assert_eq!(complete(&m, "frit").unwrap().name, "Steak frites");
        // A start beats a middle: "b" starts only "Burger".
        assert_eq!(complete(&m, "b").unwrap().name, "Burger");
        assert!(complete(&m, "e").is_none(), "ambiguous");
        assert!(complete(&m, "Soup of the day").is_none());
        let mut form = OrderForm {
            lines: vec![line("stea", 2), line("Soup", 1)],
            ..OrderForm::default()
        };
        assert!(form.complete_line(0, &m));
        assert_eq!(form.lines[0].name, "Steak frites");
        assert!(!form.complete_line(1, &m));
        assert_eq!(form.lines[1].name, "Soup");
    }

    #[test]
    fn details_table_and_due_time_make_the_order() {
        let form = OrderForm {
            channel: Channel::DineIn,
            table: " 7 ".into(),
            due: "2026-03-14T19:30".into(),
            offset_minutes: 60,
            lines: vec![ItemLine {
                modifiers: "no onions, , extra cheese".into(),
                note: "<b>rare</b>".into(),
                station: "grill".into(),
                ..line("Burger", 2)
            }],
            ..OrderForm::default()
        };
        let o = form.prepare().unwrap().order;
        assert_eq!(o.table.as_deref(), Some("7"));
        assert_eq!(
            o.due_at,
            Some(time::macros::datetime!(2026-03-14 18:30 UTC))
        );
        assert_eq!(o.items[0].modifiers, ["no onions", "extra cheese"]);
        assert_eq!(o.items[0].note.as_deref(), Some("<b>rare</b>"));
        assert_eq!(o.items[0].station.as_deref(), Some("grill"));
        // A pickup order sends no table, and blank details are left out.
        let plain = OrderForm {
            table: "7".into(),
            lines: vec![line("Tea", 1)],
            ..OrderForm::default()
        }
        .prepare()
        .unwrap()
        .order;
        assert_eq!(plain.table, None);
        assert_eq!(plain.items[0].note, None);
        assert_eq!(plain.items[0].station, None);
        let bad = OrderForm {
            due: "tomorrow".into(),
            lines: vec![line("Tea", 1)],
            ..OrderForm::default()
        };
        assert_eq!(bad.prepare().unwrap_err().field, FormField::Due);
        let long = OrderForm {
            lines: vec![ItemLine {
                modifiers: "x".repeat(61),
                ..line("Tea", 1)
            }],
            ..OrderForm::default()
        };
        assert_eq!(long.prepare().unwrap_err().field, FormField::ItemDetail(0));
        let now = time::macros::datetime!(2026-03-14 12:00 UTC);
        assert!(check_due(now + Duration::hours(1), now).is_ok());
        assert!(check_due(now, now).is_err());
        assert!(check_due(now + Duration::days(8), now).is_err());
    }

    #[test]
    fn prepares_a_trimmed_order_skipping_blank_lines() {
        let form = OrderForm {
            customer: "  Ada Lovelace ".into(),
            channel: Channel::Delivery,
            note: "   ".into(),
            lines: vec![
                line("", 1),
                line(" Falafel wrap ", 2),
                line("  ", 3),
                line("Mint tea", 1),
            ],
            ..OrderForm::default()
        };
        let p = form.prepare().unwrap();
        assert_eq!(p.order.customer.as_deref(), Some("Ada Lovelace"));
        assert_eq!(p.order.note, None);
        assert_eq!(p.order.channel, Channel::Delivery);
        assert_eq!(
            p.order.items,
            vec![
                NewItem::plain("Falafel wrap", 2),
                NewItem::plain("Mint tea", 1)
            ]
        );
        assert_eq!(p.line_of_item, vec![1, 3]);
        // The server's field paths land on the lines the dispatcher sees.
        assert_eq!(
            p.form_error(Some("items[1].qty"), "x").field,
            FormField::ItemQty(3)
        );
        assert_eq!(p.form_error(None, "x").field, FormField::Other);
    }

    #[test]
    fn errors_land_on_their_fields() {
        let empty = OrderForm::default();
        assert_eq!(
            empty.prepare().unwrap_err(),
            FormError {
                field: FormField::Items,
                message: "Add at least one item".into()
            }
        );
        let long_name = OrderForm {
            lines: vec![line("", 1), line(&"x".repeat(81), 1)],
            ..OrderForm::default()
        };
        let err = long_name.prepare().unwrap_err();
        assert_eq!(err.field, FormField::ItemName(1));
        assert!(err.message.starts_with("Must be at most 80 characters"));
        let bad_customer = OrderForm {
            customer: "a\tb".into(),
            lines: vec![line("Tea", 1)],
            ..OrderForm::default()
        };
        assert_eq!(
            bad_customer.prepare().unwrap_err().field,
            FormField::Customer
        );
        let long_note = OrderForm {
            note: "n".repeat(201),
            lines: vec![line("Tea", 1)],
            ..OrderForm::default()
        };
        assert_eq!(long_note.prepare().unwrap_err().field, FormField::Note);
    }

    #[test]
    fn quantities_step_within_limits_and_lines_come_and_go() {
        let mut f = OrderForm::default();
        f.step_qty(0, -5);
        assert_eq!(f.lines[0].qty, 1);
        f.step_qty(0, 200);
        assert_eq!(f.lines[0].qty, MAX_QTY);
        f.add_line();
        assert_eq!(f.lines.len(), 2);
        f.remove_line(0);
        f.remove_line(0);
        assert_eq!(f.lines, vec![ItemLine::default()], "one line always stays");
    }

    #[test]
    fn minus_lowers_then_removes_but_keeps_the_last_line() {
        let mut f = OrderForm {
            lines: vec![line("Tea", 2), line("Cake", 1)],
            ..OrderForm::default()
        };
        assert!(!f.minus_removes(0));
        f.minus(0);
        assert_eq!(f.lines[0].qty, 1);
        assert!(f.minus_removes(0));
        f.minus(0);
        assert_eq!(f.lines, vec![line("Cake", 1)]);
        assert!(!f.minus_removes(0), "the only line stays");
        f.minus(0);
        assert_eq!(f.lines, vec![line("Cake", 1)]);
    }

    #[test]
    fn unknown_field_paths_go_to_the_top() {
        assert_eq!(to_form_field("price", &[]), FormField::Other);
        assert_eq!(to_form_field("items[x].qty", &[]), FormField::Other);
        assert_eq!(to_form_field("items[0]", &[4]), FormField::Items);
    }
}
