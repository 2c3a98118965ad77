//! The kitchen: its stations, its shared settings, its menu, and what the
//! station screens compute from an order's items.
//!
//! Settings are one document for the whole kitchen, kept by the server and
//! sent to every staff screen when they change; the board gets its part
//! ([`BoardSettings`]).

pub use crate::order::{check_station_id, MAX_STATION_ID_CHARS};
use crate::order::{invalid, Item, Order, ValidationError, MAX_ITEM_NAME_CHARS};
use serde::{Deserialize, Serialize};

/// The most stations a kitchen may have.
pub const MAX_STATIONS: usize = 20;
/// The longest station name, or menu category.
pub const MAX_NAME_CHARS: usize = 40;
/// The most items a menu may have.
pub const MAX_MENU_ITEMS: usize = 500;
/// The longest a station's preparation time may be, in minutes.
pub const MAX_PREP_MINUTES: u16 = 24 * 60;
/// The longest ageing threshold, in seconds (a day).
pub const MAX_AGEING_SECS: u32 = 24 * 60 * 60;
/// The longest the board keeps a ready order, in minutes (a day).
pub const MAX_BOARD_READY_MINUTES: u32 = 24 * 60;

/// A kitchen station (`grill`, `fryer`, `bar`): where an item is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Station {
    /// `[a-z0-9-]{1,32}`, unique among the stations.
    pub id: String,
    /// 1 to 40 characters, no control characters.
    pub name: String,
    /// `#rrggbb`.
    pub colour: String,
    /// How long the station takes to make its items, in minutes; a
    /// scheduled order fires this long before it is due. Without it the
    /// server uses the station's recent median (see docs/kitchen.md).
    #[serde(default)]
    pub prep_minutes: Option<u16>,
}

/// Which kinds of screen play a sound when an order arrives or is ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Sounds {
    pub dispatcher: bool,
    pub station: bool,
    pub board: bool,
}

impl Default for Sounds {
    fn default() -> Self {
        Sounds {
            dispatcher: true,
            station: true,
            board: true,
        }
    }
}

/// The kitchen's settings, shared by every screen (`GET`/`PUT /api/settings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// An active order's card turns amber after this long in its stage.
    pub ageing_warn_secs: u32,
    /// …and red after this long; more than `ageing_warn_secs`.
    pub ageing_late_secs: u32,
    /// At most [`MAX_STATIONS`].
    pub stations: Vec<Station>,
    /// Whether dine-in orders show on the public board.
    pub dine_in_on_board: bool,
    /// Whether an order moves to `ready` by itself when its last item is done.
    pub auto_ready: bool,
    pub sounds: Sounds,
    /// How long the board shows a ready order, in minutes; 0 keeps it until
    /// it is collected.
    pub board_ready_minutes: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            ageing_warn_secs: 5 * 60,
            ageing_late_secs: 10 * 60,
            stations: Vec::new(),
            dine_in_on_board: false,
            auto_ready: true,
            sounds: Sounds::default(),
            board_ready_minutes: 15,
        }
    }
}

/// Checks a short name: 1 to `max` characters, not blank, no control characters.
fn check_name(field: &str, name: &str, max: usize) -> Result<(), ValidationError> {
    let chars = name.chars().count();
    if name.trim().is_empty() || chars > max {
        return Err(invalid(field, format!("must be 1 to {max} characters")));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(())
}

impl Station {
    fn validate(&self, i: usize) -> Result<(), ValidationError> {
        check_station_id(&format!("stations[{i}].id"), &self.id)?;
        check_name(&format!("stations[{i}].name"), &self.name, MAX_NAME_CHARS)?;
        let hex = self.colour.strip_prefix('#').unwrap_or("");
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(invalid(format!("stations[{i}].colour"), "must be #rrggbb"));
        }
        if let Some(m) = self.prep_minutes {
            if m == 0 || m > MAX_PREP_MINUTES {
                return Err(invalid(
                    format!("stations[{i}].prep_minutes"),
                    format!("must be 1 to {MAX_PREP_MINUTES}"),
                ));
            }
        }
        Ok(())
    }
}

