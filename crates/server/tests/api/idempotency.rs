//! `Idempotency-Key`: a retry gets the first answer again (same status,
//! same body, `Idempotent-Replayed: true`) and changes nothing; the same key
//! with another request gets 422; twenty concurrent requests with one key
//! make one order; the answers survive a restart; keys are per caller.

use crate::support::TestServer;
use orderboard_model::{ApiErrorBody, ErrorCode, Order, Stage};
use orderboard_server::store::idempotency_rows;

const NEW: &str =
    r#"{"customer": "Ada", "channel": "pickup", "items": [{"name": "Tea", "qty": 1}]}"#;
/// The same order, spaced and ordered otherwise.
const NEW_AGAIN: &str = r#"{"items":[{"qty":1,"name":"Tea"}],"channel":"pickup","customer":"Ada"}"#;

async fn post(s: &TestServer, path: &str, key: Option<&str>, body: &str) -> reqwest::Response {
    let mut req = s
        .http
        .post(s.url(path))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(key) = key {
        req = req.header("idempotency-key", key);
    }
    req.send().await.unwrap()
}

async fn orders(s: &TestServer) -> Vec<Order> {
    s.http
        .get(s.url("/api/orders"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn replayed(res: &reqwest::Response) -> bool {
    res.headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true")
}

#[tokio::test]
async fn a_retry_gets_the_first_answer_and_changes_nothing() {
    let s = TestServer::start().await;
    let first = post(&s, "/api/orders", Some("till-1043"), NEW).await;
    assert_eq!(first.status(), 201);
    assert!(!replayed(&first));
    let location = first.headers()["location"].clone();
    let body = first.text().await.unwrap();

    let again = post(&s, "/api/orders", Some("till-1043"), NEW_AGAIN).await;
    assert_eq!(again.status(), 201);
    assert!(replayed(&again));
    assert_eq!(again.headers()["location"], location);
    assert_eq!(again.headers()["content-type"], "application/json");
    assert_eq!(again.text().await.unwrap(), body);
    assert_eq!(orders(&s).await.len(), 1);
    let order: Order = serde_json::from_str(&body).unwrap();

    // A stage change, the same way.
    let path = format!("/api/orders/{}/stage", order.id);
    let moved = post(&s, &path, Some("move-1"), r#"{"to": "preparing"}"#).await;
    assert_eq!(moved.status(), 200);
    let moved_body = moved.text().await.unwrap();
    let again = post(&s, &path, Some("move-1"), r#"{ "to" : "preparing" }"#).await;
    assert_eq!(again.status(), 200);
    assert!(replayed(&again));
    assert_eq!(again.text().await.unwrap(), moved_body);
    let now: Order = s
        .http
        .get(s.url(&format!("/api/orders/{}", order.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((now.stage, now.version), (Stage::Preparing, 2));

    // Without a key, a second request is a second order, as before.
    assert_eq!(post(&s, "/api/orders", None, NEW).await.status(), 201);
    assert_eq!(post(&s, "/api/orders", None, NEW).await.status(), 201);
    assert_eq!(orders(&s).await.len(), 3);
    s.stop().await;
}

#[tokio::test]
async fn the_same_key_with_another_request_is_refused() {
    let s = TestServer::start().await;
    assert_eq!(
        post(&s, "/api/orders", Some("k-1"), NEW).await.status(),
        201
    );
    let other = NEW.replace("Tea", "Coffee");
    let res = post(&s, "/api/orders", Some("k-1"), &other).await;
    assert_eq!(res.status(), 422);
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::IdempotencyKeyReused);
    // Another path is another request too.
    let order = &orders(&s).await[0];
    let res = post(
        &s,
        &format!("/api/orders/{}/stage", order.id),
        Some("k-1"),
        r#"{"to": "preparing"}"#,
    )
    .await;
    assert_eq!(res.status(), 422);
    assert_eq!(orders(&s).await.len(), 1);
    assert_eq!(orders(&s).await[0].stage, Stage::Received);
    s.stop().await;
}

#[tokio::test]
async fn a_malformed_key_is_a_bad_request() {
    let s = TestServer::start().await;
    for key in ["", "with space", &"k".repeat(256), "tab\there"] {
        let res = post(&s, "/api/orders", Some(key), NEW).await;
        assert_eq!(res.status(), 400, "{key:?}");
        let body: ApiErrorBody = res.json().await.unwrap();
        assert_eq!(body.error.code, ErrorCode::BadRequest);
    }
    assert_eq!(
        post(&s, "/api/orders", Some(&"k".repeat(255)), NEW)
            .await
            .status(),
        201
    );
    assert_eq!(orders(&s).await.len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn a_refused_change_is_not_kept_and_may_be_sent_again() {
    let s = TestServer::start().await;
    let order = s
        .create(Some("Ada"), orderboard_model::Channel::Pickup)
        .await;
    let path = format!("/api/orders/{}/stage", order.id);
    // Not allowed from received: refused, and nothing kept under the key.
    let res = post(&s, &path, Some("m-1"), r#"{"to": "ready"}"#).await;
    assert_eq!(res.status(), 409);
    assert!(!replayed(&res));
    let res = post(&s, &path, Some("m-1"), r#"{"to": "ready"}"#).await;
    assert_eq!(res.status(), 409);
    assert!(!replayed(&res));
    s.stop().await;
}

#[tokio::test]
async fn twenty_concurrent_requests_with_one_key_make_one_order() {
    let s = TestServer::start().await;
    let answers = futures_util::future::join_all((0..20).map(|_| async {
        let res = post(&s, "/api/orders", Some("burst"), NEW).await;
        let status = res.status();
        let replayed = replayed(&res);
        (status, replayed, res.text().await.unwrap())
    }))
    .await;
    assert!(
        answers.iter().all(|(status, _, _)| *status == 201),
        "{answers:?}"
    );
    assert_eq!(
        answers.iter().filter(|(_, replayed, _)| !replayed).count(),
        1
    );
    assert!(answers.iter().all(|(_, _, body)| *body == answers[0].2));
    assert_eq!(orders(&s).await.len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn the_first_answer_survives_a_restart() {
    let s = TestServer::start().await;
    let path = s.db_path.clone();
    let first = post(&s, "/api/orders", Some("before-restart"), NEW).await;
    assert_eq!(first.status(), 201);
    let body = first.text().await.unwrap();
    let dir = s.stop().await;
    let s = TestServer::start_on(&path).await;
    let again = post(&s, "/api/orders", Some("before-restart"), NEW).await;
    assert_eq!(again.status(), 201);
    assert!(replayed(&again));
    assert_eq!(again.text().await.unwrap(), body);
    assert_eq!(orders(&s).await.len(), 1);
    s.stop().await;
    drop(dir);
}

#[tokio::test]
async fn keys_are_per_caller() {
    let s = TestServer::start().await;
    let till = s.make_key("Till", &["orders:write"]).await;
    let platform = s.make_key("Platform", &["orders:write"]).await;
    let as_key = |key: &str| {
        s.http
            .post(s.url("/api/orders"))
            .header("authorization", format!("Bearer {key}"))
            .header("idempotency-key", "order-1")
            .header("content-type", "application/json")
            .body(NEW)
    };
    assert_eq!(
        post(&s, "/api/orders", Some("order-1"), NEW).await.status(),
        201
    );
    let res = as_key(&till).send().await.unwrap();
    assert_eq!(res.status(), 201);
    assert!(!replayed(&res));
    let res = as_key(&platform).send().await.unwrap();
    assert!(!replayed(&res));
    let res = as_key(&till).send().await.unwrap();
    assert!(replayed(&res));
    assert_eq!(orders(&s).await.len(), 3);
    s.stop().await;
}

#[tokio::test]
async fn answers_are_pruned_after_a_day() {
    let s = TestServer::start().await;
    assert_eq!(
        post(&s, "/api/orders", Some("old"), NEW).await.status(),
        201
    );
    assert_eq!(
        post(&s, "/api/orders", Some("new"), NEW).await.status(),
        201
    );
    let two_days_ago =
        (time::OffsetDateTime::now_utc() - time::Duration::days(2)).unix_timestamp() * 1000;
    crate::on_database!(s.state.store.database(), pool => {
        sqlx::query("UPDATE idempotency_records SET created_at = $1 WHERE idem_key = 'old'")
            .bind(two_days_ago)
            .execute(pool)
            .await
            .unwrap();
    });
    assert_eq!(
        idempotency_rows::prune(s.state.store.database())
            .await
            .unwrap(),
        1
    );
    // "old" is a new request again; "new" still replays.
    assert!(!replayed(&post(&s, "/api/orders", Some("old"), NEW).await));
    assert!(replayed(&post(&s, "/api/orders", Some("new"), NEW).await));
    assert_eq!(orders(&s).await.len(), 3);
    s.stop().await;
}
