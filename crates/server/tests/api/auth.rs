//! Staff authentication: a matrix of every staff endpoint without a session,
//! with an expired one and with a forged one (all refused); public endpoints
//! open and free of private fields; an expired or signed-out session ends
//! its open staff stream; failed sign-ins back off; desktop tickets; and,
//! without a passphrase, staff requests only from this computer.

use crate::support::{test_settings, SseClient, TestServer, PATIENCE};
use orderboard_model::{ApiErrorBody, Channel, ErrorCode, Order};
use orderboard_server::AppState;
use std::time::Duration;

const PASSPHRASE: &str = "correct horse battery staple";

async fn server(session_ttl: Duration) -> TestServer {
    let mut settings = test_settings();
    settings.auth.staff_passphrase = Some(PASSPHRASE.into());
    settings.auth.session_ttl = session_ttl;
    TestServer::start_with_settings(settings).await
}

/// Signs in; returns the cookie pair to send back (`name=value`).
async fn sign_in(s: &TestServer) -> String {
    let res = s
        .http
        .post(s.url("/api/session"))
        .json(&serde_json::json!({ "passphrase": PASSPHRASE }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let set = res.headers()["set-cookie"].to_str().unwrap().to_string();
    for attr in ["HttpOnly", "SameSite=Strict", "Max-Age=", "Path=/api"] {
        assert!(set.contains(attr), "{set}");
    }
    set.split(';').next().unwrap().to_string()
}

/// Every staff endpoint, as (method, path, JSON body).
fn staff_endpoints(order: &Order) -> Vec<(&'static str, String, Option<serde_json::Value>)> {
    vec![
        ("GET", "/api/orders".into(), None),
        ("GET", "/api/orders?stage=received".into(), None),
        ("GET", format!("/api/orders/{}", order.id), None),
        (
            "POST",
            "/api/orders".into(),
            Some(serde_json::json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1}]})),
        ),
        (
            "POST",
            format!("/api/orders/{}/stage", order.id),
            Some(serde_json::json!({"to": "preparing"})),
        ),
        ("GET", "/api/events".into(), None),
        (
            "POST",
            "/api/workshop/drill".into(),
            Some(serde_json::json!({})),
        ),
    ]
}

