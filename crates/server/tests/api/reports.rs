//! `GET /api/reports/prep-times`: counts and percentiles per group over
//! orders really moved through their stages, cancelled orders apart, hours
//! and days in a named zone, and bad input refused in the error shape.

use crate::support::TestServer;
use orderboard_model::reports::{GroupBy, PrepGroup, PrepTimesReport, NO_STATION};
use orderboard_model::{ApiErrorBody, Channel, ErrorCode, Order, Stage};
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A range around now that every order of a test falls in.
pub fn around_now() -> (String, String) {
    let now = OffsetDateTime::now_utc();
    let at = |t: OffsetDateTime| t.format(&Rfc3339).unwrap();
    (
        at(now - time::Duration::hours(1)),
        at(now + time::Duration::hours(1)),
    )
}

/// Moves an order along its channel's path to its end, pausing `pause`
/// before each move, so that every span is real and not zero.
pub async fn finish(s: &TestServer, order: &Order, pause: Duration) -> Order {
    let mut last = order.clone();
    for stage in &order.channel.path()[1..] {
        tokio::time::sleep(pause).await;
        last = s.move_to(order.id, *stage).await;
    }
    last
}

async fn report(s: &TestServer, query: &str) -> reqwest::Response {
    s.http
        .get(s.url(&format!("/api/reports/prep-times?{query}")))
        .send()
        .await
        .unwrap()
}

async fn report_by(s: &TestServer, by: &str, tz: Option<&str>) -> PrepTimesReport {
    let (from, to) = around_now();
    let mut query = format!("from={from}&to={to}&by={by}");
    if let Some(tz) = tz {
        query.push_str(&format!("&tz={tz}"));
    }
    let res = report(s, &query.replace('+', "%2B")).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    res.json().await.unwrap()
}

fn assert_ordered(g: &PrepGroup) {
    for p in [g.received_to_ready, g.ready_to_handed_over, g.total] {
        let (p50, p90) = (p.p50_ms.unwrap(), p.p90_ms.unwrap());
        assert!(p50 > 0 && p50 <= p90, "{g:?}");
    }
    assert!(g.total.p50_ms >= g.received_to_ready.p50_ms, "{g:?}");
}

#[tokio::test]
async fn prep_times_count_handed_over_orders_and_leave_cancelled_ones_apart() {
    let s = TestServer::start().await;
    let mut finished = Vec::new();
    for (i, channel) in [Channel::Pickup, Channel::Pickup, Channel::Delivery]
        .into_iter()
        .enumerate()
    {
        let order = s.create(Some("Ada"), channel).await;
        finished.push(finish(&s, &order, Duration::from_millis(40 + 60 * i as u64)).await);
    }
    let tea_only = s
        .create_json(
            serde_json::json!({"channel": "pickup", "items": [{"name": "Mint tea", "qty": 1}]}),
        )
        .await;
    finish(&s, &tea_only, Duration::from_millis(30)).await;
    let cancelled = s.create(Some("Bo"), Channel::Pickup).await;
    s.move_to(cancelled.id, Stage::Cancelled).await;
    // Still active: in no report.
    let active = s.create(Some("Cy"), Channel::Pickup).await;
    s.move_to(active.id, Stage::Preparing).await;

    let by_station = report_by(&s, "station", None).await;
    assert_eq!(by_station.by, GroupBy::Station);
    assert_eq!(
        (by_station.overall.count, by_station.overall.cancelled),
        (4, 1)
    );
    assert_ordered(&by_station.overall);
    assert_eq!(by_station.groups.len(), 1);
    assert_eq!(by_station.groups[0].key, NO_STATION);
    assert_eq!(by_station.groups[0].count, 4);
    let hours: u64 = by_station.busiest_hours.iter().map(|h| h.orders).sum();
    assert_eq!(hours, 5, "cancelled orders count among the busiest hours");

    let by_item = report_by(&s, "item", None).await;
    let items: Vec<(&str, u64, u64)> = by_item
        .groups
        .iter()
        .map(|g| (g.key.as_str(), g.count, g.cancelled))
        .collect();
    assert_eq!(items, vec![("Falafel wrap", 3, 1), ("Mint tea", 4, 1)]);
    by_item.groups.iter().for_each(assert_ordered);

    // Hours and days are read in the zone asked for.
    let zone = jiff::tz::TimeZone::get("Asia/Kolkata").unwrap();
    let received = finished[0].history[0].at;
    let local = jiff::Timestamp::from_second(received.unix_timestamp())
        .unwrap()
        .to_zoned(zone);
    let by_hour = report_by(&s, "hour", Some("Asia/Kolkata")).await;
    assert_eq!(by_hour.tz, "Asia/Kolkata");
    assert!(
        by_hour
            .groups
            .iter()
            .any(|g| g.key == format!("{:02}:00", local.hour())),
        "{:?}",
        by_hour.groups
    );
    assert!(by_hour
        .busiest_hours
        .iter()
        .any(|h| h.hour as i8 == local.hour()));
    let by_day = report_by(&s, "day", Some("Asia/Kolkata")).await;
    assert!(by_day
        .groups
        .iter()
        .any(|g| g.key == local.date().to_string()));
    let counted: u64 = by_day.groups.iter().map(|g| g.count + g.cancelled).sum();
    assert_eq!(counted, 5);

    // A range that ends before the orders finished: nothing.
    let res = report(
        &s,
        "from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&by=day",
    )
    .await;
    let empty: PrepTimesReport = res.json().await.unwrap();
    assert_eq!(empty.overall.count, 0);
    assert_eq!(empty.overall.total.p50_ms, None);
    assert!(empty.groups.is_empty() && empty.busiest_hours.is_empty());
    s.stop().await;
}

#[tokio::test]
async fn bad_report_queries_are_refused_in_the_error_shape() {
    let s = TestServer::start().await;
    let ok_range = "from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z";
    for (query, status, code) in [
        (format!("{ok_range}&by=week"), 400, ErrorCode::BadRequest),
        ("by=day".to_string(), 400, ErrorCode::BadRequest),
        (ok_range.to_string(), 400, ErrorCode::BadRequest),
        (
            format!("{ok_range}&by=day&colour=red"),
            400,
            ErrorCode::BadRequest,
        ),
        (
            "from=yesterday&to=2026-01-02T00:00:00Z&by=day".into(),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "from=2026-01-01&to=2026-01-02T00:00:00Z&by=day".into(),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "from=2026-01-03T00:00:00Z&to=2026-01-02T00:00:00Z&by=day".into(),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "from=2025-01-01T00:00:00Z&to=2026-01-03T00:00:00Z&by=day".into(),
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            format!("{ok_range}&by=hour&tz=Nowhere/Atlantis"),
            422,
            ErrorCode::ValidationFailed,
        ),
    ] {
        let res = report(&s, &query).await;
        assert_eq!(res.status(), status, "{query}");
        let body: ApiErrorBody = res.json().await.unwrap();
        assert_eq!(body.error.code, code, "{query}");
    }
    s.stop().await;
}
