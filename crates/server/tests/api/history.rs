//! `GET /api/orders/history`: finished orders searched by number, name,
//! external reference and date, newest first, a page at a time.

use crate::reports::finish;
use crate::support::TestServer;
use orderboard_model::reports::HistoryPage;
use orderboard_model::{ApiErrorBody, Channel, ErrorCode, Order, Stage};
use std::time::Duration;

async fn search(s: &TestServer, query: &str) -> reqwest::Response {
    s.http
        .get(s.url(&format!("/api/orders/history?{query}")))
        .send()
        .await
        .unwrap()
}

async fn found(s: &TestServer, query: &str) -> HistoryPage {
    let res = search(s, query).await;
    assert_eq!(res.status(), 200, "{query}: {:?}", res.text().await);
    res.json().await.unwrap()
}

fn numbers(page: &HistoryPage) -> Vec<u32> {
    page.orders.iter().map(|o| o.number).collect()
}

#[tokio::test]
async fn finished_orders_are_found_by_each_key_newest_first_and_paged() {
    let s = TestServer::start().await;
    let pause = Duration::from_millis(5);
    let ada = finish(
        &s,
        &s.create(Some("Ada Lovelace"), Channel::Pickup).await,
        pause,
    )
    .await;
    let grace = finish(
        &s,
        &s.create(Some("Grace Hopper"), Channel::Delivery).await,
        pause,
    )
    .await;
    let alan = s.create(Some("Alan 100%_Turing"), Channel::Pickup).await;
    let alan = s.move_to(alan.id, Stage::Cancelled).await;
    let till = s
        .create_json(
            serde_json::json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1}],
            "external_ref": {"source": "till-1", "id": "A-1043"}}),
        )
        .await;
    let till = finish(&s, &till, pause).await;
    let active: Order = s.create(Some("Ada Active"), Channel::Pickup).await;

    // Everything finished, newest first; the active order is not history.
    let all = found(&s, "").await;
    assert_eq!(all.total, 4);
    assert_eq!(
        numbers(&all),
        vec![till.number, alan.number, grace.number, ada.number]
    );
    assert!(all.orders.iter().all(|o| o.id != active.id));
    assert!(
        all.orders[0].history.len() > 1,
        "orders come with their history"
    );

    // By name, whatever its case, and a part of it.
    assert_eq!(numbers(&found(&s, "q=lovelace").await), vec![ada.number]);
    assert_eq!(numbers(&found(&s, "q=ADA").await), vec![ada.number]);
    assert_eq!(numbers(&found(&s, "q=hopp").await), vec![grace.number]);
    // LIKE's wildcards are only themselves.
    assert_eq!(numbers(&found(&s, "q=100%25_").await), vec![alan.number]);
    assert_eq!(found(&s, "q=%25%25").await.total, 0, "%% is not a wildcard");
    // By number, exactly.
    assert_eq!(
        numbers(&found(&s, &format!("q={}", grace.number)).await),
        vec![grace.number]
    );
    // By external reference.
    assert_eq!(numbers(&found(&s, "q=A-1043").await), vec![till.number]);
    assert_eq!(
        found(&s, "q=A-104").await.total,
        0,
        "a reference matches whole"
    );
    assert_eq!(found(&s, "q=nobody").await.total, 0);

    // By date: the range they finished in, or one before.
    let (from, to) = crate::reports::around_now();
    assert_eq!(found(&s, &format!("from={from}&to={to}")).await.total, 4);
    assert_eq!(found(&s, &format!("to={from}")).await.total, 0);
    assert_eq!(found(&s, &format!("q=ada&from={from}")).await.total, 1);

    // Pages of two: every order once, in the same order.
    let one = found(&s, "per_page=2").await;
    let two = found(&s, "per_page=2&page=2").await;
    let three = found(&s, "per_page=2&page=3").await;
    assert_eq!((one.total, one.page, one.per_page), (4, 1, 2));
    assert_eq!(
        [numbers(&one), numbers(&two)].concat(),
        numbers(&all),
        "pages add up to the whole"
    );
    assert!(three.orders.is_empty());
    assert_eq!(three.total, 4);
    s.stop().await;
}

#[tokio::test]
async fn bad_history_queries_are_refused_in_the_error_shape() {
    let s = TestServer::start().await;
    for (query, status, code) in [
        ("per_page=0", 422, ErrorCode::ValidationFailed),
        ("per_page=101", 422, ErrorCode::ValidationFailed),
        ("page=0", 422, ErrorCode::ValidationFailed),
        ("page=-1", 400, ErrorCode::BadRequest),
        ("per_page=ten", 400, ErrorCode::BadRequest),
        ("sort=name", 400, ErrorCode::BadRequest),
        ("from=monday", 422, ErrorCode::ValidationFailed),
        (
            "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
            422,
            ErrorCode::ValidationFailed,
        ),
    ] {
        let res = search(&s, query).await;
        assert_eq!(res.status(), status, "{query}");
        let body: ApiErrorBody = res.json().await.unwrap();
        assert_eq!(body.error.code, code, "{query}");
    }
    s.stop().await;
}
