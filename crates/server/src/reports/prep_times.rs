//! Prep times: for each group, how many orders were handed over (and how
//! many cancelled), and the p50 and p90 of received → ready, ready → handed
//! over and received → handed over; and the hours of the day with the most
//! orders.
//!
//! An order is received at its first stage entry, ready at its last entry
//! into `ready` (a recall and a second ready count from the second), and
//! handed over at its final stage (`collected` or `delivered`). Cancelled
//! orders are counted apart and add no times.

use orderboard_model::reports::{GroupBy, HourCount, Percentiles, PrepGroup, NO_STATION};
use orderboard_model::{Order, Stage};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// The durations of one handed-over order, in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
struct Spans {
    received_to_ready: Option<u64>,
    ready_to_handed_over: Option<u64>,
    total: Option<u64>,
}

fn millis_between(a: OffsetDateTime, b: OffsetDateTime) -> Option<u64> {
    u64::try_from((b - a).whole_milliseconds()).ok()
}

/// When the order was received: its first stage entry, or its creation.
pub fn received_at(order: &Order) -> OffsetDateTime {
    order
        .history
        .first()
        .map(|h| h.at)
        .unwrap_or(order.created_at)
}

fn spans(order: &Order) -> Spans {
    let received = received_at(order);
    let ready = order
        .history
        .iter()
        .rev()
        .find(|h| h.stage == Stage::Ready)
        .map(|h| h.at);
    let handed_over = order.stage_since();
    Spans {
        received_to_ready: ready.and_then(|r| millis_between(received, r)),
        ready_to_handed_over: ready.and_then(|r| millis_between(r, handed_over)),
        total: millis_between(received, handed_over),
    }
}

/// A group's orders while they are counted.
#[derive(Default)]
struct Tally {
    cancelled: u64,
    spans: Vec<Spans>,
}

impl Tally {
    fn add(&mut self, order: &Order) {
        if order.stage == Stage::Cancelled {
            self.cancelled += 1;
        } else {
            self.spans.push(spans(order));
        }
    }

    fn finish(self, key: String) -> PrepGroup {
        let of = |pick: fn(&Spans) -> Option<u64>| {
            Percentiles::of(self.spans.iter().filter_map(pick).collect())
        };
        PrepGroup {
            key,
            count: self.spans.len() as u64,
            cancelled: self.cancelled,
            received_to_ready: of(|s| s.received_to_ready),
            ready_to_handed_over: of(|s| s.ready_to_handed_over),
            total: of(|s| s.total),
        }
    }
}

/// The groups an order belongs to.
fn keys(order: &Order, by: GroupBy, zone: &jiff::tz::TimeZone) -> Vec<String> {
    match by {
        GroupBy::Hour => vec![format!("{:02}:00", local(received_at(order), zone).hour())],
        GroupBy::Day => vec![local(received_at(order), zone).date().to_string()],
        // An order counts once in the group of each station of its items;
        // items without a station count in `no station`.
        GroupBy::Station => {
            let mut stations: Vec<String> = order
                .items
                .iter()
                .map(|i| i.station.clone().unwrap_or_else(|| NO_STATION.to_string()))
                .collect();
            stations.sort();
            stations.dedup();
            stations
        }
        GroupBy::Item => {
            let mut names: Vec<String> = order.items.iter().map(|i| i.name.clone()).collect();
            names.sort();
            names.dedup();
            names
        }
    }
}

/// A time in the report's zone.
fn local(t: OffsetDateTime, zone: &jiff::tz::TimeZone) -> jiff::Zoned {
    let ms = (t.unix_timestamp_nanos() / 1_000_000) as i64;
    jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(zone.clone())
}