async fn call(
    s: &TestServer,
    (method, path, body): &(&'static str, String, Option<serde_json::Value>),
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = s.http.request(method.parse().unwrap(), s.url(path));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn every_staff_endpoint_refuses_no_expired_and_forged_sessions() {
    let s = server(Duration::from_secs(1)).await;
    let cookie = sign_in(&s).await;
    // An order to aim at, made with a live session.
    let order: Order = call(&s, &staff_endpoints(&dummy())[3], Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    let endpoints = staff_endpoints(&order);
    let forged = format!("orderboard_session={}", "A".repeat(43));

    // Let the session expire.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let st: serde_json::Value = s
            .http
            .get(s.url("/api/session"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(st["sign_in_required"], true);
        if st["signed_in"] == false {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let mut refused = 0;
    for endpoint in &endpoints {
        for (what, c) in [
            ("none", None),
            ("expired", Some(cookie.as_str())),
            ("forged", Some(forged.as_str())),
        ] {
            let res = call(&s, endpoint, c).await;
            assert_eq!(
                res.status(),
                401,
                "{} {} with {what} session",
                endpoint.0,
                endpoint.1
            );
            let body: ApiErrorBody = res.json().await.unwrap();
            assert_eq!(body.error.code, ErrorCode::Unauthorized);
            refused += 1;
        }
    }
    // With a live session each goes through.
    let fresh = sign_in(&s).await;
    for endpoint in &endpoints[..3] {
        assert_eq!(
            call(&s, endpoint, Some(&fresh)).await.status(),
            200,
            "{endpoint:?}"
        );
    }
    println!("auth: {refused} staff requests without a live session, all refused");

    // Public endpoints need no session and carry no private field.
    for path in [
        "/api/health",
        "/api/openapi.json",
        &format!("/api/track/{}", order.tracking_token),
    ] {
        assert_eq!(
            s.http.get(s.url(path)).send().await.unwrap().status(),
            200,
            "{path}"
        );
    }
    let tracked = s
        .http
        .get(s.url(&format!("/api/track/{}", order.tracking_token)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut board = SseClient::connect(&s.url("/api/board/events"), None).await;
    let (_, snapshot): (u64, serde_json::Value) = board.expect("snapshot").await;
    let board_text = snapshot.to_string();
    for private in [
        "tracking_token",
        &order.tracking_token,
        "\"items\"",
        "\"note\"",
        "\"id\"",
    ] {
        assert!(
            !board_text.contains(private),
            "board carries {private}: {board_text}"
        );
    }
    assert!(
        !tracked.contains(&order.tracking_token) && !tracked.contains("\"note\""),
        "{tracked}"
    );
    drop(board);
    s.stop().await;
}

fn dummy() -> Order {
    serde_json::from_value(serde_json::json!({
        "id": "00000000-0000-0000-0000-000000000000", "number": 1, "customer": null,
        "channel": "pickup", "items": [], "note": null, "stage": "received", "version": 1,
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        "history": [], "tracking_token": "x"
    }))
    .unwrap()
}

#[tokio::test]
async fn a_staff_stream_ends_when_its_session_expires_or_is_signed_out() {
    let s = server(Duration::from_secs(2)).await;
    let cookie = sign_in(&s).await;
    let open = || async {
        let res = reqwest::Client::new()
            .get(s.url("/api/events"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        SseClient::from_response(res)
    };
    // Expiry: heartbeats alone would keep it open; the session's end closes it.
    let mut expiring = open().await;
    expiring.expect::<serde_json::Value>("snapshot").await;
    expiring.expect_end().await;
    s.wait_for_no_open_streams().await;

    // Sign-out ends the streams of that session at once.
    let cookie = sign_in(&s).await;
    let res = reqwest::Client::new()
        .get(s.url("/api/events"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let mut signed_out = SseClient::from_response(res);
    signed_out.expect::<serde_json::Value>("snapshot").await;
    let res = s
        .http
        .delete(s.url("/api/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert!(res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    signed_out.expect_end().await;
    let res = s
        .http
        .get(s.url("/api/orders"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    s.stop().await;
}

#[tokio::test]
async fn failed_sign_ins_back_off() {
    let s = server(Duration::from_secs(60)).await;
    let attempt = |p: &'static str| {
        let s = &s;
        async move {
            s.http
                .post(s.url("/api/session"))
                .json(&serde_json::json!({ "passphrase": p }))
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..3 {
        assert_eq!(attempt("guess").await.status(), 401);
    }
    // Now even the right passphrase must wait.
    let res = attempt(PASSPHRASE).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::TooManyRequests);
    // After the wait, it works.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let status = attempt(PASSPHRASE).await.status();
        if status == 204 {
            break;
        }
        assert_eq!(status, 429);
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    s.stop().await;
}

#[tokio::test]
async fn a_desktop_ticket_signs_a_window_in_once() {
    let s = server(Duration::from_secs(60)).await;
    let ticket = s.state.sessions.issue_desktop_ticket();
    let redeem = || {
        s.http
            .post(s.url("/api/session/desktop"))
            .json(&serde_json::json!({ "ticket": ticket }))
            .send()
    };
    let res = redeem().await.unwrap();
    assert_eq!(res.status(), 204);
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let res = s
        .http
        .get(s.url("/api/orders"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // A ticket works once.
    assert_eq!(redeem().await.unwrap().status(), 401);
    s.stop().await;
}

#[tokio::test]
async fn without_a_passphrase_only_this_computer_may_make_staff_requests() {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    use tower::ServiceExt;
    let s = TestServer::start().await;
    // Over real HTTP from loopback: allowed, no session needed.
    s.create(Some("Ada"), Channel::Pickup).await;
    let res = s
        .http
        .post(s.url("/api/session"))
        .json(&serde_json::json!({"passphrase": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // The same router asked as if from another machine (tests stay on loopback).
    let state: AppState = s.state.clone();
    for (method, path) in [
        ("GET", "/api/orders"),
        ("GET", "/api/events"),
        ("POST", "/api/orders"),
    ] {
        let mut request = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(
                r#"{"channel":"pickup","items":[{"name":"Tea","qty":1}]}"#,
            ))
            .unwrap();
        let remote: SocketAddr = "192.0.2.7:50000".parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(remote));
        let res = orderboard_server::app(state.clone())
            .oneshot(request)
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{method} {path}");
    }
    s.stop().await;
}

#[tokio::test]
async fn cross_origin_calls_only_from_allow_listed_origins() {
    let preflight = |s: &TestServer, origin: &'static str| {
        s.http
            .request(reqwest::Method::OPTIONS, s.url("/api/orders"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    // By default: same origin only, no CORS headers for anyone.
    let s = TestServer::start().await;
    let res = preflight(&s, "http://pass.example").await.unwrap();
    assert!(!res.headers().contains_key("access-control-allow-origin"));
    s.stop().await;

    let mut settings = test_settings();
    settings.auth.allowed_origins = vec!["http://pass.example".into(), "*".into()];
    let s = TestServer::start_with_settings(settings).await;
    let res = preflight(&s, "http://pass.example").await.unwrap();
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "http://pass.example"
    );
    assert_eq!(res.headers()["access-control-allow-credentials"], "true");
    let res = preflight(&s, "http://elsewhere.example").await.unwrap();
    assert!(
        !res.headers().contains_key("access-control-allow-origin"),
        "never *"
    );
    s.stop().await;
}
