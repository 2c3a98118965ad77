//! The kitchen editors in the dispatcher's settings: the stations and the
//! menu as lines of text, one per station or dish, split by `|`.
//!
//! `grill | Grill | #ef4444 | 12` is a station (id, name, colour, prep
//! minutes, which may be left out); `Burger | Mains | grill` a dish (name,
//! category, station, which may be left out). Each line is checked here and
//! named by its number when it is wrong; the server checks the rest.

use orderboard_model::kitchen::{check_station_id, MAX_PREP_MINUTES};
use orderboard_model::{Menu, MenuItem, Settings, Station};

fn fields(line: &str) -> Vec<&str> {
    line.split('|').map(str::trim).collect()
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
}

/// The stations as editable lines.
pub fn stations_text(stations: &[Station]) -> String {
    stations
        .iter()
        .map(|s| match s.prep_minutes {
            Some(m) => format!("{} | {} | {} | {m}", s.id, s.name, s.colour),
            None => format!("{} | {} | {}", s.id, s.name, s.colour),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads the stations' lines: `id | name | #rrggbb | prep minutes?`.
pub fn parse_stations(text: &str) -> Result<Vec<Station>, String> {
    lines(text)
        .map(|(n, line)| {
            let f = fields(line);
            if !(3..=4).contains(&f.len()) {
                return Err(format!(
                    "Station line {n}: write id | name | #colour | prep minutes (optional)"
                ));
            }
            check_station_id("id", f[0]).map_err(|_| {
                format!("Station line {n}: the id must be 1 to 32 of a-z, 0-9 and '-'")
            })?;
            if f[1].is_empty() {
                return Err(format!("Station line {n}: the name is missing"));
            }
            let hex = f[2].strip_prefix('#').unwrap_or("");
            if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!("Station line {n}: the colour must be #rrggbb"));
            }
            let prep_minutes = match f.get(3).filter(|p| !p.is_empty()) {
                None => None,
                Some(p) => match p.parse::<u16>() {
                    Ok(m @ 1..=MAX_PREP_MINUTES) => Some(m),
                    _ => {
                        return Err(format!(
                            "Station line {n}: prep minutes must be 1 to {MAX_PREP_MINUTES}"
                        ))
                    }
                },
            };
            Ok(Station {
                id: f[0].to_string(),
                name: f[1].to_string(),
                colour: f[2].to_lowercase(),
                prep_minutes,
            })
        })
        .collect()
}

/// The menu as editable lines.
pub fn menu_text(menu: &Menu) -> String {
    menu.items
        .iter()
        .map(|i| match &i.station {
            Some(s) => format!("{} | {} | {s}", i.name, i.category),
            None => format!("{} | {}", i.name, i.category),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads the menu's lines: `name | category | station?`; the station must
/// be one of `settings`' stations.
pub fn parse_menu(text: &str, settings: &Settings) -> Result<Menu, String> {
    let items = lines(text)
        .map(|(n, line)| {
            let f = fields(line);
            if !(2..=3).contains(&f.len()) || f[0].is_empty() || f[1].is_empty() {
                return Err(format!(
                    "Menu line {n}: write name | category | station (optional)"
                ));
            }
            let station = f.get(2).filter(|s| !s.is_empty()).map(|s| s.to_string());
            if let Some(s) = &station {
                if settings.station(s).is_none() {
                    return Err(format!("Menu line {n}: no station '{s}'"));
                }
            }
            Ok(MenuItem {
                name: f[0].to_string(),
                category: f[1].to_string(),
                station,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let menu = Menu { items };
    menu.validate().map_err(|e| e.to_string())?;
    Ok(menu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stations_round_trip_and_name_the_bad_line() {
        let text = "grill | Grill | #EF4444 | 12\n\n fryer|Fryer|#f59e0b ";
        let stations = parse_stations(text).unwrap();
        assert_eq!(stations.len(), 2);
        assert_eq!(stations[0].colour, "#ef4444");
        assert_eq!(stations[0].prep_minutes, Some(12));
        assert_eq!(stations[1].prep_minutes, None);
        assert_eq!(parse_stations(&stations_text(&stations)).unwrap(), stations);
        assert!(parse_stations("grill | Grill")
            .unwrap_err()
            .contains("line 1"));
        assert!(parse_stations("ok | Ok | #000000\nGrill! | G | #000000")
            .unwrap_err()
            .contains("line 2: the id"));
        assert!(parse_stations("g | G | red")
            .unwrap_err()
            .contains("colour"));
        assert!(parse_stations("g | G | #000000 | 0")
            .unwrap_err()
            .contains("prep"));
    }

    #[test]
    fn the_menu_needs_known_stations() {
        let settings = Settings {
            stations: parse_stations("grill | Grill | #ef4444").unwrap(),
            ..Settings::default()
        };
        let menu = parse_menu("Burger | Mains | grill\nLemonade | Drinks", &settings).unwrap();
        assert_eq!(menu.items[1].station, None);
        assert_eq!(parse_menu(&menu_text(&menu), &settings).unwrap(), menu);
        assert!(parse_menu("Fries | Sides | fryer", &settings)
            .unwrap_err()
            .contains("no station 'fryer'"));
        assert!(parse_menu("Fries", &settings)
            .unwrap_err()
            .contains("line 1"));
        assert!(parse_menu("Fries | Sides\nfries | Sides", &settings)
            .unwrap_err()
            .contains("twice"));
    }
}