/// Every order in one group, the groups in key order, and the busiest hours.
pub fn prep_times(
    orders: &[Order],
    by: GroupBy,
    zone: &jiff::tz::TimeZone,
) -> (PrepGroup, Vec<PrepGroup>, Vec<HourCount>) {
    let mut overall = Tally::default();
    let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
    let mut hours = [0u64; 24];
    for order in orders {
        overall.add(order);
        for key in keys(order, by, zone) {
            groups.entry(key).or_default().add(order);
        }
        hours[local(received_at(order), zone).hour() as usize] += 1;
    }
    let groups = groups.into_iter().map(|(k, t)| t.finish(k)).collect();
    let mut busiest: Vec<HourCount> = (0u8..24)
        .zip(hours)
        .filter(|(_, n)| *n > 0)
        .map(|(hour, orders)| HourCount { hour, orders })
        .collect();
    busiest.sort_by(|a, b| b.orders.cmp(&a.orders).then(a.hour.cmp(&b.hour)));
    (overall.finish("all".into()), groups, busiest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderboard_model::{Channel, Item, StageEntry};
    use time::macros::datetime;
    use time::Duration;

    fn order(stages: &[(Stage, i64)], items: &[&str]) -> Order {
        let start = datetime!(2026-12-03 13:30 UTC);
        let history: Vec<StageEntry> = stages
            .iter()
            .map(|(stage, secs)| StageEntry {
                stage: *stage,
                at: start + Duration::seconds(*secs),
            })
            .collect();
        Order {
            id: uuid::Uuid::new_v4(),
            number: 1,
            customer: None,
            channel: Channel::Pickup,
            items: items
                .iter()
                .map(|n| Item {
                    name: n.to_string(),
                    qty: 1,
                    ..Item::default()
                })
                .collect(),
            note: None,
            stage: history.last().unwrap().stage,
            version: 1,
            created_at: start,
            updated_at: history.last().unwrap().at,
            history,
            tracking_token: String::new(),
            external_ref: None,
            table: None,
            due_at: None,
        }
    }

    #[test]
    fn by_station_an_order_counts_once_per_station_of_its_items() {
        use Stage::*;
        let mut o = order(
            &[(Received, 0), (Ready, 60), (Collected, 70)],
            &["Burger", "Steak", "Cola", "Bread"],
        );
        for (item, station) in
            o.items
                .iter_mut()
                .zip([Some("grill"), Some("grill"), Some("bar"), None])
        {
            item.station = station.map(str::to_string);
        }
        let zone = jiff::tz::TimeZone::UTC;
        assert_eq!(
            keys(&o, GroupBy::Station, &zone),
            ["bar", "grill", NO_STATION]
        );
    }

    #[test]
    fn groups_count_percentiles_and_leave_cancelled_orders_out() {
        use Stage::*;
        let orders = vec![
            order(
                &[(Received, 0), (Preparing, 10), (Ready, 60), (Collected, 70)],
                &["Tea", "Wrap"],
            ),
            order(
                &[
                    (Received, 0),
                    (Preparing, 10),
                    (Ready, 120),
                    (Collected, 300),
                ],
                &["Tea"],
            ),
            order(&[(Received, 0), (Cancelled, 5)], &["Wrap"]),
        ];
        let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        let (all, groups, busiest) = prep_times(&orders, GroupBy::Hour, &berlin);
        assert_eq!((all.count, all.cancelled), (2, 1));
        assert_eq!(all.received_to_ready.p50_ms, Some(60_000));
        assert_eq!(all.received_to_ready.p90_ms, Some(120_000));
        assert_eq!(all.ready_to_handed_over.p90_ms, Some(180_000));
        assert_eq!(all.total.p50_ms, Some(70_000));
        // 13:30 UTC is 14:30 in Berlin in December.
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].key, "14:00");
        assert_eq!(
            busiest,
            vec![HourCount {
                hour: 14,
                orders: 3
            }]
        );

        let (_, items, _) = prep_times(&orders, GroupBy::Item, &jiff::tz::TimeZone::UTC);
        let keys: Vec<(&str, u64, u64)> = items
            .iter()
            .map(|g| (g.key.as_str(), g.count, g.cancelled))
            .collect();
        assert_eq!(keys, vec![("Tea", 2, 0), ("Wrap", 1, 1)]);
    }

    #[test]
    fn a_recalled_order_is_ready_from_its_last_ready() {
        use Stage::*;
        let o = order(
            &[
                (Received, 0),
                (Preparing, 10),
                (Ready, 20),
                (Preparing, 30),
                (Ready, 50),
                (Collected, 60),
            ],
            &["Tea"],
        );
        let s = spans(&o);
        assert_eq!(s.received_to_ready, Some(50_000));
        assert_eq!(s.ready_to_handed_over, Some(10_000));
        assert_eq!(s.total, Some(60_000));
    }
}
