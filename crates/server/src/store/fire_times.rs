//! When a scheduled order fires: its due time less its preparation time,
//! worked out when the order is written (by either writer) and kept in
//! `orders.fire_at` for the fire loop ([`crate::scheduled`]).
//!
//! The preparation time is the longest of its items' stations': a station's
//! `prep_minutes` from the settings, else that station's median received →
//! ready over the last [`MEDIAN_DAYS`] days, else the median of all orders
//! then, else [`DEFAULT_PREP`].

use crate::store::database::Conn;
use crate::store::now;
use crate::store::rows::to_millis;
use orderboard_model::{Order, Settings, Stage};
use time::OffsetDateTime;

/// The preparation time when no station of the order says otherwise.
pub const DEFAULT_PREP: time::Duration = time::Duration::minutes(15);

/// How far back finished orders are read for the median preparation times.
pub const MEDIAN_DAYS: i64 = 7;

/// The most finished orders read for them.
const MEDIAN_ORDERS: i64 = 10_000;

/// Received → ready of a finished order that was ready, if it was.
fn received_to_ready(order: &Order) -> Option<time::Duration> {
    let ready = order
        .history
        .iter()
        .rev()
        .find(|h| h.stage == Stage::Ready)?;
    let received = order.history.iter().find(|h| h.stage == Stage::Received)?;
    Some(ready.at - received.at).filter(|d| d.is_positive())
}

fn median(mut spans: Vec<time::Duration>) -> Option<time::Duration> {
    spans.sort();
    // The lower median (nearest rank), as the reports take it.
    spans.get(spans.len().checked_sub(1)? / 2).copied()
}

/// An order's preparation time. Each of its items' stations takes its
/// `prep_minutes` from the settings, else its median received → ready
/// over `recent` (the orders with an item of that station); the order
/// takes the longest of these. With none, the median over all of
/// `recent`; with no such order either, [`DEFAULT_PREP`].
pub fn prep_time(
    items_stations: impl IntoIterator<Item = Option<String>>,
    settings: &Settings,
    recent: &[Order],
) -> time::Duration {
    let mut stations: Vec<String> = items_stations.into_iter().flatten().collect();
    stations.sort();
    stations.dedup();
    let of_station = |id: &str| -> Option<time::Duration> {
        if let Some(m) = settings.station(id).and_then(|st| st.prep_minutes) {
            return Some(time::Duration::minutes(i64::from(m)));
        }
        median(
            recent
                .iter()
                .filter(|o| o.items.iter().any(|i| i.station.as_deref() == Some(id)))
                .filter_map(received_to_ready)
                .collect(),
        )
    };
    stations
        .iter()
        .filter_map(|s| of_station(s))
        .max()
        .or_else(|| median(recent.iter().filter_map(received_to_ready).collect()))
        .unwrap_or(DEFAULT_PREP)
}

/// The fire time of a new order (`None` unless it is scheduled), reading
/// the orders finished in the last [`MEDIAN_DAYS`] days when a station
/// has no `prep_minutes`.
pub async fn fire_time(
    mut conn: Conn<'_>,
    order: &Order,
    settings: &Settings,
) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    let Some(due) = order.due_at else {
        return Ok(None);
    };
    let all_set = order.items.iter().any(|i| {
        i.station
            .as_deref()
            .and_then(|s| settings.station(s))
            .is_some_and(|s| s.prep_minutes.is_some())
    }) && order.items.iter().all(|i| {
        i.station.as_deref().is_none_or(|s| {
            settings
                .station(s)
                .is_some_and(|st| st.prep_minutes.is_some())
        })
    });
    let recent = if all_set {
        Vec::new()
    } else {
        let to = now();
        let from = to - time::Duration::days(MEDIAN_DAYS);
        crate::store::finished_rows::finished_between(
            conn.reborrow(),
            to_millis(from),
            to_millis(to),
            MEDIAN_ORDERS,
        )
        .await?
    };
    let prep = prep_time(
        order.items.iter().map(|i| i.station.clone()),
        settings,
        &recent,
    );
    Ok(Some(fire_at(due, prep)))
}

/// When a scheduled order fires: its due time less its preparation time.
pub fn fire_at(due: OffsetDateTime, prep: time::Duration) -> OffsetDateTime {
    due - prep
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderboard_model::{Channel, Item, StageEntry, Station};
    use uuid::Uuid;

    fn finished(station: Option<&str>, mins: i64) -> Order {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let stages = [
            (Stage::Received, 0),
            (Stage::Preparing, 1),
            (Stage::Ready, mins),
            (Stage::Collected, mins + 1),
        ];
        Order {
            id: Uuid::new_v4(),
            number: 1,
            customer: None,
            channel: Channel::Pickup,
            items: vec![Item {
                name: "x".into(),
                qty: 1,
                station: station.map(str::to_string),
                ..Item::default()
            }],
            note: None,
            stage: Stage::Collected,
            version: 4,
            created_at: t0,
            updated_at: t0,
            history: stages
                .into_iter()
                .map(|(stage, m)| StageEntry {
                    stage,
                    at: t0 + time::Duration::minutes(m),
                })
                .collect(),
            tracking_token: String::new(),
            external_ref: None,
            table: None,
            due_at: None,
        }
    }

    #[test]
    fn prep_minutes_then_the_station_median_then_all_orders_then_fifteen_minutes() {
        let st = |id: &str, m: Option<u16>| Station {
            id: id.into(),
            name: id.into(),
            colour: "#000000".into(),
            prep_minutes: m,
        };
        let settings = Settings {
            stations: vec![st("grill", Some(20)), st("bar", Some(2)), st("cold", None)],
            ..Settings::default()
        };
        let s = |v: &[Option<&str>]| v.iter().map(|o| o.map(str::to_string)).collect::<Vec<_>>();
        let min = time::Duration::minutes;
        assert_eq!(
            prep_time(s(&[Some("bar"), Some("grill")]), &settings, &[]),
            min(20)
        );
        assert_eq!(prep_time(s(&[Some("bar"), None]), &settings, &[]), min(2));
        assert_eq!(
            prep_time(s(&[Some("cold"), None]), &settings, &[]),
            DEFAULT_PREP
        );
        let recent = [
            finished(Some("cold"), 4),
            finished(Some("cold"), 6),
            finished(Some("cold"), 30),
            finished(None, 40),
        ];
        assert_eq!(prep_time(s(&[Some("cold")]), &settings, &recent), min(6));
        assert_eq!(
            prep_time(s(&[Some("cold"), Some("grill")]), &settings, &recent),
            min(20)
        );
        assert_eq!(
            prep_time(s(&[None]), &settings, &recent),
            min(6),
            "all orders' lower median"
        );
        assert_eq!(
            prep_time(s(&[Some("new")]), &settings, &recent[3..]),
            min(40)
        );
        let due = OffsetDateTime::UNIX_EPOCH + time::Duration::hours(1);
        assert_eq!(fire_at(due, DEFAULT_PREP), due - min(15));
    }
}