impl Settings {
    /// Checks every field, naming the first one that is wrong.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.ageing_warn_secs == 0 || self.ageing_warn_secs > MAX_AGEING_SECS {
            return Err(invalid(
                "ageing_warn_secs",
                format!("must be 1 to {MAX_AGEING_SECS}"),
            ));
        }
        if self.ageing_late_secs <= self.ageing_warn_secs || self.ageing_late_secs > MAX_AGEING_SECS
        {
            return Err(invalid(
                "ageing_late_secs",
                format!("must be more than ageing_warn_secs and at most {MAX_AGEING_SECS}"),
            ));
        }
        if self.board_ready_minutes > MAX_BOARD_READY_MINUTES {
            return Err(invalid(
                "board_ready_minutes",
                format!("must be 0 to {MAX_BOARD_READY_MINUTES}"),
            ));
        }
        if self.stations.len() > MAX_STATIONS {
            return Err(invalid(
                "stations",
                format!(
                    "at most {MAX_STATIONS} stations, got {}",
                    self.stations.len()
                ),
            ));
        }
        for (i, s) in self.stations.iter().enumerate() {
            s.validate(i)?;
            if self.stations[..i].iter().any(|o| o.id == s.id) {
                return Err(invalid(
                    format!("stations[{i}].id"),
                    format!("'{}' is used by another station", s.id),
                ));
            }
        }
        Ok(())
    }

    /// The station with this id.
    pub fn station(&self, id: &str) -> Option<&Station> {
        self.stations.iter().find(|s| s.id == id)
    }

    /// The part of the settings the public board uses.
    pub fn board(&self) -> BoardSettings {
        BoardSettings {
            ready_minutes: self.board_ready_minutes,
            sound: self.sounds.board,
        }
    }
}

/// What the public board needs of the settings. (Whether dine-in orders
/// show is applied by the server: the board never sees them otherwise.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardSettings {
    /// How long a ready order stays on the board, in minutes; 0 = until collected.
    pub ready_minutes: u32,
    /// Whether the board plays a sound when an order is ready.
    pub sound: bool,
}

impl Default for BoardSettings {
    fn default() -> Self {
        Settings::default().board()
    }
}

/// One dish on the menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MenuItem {
    /// 1 to 80 characters; unique on the menu, ignoring case.
    pub name: String,
    /// 1 to 40 characters (`Mains`, `Drinks`).
    pub category: String,
    /// The station that makes it; one of the settings' stations.
    #[serde(default)]
    pub station: Option<String>,
}

/// The menu (`GET`/`PUT /api/menu`). Orders may still name items that are
/// not on it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Menu {
    pub items: Vec<MenuItem>,
}

