//! `GET /api/orders/export.csv`: finished orders, one row per item, read
//! back with the csv crate; cells a spreadsheet would run as formulas come
//! back as text.

use crate::reports::{around_now, finish};
use crate::support::TestServer;
use orderboard_model::{ApiErrorBody, Channel, ErrorCode, Stage};
use std::time::Duration;

async fn export(s: &TestServer, query: &str) -> reqwest::Response {
    s.http
        .get(s.url(&format!("/api/orders/export.csv?{query}")))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn finished_orders_export_one_row_per_item_with_formulas_as_text() {
    let s = TestServer::start().await;
    let hostile = s
        .create_json(serde_json::json!({
            "customer": "+1 555", "channel": "delivery",
            "items": [{"name": "=HYPERLINK(\"http://example.com\",\"x\")", "qty": 2},
                      {"name": "@SUM(A1)", "qty": 1}],
            "external_ref": {"source": "till-1", "id": "-A7"}
        }))
        .await;
    finish(&s, &hostile, Duration::from_millis(20)).await;
    let plain = s.create(Some("Ada Lovelace"), Channel::Pickup).await;
    s.move_to(plain.id, Stage::Cancelled).await;
    let active = s.create(Some("Still Cooking"), Channel::Pickup).await;

    let (from, to) = around_now();
    let res = export(&s, &format!("from={from}&to={to}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    let disposition = res.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"orders-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let text = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4, "two items of each finished order: {text}");
    assert!(!text.contains("Still Cooking"), "active orders stay out");
    let _ = active;

    let first = &rows[0];
    assert_eq!(&first[col("order_number")], hostile.number.to_string());
    assert_eq!(&first[col("customer")], "'+1 555");
    assert_eq!(
        &first[col("item")],
        "'=HYPERLINK(\"http://example.com\",\"x\")"
    );
    assert_eq!(&first[col("qty")], "2");
    assert_eq!(&first[col("external_ref")], "till-1:-A7");
    assert_eq!(&first[col("channel")], "delivery");
    assert_eq!(&first[col("final_stage")], "delivered");
    assert_eq!(&rows[1][col("item")], "'@SUM(A1)");
    for column in [
        "created_at",
        "received_at",
        "preparing_at",
        "ready_at",
        "out_for_delivery_at",
        "finished_at",
    ] {
        let at = &first[col(column)];
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| panic!("{column}: {at:?}"));
    }
    for row in &rows {
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a cell a spreadsheet would run: {cell:?}"
            );
        }
    }
    let cancelled = &rows[2];
    assert_eq!(&cancelled[col("customer")], "Ada Lovelace");
    assert_eq!(&cancelled[col("final_stage")], "cancelled");
    assert_eq!(&cancelled[col("ready_at")], "", "never ready");

    // An empty range: the header alone.
    let res = export(&s, "from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z").await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    s.stop().await;
}

#[tokio::test]
async fn bad_export_queries_are_refused_and_keys_are_not_staff() {
    let s = TestServer::start().await;
    for (query, status, code) in [
        ("", 400, ErrorCode::BadRequest),
        ("from=2026-01-01T00:00:00Z", 400, ErrorCode::BadRequest),
        (
            "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            422,
            ErrorCode::ValidationFailed,
        ),
        (
            "from=2026-01-01T00:00:00Z&to=tomorrow",
            422,
            ErrorCode::ValidationFailed,
        ),
    ] {
        let res = export(&s, query).await;
        assert_eq!(res.status(), status, "{query}");
        let body: ApiErrorBody = res.json().await.unwrap();
        assert_eq!(body.error.code, code, "{query}");
    }
    let key = s.make_key("Reader", &["orders:read"]).await;
    let res = s
        .http
        .get(s.url("/api/orders/export.csv?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z"))
        .header("authorization", format!("Bearer {key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    s.stop().await;
}
