//! API keys: made, listed without their secret and revoked by staff; a key
//! is allowed what its scopes allow at every staff endpoint (the list is
//! the API's own OpenAPI description, so a new endpoint without a decision
//! fails here), from any address, without a session; wrong, malformed and
//! revoked keys get 401; revoking a key ends its open staff stream.

use crate::support::{test_settings, SseClient, TestServer};
use orderboard_model::{
    ApiErrorBody, ApiKeyInfo, Channel, CreatedApiKey, ErrorCode, Order, Scope, StaffSnapshot,
};
use orderboard_server::client_addr::{parse_trusted_proxy, TrustedProxies};
use std::collections::BTreeSet;

const READ: &[&str] = &["orders:read"];
const WRITE: &[&str] = &["orders:write"];

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

async fn error_code(res: reqwest::Response) -> ErrorCode {
    res.json::<ApiErrorBody>().await.unwrap().error.code
}

#[tokio::test]
async fn keys_are_made_listed_without_their_secret_and_revoked_at_once() {
    let s = TestServer::start().await;
    let res = s
        .http
        .post(s.url("/api/keys"))
        .json(&serde_json::json!({"name": " Till 1 ", "scopes": ["orders:write", "orders:read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let made: CreatedApiKey = res.json().await.unwrap();
    assert!(
        made.key.starts_with("obk_") && made.key.len() == 47,
        "{}",
        made.key
    );
    assert_eq!(made.info.name, "Till 1");
    assert_eq!(
        made.info.scopes,
        vec![Scope::OrdersRead, Scope::OrdersWrite]
    );
    assert!(made.key.starts_with(made.info.hint.trim_end_matches('…')));

    // Listed without the secret, and the database holds only its hash.
    let listed = s.http.get(s.url("/api/keys")).send().await.unwrap();
    assert_eq!(listed.status(), 200);
    let text = listed.text().await.unwrap();
    assert!(!text.contains(&made.key), "{text}");
    let keys: Vec<ApiKeyInfo> = serde_json::from_str(&text).unwrap();
    assert_eq!(keys, vec![made.info.clone()]);
    let stored: Vec<(String, String, String)> = crate::on_database!(s.state.store.database(), pool => {
        sqlx::query_as("SELECT id, key_hash, hint FROM api_keys").fetch_all(pool).await.unwrap()
    });
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].1,
        orderboard_server::auth::session_rows::token_hash(&made.key)
    );
    assert!(!stored[0].1.contains(&made.key[4..]) && !stored[0].2.contains(&made.key[4..]));

    // The key works; its use shows in the list, and is written down in the
    // background, not by the request.
    let res = s
        .http
        .get(s.url("/api/orders"))
        .header("authorization", bearer(&made.key))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let keys: Vec<ApiKeyInfo> = s
        .http
        .get(s.url("/api/keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(keys[0].last_used_at.is_some());
    let written: Option<i64> = crate::on_database!(s.state.store.database(), pool => {
        sqlx::query_scalar("SELECT last_used_at FROM api_keys").fetch_one(pool).await.unwrap()
    });
    assert_eq!(written, None);
    s.state.api_keys.write_last_used().await;
    let written: Option<i64> = crate::on_database!(s.state.store.database(), pool => {
        sqlx::query_scalar("SELECT last_used_at FROM api_keys").fetch_one(pool).await.unwrap()
    });
    assert!(written.is_some());

    // Revoked: refused at once, and gone from the list.
    let res = s
        .http
        .delete(s.url(&format!("/api/keys/{}", made.info.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = s
        .http
        .get(s.url("/api/orders"))
        .header("authorization", bearer(&made.key))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(error_code(res).await, ErrorCode::Unauthorized);
    let keys: Vec<ApiKeyInfo> = s
        .http
        .get(s.url("/api/keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(keys.is_empty());
    let res = s
        .http
        .delete(s.url(&format!("/api/keys/{}", made.info.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    s.stop().await;
}

#[tokio::test]
async fn a_key_needs_a_name_and_a_known_scope() {
    let s = TestServer::start().await;
    for (body, status) in [
        (
            serde_json::json!({"name": "", "scopes": ["orders:read"]}),
            422,
        ),
        (
            serde_json::json!({"name": "x".repeat(81), "scopes": ["orders:read"]}),
            422,
        ),
        (serde_json::json!({"name": "Till", "scopes": []}), 422),
        (
            serde_json::json!({"name": "Till", "scopes": ["orders:delete"]}),
            422,
        ),
        (serde_json::json!({"name": "Till"}), 422),
    ] {
        let res = s
            .http
            .post(s.url("/api/keys"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{body}");
        res.json::<ApiErrorBody>().await.unwrap();
    }
    s.stop().await;
}

#[tokio::test]
async fn wrong_malformed_and_foreign_credentials_get_401() {
    let s = TestServer::start().await;
    s.make_key("Till", WRITE).await;
    let unknown = format!("obk_{}", "A".repeat(43));
    for value in [
        bearer(&unknown),
        bearer("obk_short"),
        bearer("not-a-key"),
        "Bearer".to_string(),
        format!("Basic {unknown}"),
    ] {
        let res = s
            .http
            .post(s.url("/api/orders"))
            .header("authorization", &value)
            .json(&serde_json::json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{value}");
        assert_eq!(error_code(res).await, ErrorCode::Unauthorized);
    }
    // Nothing was made.
    let orders: Vec<Order> = s
        .http
        .get(s.url("/api/orders"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(orders.is_empty());
    s.stop().await;
}

/// What a staff endpoint needs, as the tests expect it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Public,
    Read,
    Write,
    Staff,
}

/// Every endpoint of the API and what it needs. A new endpoint must be
/// added here, with a decision.
const ENDPOINTS: &[(&str, &str, Need)] = &[
    ("GET", "/api/health", Need::Public),
    ("GET", "/api/openapi.json", Need::Public),
    ("GET", "/api/orders", Need::Read),
    ("POST", "/api/orders", Need::Write),
    ("GET", "/api/orders/{id}", Need::Read),
    ("GET", "/api/orders/history", Need::Read),
    ("GET", "/api/orders/export.csv", Need::Staff),
    ("GET", "/api/reports/prep-times", Need::Staff),
    ("POST", "/api/orders/{id}/stage", Need::Write),
    ("POST", "/api/orders/{id}/items/{index}", Need::Write),
    ("GET", "/api/settings", Need::Staff),
    ("PUT", "/api/settings", Need::Staff),
    ("GET", "/api/menu", Need::Read),
    ("PUT", "/api/menu", Need::Staff),
    ("GET", "/api/events", Need::Read),
    ("GET", "/api/board/events", Need::Public),
    ("GET", "/api/track/events", Need::Public),
    ("GET", "/api/track/{token}", Need::Public),
    ("GET", "/api/track/{token}/events", Need::Public),
    ("GET", "/api/track/{token}/longpoll", Need::Public),
    ("GET", "/api/track/{token}/ws", Need::Public),
    ("GET", "/api/workshop/counts", Need::Public),
    ("GET", "/api/workshop/events", Need::Public),
    ("GET", "/api/workshop/sse-db-poll/{token}", Need::Public),
    ("GET", "/api/workshop/comparison", Need::Public),
    ("POST", "/api/workshop/comparison", Need::Staff),
    ("DELETE", "/api/workshop/comparison", Need::Staff),
    ("GET", "/api/workshop/drill", Need::Public),
    ("POST", "/api/workshop/drill", Need::Staff),
    ("GET", "/api/demo", Need::Staff),
    ("PUT", "/api/demo", Need::Staff),
    ("GET", "/api/session", Need::Public),
    ("POST", "/api/session", Need::Public),
    ("DELETE", "/api/session", Need::Public),
    ("POST", "/api/session/desktop", Need::Public),
    ("PUT", "/api/session/passphrase", Need::Public),
    ("GET", "/api/keys", Need::Staff),
    ("POST", "/api/keys", Need::Staff),
    ("DELETE", "/api/keys/{id}", Need::Staff),
    ("GET", "/api/webhooks", Need::Staff),
    ("POST", "/api/webhooks", Need::Staff),
    ("DELETE", "/api/webhooks/{id}", Need::Staff),
    ("GET", "/api/webhooks/{id}/deliveries", Need::Staff),
    ("GET", "/api/printers", Need::Staff),
    ("POST", "/api/printers", Need::Staff),
    ("DELETE", "/api/printers/{id}", Need::Staff),
    ("POST", "/api/printers/{id}/test", Need::Staff),
    ("POST", "/api/orders/{id}/print", Need::Staff),
];

#[tokio::test]
async fn every_staff_endpoint_allows_a_key_only_what_its_scopes_allow() {
    let s = TestServer::start().await;
    // The endpoints the API describes are exactly those decided on above.
    let doc: serde_json::Value = s
        .http
        .get(s.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let described: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let decided: BTreeSet<(String, String)> = ENDPOINTS
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        described, decided,
        "every endpoint needs a scope decision in ENDPOINTS"
    );

    let order = s.create(Some("Ada"), Channel::Pickup).await;
    let reader = s.make_key("Reader", READ).await;
    let writer = s.make_key("Writer", WRITE).await;
    let both = s.make_key("Both", &["orders:read", "orders:write"]).await;
    let some_key: Vec<ApiKeyInfo> = s
        .http
        .get(s.url("/api/keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (method, template, need) in ENDPOINTS {
        if *need == Need::Public {
            continue;
        }
        let path = template.replace("{index}", "0").replace(
            "{id}",
            &if template.starts_with("/api/keys") {
                some_key[0].id.clone()
            } else {
                order.id.to_string()
            },
        );
        let body = match (*method, *template) {
            ("POST", "/api/orders") => {
                Some(serde_json::json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1}]}))
            }
            ("POST", "/api/orders/{id}/stage") => Some(serde_json::json!({"to": "cancelled"})),
            ("POST", "/api/orders/{id}/items/{index}") => Some(serde_json::json!({"done": false})),
            ("PUT", "/api/demo") => Some(serde_json::json!({"running": false})),
            ("POST", "/api/keys") => {
                Some(serde_json::json!({"name": "x", "scopes": ["orders:read"]}))
            }
            ("POST", "/api/workshop/comparison") => Some(serde_json::json!({})),
            ("POST", "/api/webhooks") => {
                Some(serde_json::json!({"url": "http://127.0.0.1:9/", "events": ["order.created"]}))
            }
            _ => None,
        };
        for (key, scopes) in [
            (&reader, READ),
            (&writer, WRITE),
            (&both, &["orders:read", "orders:write"][..]),
        ] {
            let allowed = match need {
                Need::Read => scopes.contains(&"orders:read"),
                Need::Write => scopes.contains(&"orders:write"),
                _ => false,
            };
            let mut req = s
                .http
                .request(method.parse().unwrap(), s.url(&path))
                .header("authorization", bearer(key));
            if let Some(b) = &body {
                req = req.json(b);
            }
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            if allowed {
                assert!(
                    ![401, 403].contains(&status),
                    "{method} {path} with {scopes:?}: {status}"
                );
            } else {
                assert_eq!(status, 403, "{method} {path} with {scopes:?}");
                assert_eq!(error_code(res).await, ErrorCode::Forbidden);
            }
        }
    }
    s.stop().await;
}

#[tokio::test]
async fn a_key_works_from_another_machine_and_without_a_session() {
    // Behind a trusted proxy on loopback, requests come "from" 192.0.2.7.
    let mut settings = test_settings();
    settings.limits.trusted_proxies =
        TrustedProxies::new([parse_trusted_proxy("127.0.0.1").unwrap()]);
    let s = TestServer::start_with_settings(settings).await;
    let key = s.make_key("Till", &["orders:read", "orders:write"]).await;
    let new = serde_json::json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1}]});
    let from_afar = |req: reqwest::RequestBuilder| req.header("x-forwarded-for", "192.0.2.7");
    let res = from_afar(s.http.post(s.url("/api/orders")).json(&new))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        403,
        "without a key, staff requests stay on this computer"
    );
    let res = from_afar(s.http.post(s.url("/api/orders")).json(&new))
        .header("authorization", bearer(&key))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    // Key management is for staff only, from wherever.
    let res = from_afar(s.http.get(s.url("/api/keys")))
        .header("authorization", bearer(&key))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    s.stop().await;

    // With a staff passphrase set, a key needs no session.
    let mut settings = test_settings();
    settings.auth.staff_passphrase = Some("correct horse battery staple".into());
    let s = TestServer::start_with_settings(settings).await;
    let res = s
        .http
        .post(s.url("/api/keys"))
        .json(&serde_json::json!({"name": "Till", "scopes": ["orders:read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "making a key needs a session");
    let res = s
        .http
        .post(s.url("/api/session"))
        .json(&serde_json::json!({"passphrase": "correct horse battery staple"}))
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let made: CreatedApiKey = s
        .http
        .post(s.url("/api/keys"))
        .header("cookie", &cookie)
        .json(&serde_json::json!({"name": "Till", "scopes": ["orders:read"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = s
        .http
        .get(s.url("/api/orders"))
        .header("authorization", bearer(&made.key))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    s.stop().await;
}

#[tokio::test]
async fn revoking_a_key_ends_its_open_staff_stream_and_no_other() {
    let s = TestServer::start().await;
    let key = s.make_key("Screen", READ).await;
    let other = s.make_key("Other", READ).await;
    let open = |key: String| {
        let http = s.http.clone();
        let url = s.url("/api/events");
        async move {
            let res = http
                .get(url)
                .header("accept", "text/event-stream")
                .header("authorization", bearer(&key))
                .send()
                .await
                .unwrap();
            SseClient::from_response(res)
        }
    };
    let mut sse = open(key.clone()).await;
    assert_eq!(sse.status, 200);
    let mut stays = open(other).await;
    let _: (u64, StaffSnapshot) = sse.expect("snapshot").await;
    let _: (u64, StaffSnapshot) = stays.expect("snapshot").await;
    let keys: Vec<ApiKeyInfo> = s
        .http
        .get(s.url("/api/keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = &keys.iter().find(|k| k.name == "Screen").unwrap().id;
    let res = s
        .http
        .delete(s.url(&format!("/api/keys/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    sse.expect_end().await;
    // The other key's stream goes on.
    s.create(Some("Ada"), Channel::Pickup).await;
    let _: (u64, orderboard_model::OrderEvent) = stays.expect("order").await;
    s.stop().await;
}

#[tokio::test]
async fn hostile_credentials_and_keys_get_clear_4xx() {
    use reqwest::header::HeaderValue;
    let s = TestServer::start().await;
    let long = format!("Bearer obk_{}", "A".repeat(8000));
    let cases: Vec<(&str, HeaderValue, u16)> = vec![
        (
            "authorization",
            HeaderValue::from_bytes(b"Bearer obk_\xff\xfe").unwrap(),
            401,
        ),
        ("authorization", HeaderValue::from_str(&long).unwrap(), 401),
        ("authorization", HeaderValue::from_static("Bearer  "), 401),
        (
            "idempotency-key",
            HeaderValue::from_bytes(b"k\xff").unwrap(),
            400,
        ),
        (
            "idempotency-key",
            HeaderValue::from_str(&"k".repeat(4000)).unwrap(),
            400,
        ),
    ];
    for (name, value, status) in cases {
        let res = s
            .http
            .post(s.url("/api/orders"))
            .header(name, value.clone())
            .json(&serde_json::json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{name}: {value:?}");
        res.json::<ApiErrorBody>().await.unwrap();
    }
    let orders: Vec<Order> = s
        .http
        .get(s.url("/api/orders"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(orders.is_empty());
    s.stop().await;
}