impl Menu {
    /// Checks the menu's own limits, naming the first field that is wrong.
    /// Whether each station exists is [`Menu::check_stations`].
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.items.len() > MAX_MENU_ITEMS {
            return Err(invalid(
                "items",
                format!("at most {MAX_MENU_ITEMS} items, got {}", self.items.len()),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, item) in self.items.iter().enumerate() {
            check_name(&format!("items[{i}].name"), &item.name, MAX_ITEM_NAME_CHARS)?;
            check_name(
                &format!("items[{i}].category"),
                &item.category,
                MAX_NAME_CHARS,
            )?;
            if let Some(s) = &item.station {
                check_station_id(&format!("items[{i}].station"), s)?;
            }
            if !seen.insert(item.name.trim().to_lowercase()) {
                return Err(invalid(
                    format!("items[{i}].name"),
                    format!("'{}' is on the menu twice", item.name),
                ));
            }
        }
        Ok(())
    }

    /// Checks that every item's station is one of the settings' stations.
    pub fn check_stations(&self, settings: &Settings) -> Result<(), ValidationError> {
        for (i, item) in self.items.iter().enumerate() {
            if let Some(s) = &item.station {
                if settings.station(s).is_none() {
                    return Err(invalid(
                        format!("items[{i}].station"),
                        format!("no station '{s}' in the settings"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The menu's station for an item name (matched ignoring case and
    /// surrounding spaces), if the menu has the item and gives it one.
    pub fn station_for(&self, name: &str) -> Option<&str> {
        let name = name.trim();
        self.items
            .iter()
            .find(|i| i.name.trim().to_lowercase() == name.to_lowercase())
            .and_then(|i| i.station.as_deref())
    }
}

/// The body of `POST /api/orders/{id}/items/{index}`: mark one item done
/// (or not done again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ItemBumpRequest {
    pub done: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

impl Order {
    /// The items a station makes, with their index in the order.
    pub fn station_items<'a>(
        &'a self,
        station: &'a str,
    ) -> impl Iterator<Item = (usize, &'a Item)> + 'a {
        self.items
            .iter()
            .enumerate()
            .filter(move |(_, i)| i.station.as_deref() == Some(station))
    }

    /// The stations that still have an item of this order to make, in the
    /// order their first such item appears.
    pub fn stations_waiting(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for item in self.items.iter().filter(|i| !i.is_done()) {
            if let Some(s) = &item.station {
                if !out.contains(s) {
                    out.push(s.clone());
                }
            }
        }
        out
    }

    /// Whether every item is done.
    pub fn all_items_done(&self) -> bool {
        self.items.iter().all(Item::is_done)
    }
}

/// The "all day" count of a station: for each item name, how many are still
/// to make across these orders (items not done, of orders not scheduled nor
/// final), largest first, then by name.
pub fn all_day<'a>(
    orders: impl IntoIterator<Item = &'a Order>,
    station: &str,
) -> Vec<(String, u32)> {
    let mut counts: Vec<(String, u32)> = Vec::new();
    for order in orders {
        if order.stage.is_final() || order.stage == crate::Stage::Scheduled {
            continue;
        }
        for (_, item) in order.station_items(station).filter(|(_, i)| !i.is_done()) {
            match counts.iter_mut().find(|(n, _)| *n == item.name) {
                Some((_, q)) => *q += u32::from(item.qty),
                None => counts.push((item.name.clone(), u32::from(item.qty))),
            }
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Channel, Stage};
    use time::OffsetDateTime;

    fn station(id: &str) -> Station {
        Station {
            id: id.into(),
            name: "Grill".into(),
            colour: "#aa33ff".into(),
            prep_minutes: None,
        }
    }

    #[test]
    fn default_settings_are_valid_and_match_the_old_browser_defaults() {
        let s = Settings::default();
        s.validate().unwrap();
        assert_eq!((s.ageing_warn_secs, s.ageing_late_secs), (300, 600));
        assert_eq!(s.board_ready_minutes, 15);
        assert!(s.auto_ready && !s.dine_in_on_board);
        assert_eq!(s.sounds, Sounds::default());
        assert_eq!(
            s.board(),
            BoardSettings {
                ready_minutes: 15,
                sound: true
            }
        );
    }

    #[test]
    fn settings_name_the_field_at_fault() {
        let with = |f: &dyn Fn(&mut Settings)| {
            let mut s = Settings {
                stations: vec![station("grill"), station("fryer")],
                ..Settings::default()
            };
            f(&mut s);
            s.validate().map_err(|e| e.field)
        };
        assert_eq!(with(&|_| {}), Ok(()));
        type Edit = Box<dyn Fn(&mut Settings)>;
        let cases: Vec<(Edit, &str)> = vec![
            (Box::new(|s| s.ageing_warn_secs = 0), "ageing_warn_secs"),
            (Box::new(|s| s.ageing_late_secs = 300), "ageing_late_secs"),
            (
                Box::new(|s| s.board_ready_minutes = 100_000),
                "board_ready_minutes",
            ),
            (
                Box::new(|s| s.stations = vec![station("a"); 21]),
                "stations",
            ),
            (
                Box::new(|s| s.stations[1].id = "grill".into()),
                "stations[1].id",
            ),
            (
                Box::new(|s| s.stations[1].id = "Fryer".into()),
                "stations[1].id",
            ),
            (
                Box::new(|s| s.stations[1].id = String::new()),
                "stations[1].id",
            ),
            (
                Box::new(|s| s.stations[1].id = "f".repeat(33)),
                "stations[1].id",
            ),
            (
                Box::new(|s| s.stations[0].name = String::new()),
                "stations[0].name",
            ),
            (
                Box::new(|s| s.stations[0].name = "n".repeat(41)),
                "stations[0].name",
            ),
            (
                Box::new(|s| s.stations[0].name = "a\u{1b}[31m".into()),
                "stations[0].name",
            ),
            (
                Box::new(|s| s.stations[0].colour = "red".into()),
                "stations[0].colour",
            ),
            (
                Box::new(|s| s.stations[0].colour = "#12345g".into()),
                "stations[0].colour",
            ),
            (
                Box::new(|s| s.stations[0].prep_minutes = Some(0)),
                "stations[0].prep_minutes",
            ),
        ];
        for (f, field) in cases {
            assert_eq!(with(&*f), Err(field.to_string()));
        }
        assert_eq!(with(&|s| s.stations = vec![]), Ok(()));
        assert_eq!(
            with(&|s| s.stations[0].name = "<b>Grill & Bar</b>".into()),
            Ok(())
        );
    }

    #[test]
    fn settings_refuse_unknown_fields() {
        let mut v = serde_json::to_value(Settings::default()).unwrap();
        v["colour_scheme"] = "dark".into();
        assert!(serde_json::from_value::<Settings>(v).is_err());
    }

    fn menu_item(name: &str, station: Option<&str>) -> MenuItem {
        MenuItem {
            name: name.into(),
            category: "Mains".into(),
            station: station.map(str::to_string),
        }
    }

    #[test]
    fn a_menu_names_the_item_at_fault() {
        let settings = Settings {
            stations: vec![station("grill")],
            ..Settings::default()
        };
        let ok = Menu {
            items: vec![menu_item("Burger", Some("grill")), menu_item("Cola", None)],
        };
        ok.validate().unwrap();
        ok.check_stations(&settings).unwrap();
        assert_eq!(ok.station_for(" burger "), Some("grill"));
        assert_eq!(ok.station_for("Cola"), None);
        assert_eq!(ok.station_for("Soup"), None);

        let field = |m: Menu| m.validate().unwrap_err().field;
        assert_eq!(
            field(Menu {
                items: vec![menu_item("Burger", None), menu_item("BURGER", None)]
            }),
            "items[1].name"
        );
        assert_eq!(
            field(Menu {
                items: vec![menu_item("", None)]
            }),
            "items[0].name"
        );
        assert_eq!(
            field(Menu {
                items: vec![MenuItem {
                    category: "\u{0}".into(),
                    ..menu_item("Soup", None)
                }]
            }),
            "items[0].category"
        );
        assert_eq!(
            field(Menu {
                items: (0..501)
                    .map(|i| menu_item(&format!("d{i}"), None))
                    .collect()
            }),
            "items"
        );
        let unknown = Menu {
            items: vec![menu_item("Burger", Some("fryer"))],
        };
        unknown.validate().unwrap();
        assert_eq!(
            unknown.check_stations(&settings).unwrap_err().field,
            "items[0].station"
        );
    }

    fn order(items: Vec<Item>) -> Order {
        let at = OffsetDateTime::UNIX_EPOCH;
        Order {
            id: uuid::Uuid::nil(),
            number: 1,
            customer: None,
            channel: Channel::Pickup,
            items,
            note: None,
            stage: Stage::Preparing,
            version: 1,
            created_at: at,
            updated_at: at,
            history: vec![],
            tracking_token: String::new(),
            external_ref: None,
            table: None,
            due_at: None,
        }
    }

    fn item(name: &str, qty: u8, station: Option<&str>, done: bool) -> Item {
        Item {
            name: name.into(),
            qty,
            station: station.map(str::to_string),
            done_at: done.then_some(OffsetDateTime::UNIX_EPOCH),
            ..Item::default()
        }
    }

    #[test]
    fn station_views_of_an_order() {
        let o = order(vec![
            item("Burger", 2, Some("grill"), false),
            item("Fries", 1, Some("fryer"), true),
            item("Steak", 1, Some("grill"), true),
            item("Cola", 1, None, false),
        ]);
        let grill: Vec<usize> = o.station_items("grill").map(|(i, _)| i).collect();
        assert_eq!(grill, vec![0, 2]);
        assert_eq!(o.stations_waiting(), vec!["grill".to_string()]);
        assert!(!o.all_items_done());

        let other = order(vec![
            item("Steak", 3, Some("grill"), false),
            item("Burger", 1, Some("grill"), false),
        ]);
        let finished = Order {
            stage: Stage::Collected,
            ..order(vec![item("Burger", 9, Some("grill"), false)])
        };
        assert_eq!(
            all_day([&o, &other, &finished], "grill"),
            vec![("Burger".to_string(), 3), ("Steak".to_string(), 3)]
        );
        assert_eq!(all_day([&o], "bar"), vec![]);
    }
}
