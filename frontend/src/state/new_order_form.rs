//! The quick new-order form: what the dispatcher typed, and the `NewOrder` it makes.
//!
//! Blank item lines are ignored, so a spare empty line never blocks an order.
//! The model's validation runs before anything is sent, and its field paths
//! (`items[2].qty`) are mapped back to the line the dispatcher sees — for the
//! model's own checks and for a 422 from the server alike.

use orderboard_model::order::MAX_QTY;
use orderboard_model::{Channel, NewItem, NewOrder, ValidationError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemLine {
    pub name: String,
    pub qty: u8,
}

impl Default for ItemLine {
    fn default() -> Self {
        ItemLine {
            name: String::new(),
            qty: 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderForm {
    pub customer: String,
    pub channel: Channel,
    pub note: String,
    pub lines: Vec<ItemLine>,
}

impl Default for OrderForm {
    fn default() -> Self {
        OrderForm {
            customer: String::new(),
            channel: Channel::Pickup,
            note: String::new(),
            lines: vec![ItemLine::default()],
        }
    }
}

/// A form field an error message belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormField {
    Customer,
    Note,
    Items,
    ItemName(usize),
    ItemQty(usize),
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
            items.push(NewItem::plain(line.name.clone(), line.qty));
            line_of_item.push(i);
        }
        let new_order = NewOrder {
            customer: Some(self.customer.clone()),
            channel: self.channel,
            items,
            note: Some(self.note.clone()),
            external_ref: None,
            table: None,
            due_at: None,
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
        }
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
