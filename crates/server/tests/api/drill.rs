//! The workshop's connection drop drill (`/api/workshop/drill`): simulated
//! customers lose their connections while the demo's orders move; those
//! that resume with `Last-Event-ID` miss nothing, those that do not miss
//! the changes made while they were away. Only in demo mode, only from this
//! computer, one at a time.

use crate::support::{demo_orders, test_settings, TestServer};
use orderboard_model::{ApiErrorBody, DrillPhase, DrillState, ErrorCode};
use orderboard_server::client_addr::{parse_trusted_proxy, TrustedProxies};
use serde_json::json;
use std::time::Duration;

async fn start_demo(s: &TestServer) {
    let res = s
        .http
        .put(s.url("/api/demo"))
        .json(&json!({"running": true, "seed": 7, "speed": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // The demo's first order arrives at once.
    demo_orders(s, 1).await;
}

async fn post_drill(s: &TestServer, body: serde_json::Value) -> reqwest::Response {
    s.http
        .post(s.url("/api/workshop/drill"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn expect_error(res: reqwest::Response, status: u16, code: ErrorCode) {
    assert_eq!(res.status(), status);
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, code, "{body:?}");
}

async fn drill_result(s: &TestServer) -> DrillState {
    let finished = async {
        loop {
            let state: DrillState = s
                .http
                .get(s.url("/api/workshop/drill"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if !state.phase.is_running() {
                return state;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), finished)
        .await
        .expect("the drill ends")
}

#[tokio::test]
async fn resuming_customers_miss_nothing_and_the_others_miss_the_outage() {
    let s = TestServer::start().await;
    expect_error(
        post_drill(&s, json!({})).await,
        409,
        ErrorCode::DemoNotRunning,
    )
    .await;
    // Bad input is bad input, demo or not.
    let res = post_drill(&s, json!({"outage_secs": 0})).await;
    assert_eq!(res.status(), 422);
    start_demo(&s).await;
    for bad in [
        json!({"outage_secs": 0}),
        json!({"outage_secs": 31}),
        json!({"clients_per_group": 0}),
        json!({"clients_per_group": 51}),
        json!({"clients": 5}),
    ] {
        let res = post_drill(&s, bad.clone()).await;
        assert_eq!(res.status(), 422, "{bad}");
    }

    let res = post_drill(&s, json!({"clients_per_group": 6, "outage_secs": 2})).await;
    assert_eq!(res.status(), 202);
    let started: DrillState = res.json().await.unwrap();
    assert!(started.phase.is_running(), "{started:?}");
    expect_error(
        post_drill(&s, json!({})).await,
        409,
        ErrorCode::AlreadyRunning,
    )
    .await;

    let state = drill_result(&s).await;
    assert_eq!(state.phase, DrillPhase::Finished, "{:?}", state.error);
    let report = state.report.expect("a report");
    // Orders moved while the link was down: there were changes to miss.
    assert!(report.changes_during_outage > 0, "{report:?}");
    assert!(report.outage_ms >= 2000, "{report:?}");
    let [resuming, naive] = &report.groups[..] else {
        panic!("two groups: {report:?}")
    };
    assert!(resuming.resumes && !naive.resumes);
    for g in [resuming, naive] {
        assert_eq!(g.clients, 6, "{g:?}");
        assert_eq!(g.caught_up, 6, "{g:?}");
        assert_eq!(g.duplicated, 0, "{g:?}");
        assert_eq!(g.delivered + g.missed, g.changes_owed, "{g:?}");
    }
    assert!(resuming.changes_owed > 0, "{resuming:?}");
    assert_eq!(resuming.missed, 0, "{resuming:?}");
    assert_eq!(resuming.snapshots_on_reconnect, 0, "{resuming:?}");
    assert!(naive.missed > 0, "{naive:?}");
    assert!(naive.snapshots_on_reconnect >= 6, "{naive:?}");

    // One at a time, but another may follow.
    let res = post_drill(&s, json!({"clients_per_group": 1, "outage_secs": 1})).await;
    assert_eq!(res.status(), 202);
    assert_eq!(drill_result(&s).await.phase, DrillPhase::Finished);
    s.stop().await;
}

/// Behind a trusted proxy, a signed-in request forwarded for another
/// machine may not cut this computer's connections.
#[tokio::test]
async fn only_this_computer_may_start_a_drill() {
    let mut settings = test_settings();
    settings.auth.staff_passphrase = Some("correct horse battery staple".into());
    settings.limits.trusted_proxies =
        TrustedProxies::new([parse_trusted_proxy("127.0.0.1").unwrap()]);
    let s = TestServer::start_with_settings(settings).await;
    let res = s
        .http
        .post(s.url("/api/session"))
        .json(&json!({"passphrase": "correct horse battery staple"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();

    let post = |forwarded: Option<&str>, cookie: Option<&str>| {
        let mut req = s.http.post(s.url("/api/workshop/drill")).json(&json!({}));
        if let Some(f) = forwarded {
            req = req.header("x-forwarded-for", f);
        }
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };
    expect_error(
        post(None, None).await.unwrap(),
        401,
        ErrorCode::Unauthorized,
    )
    .await;
    expect_error(
        post(Some("192.0.2.7"), Some(&cookie)).await.unwrap(),
        403,
        ErrorCode::Forbidden,
    )
    .await;
    // From this computer, it gets as far as the demo.
    expect_error(
        post(None, Some(&cookie)).await.unwrap(),
        409,
        ErrorCode::DemoNotRunning,
    )
    .await;
    assert_eq!(
        s.http
            .get(s.url("/api/workshop/drill"))
            .send()
            .await
            .unwrap()
            .json::<DrillState>()
            .await
            .unwrap()
            .phase,
        DrillPhase::Idle
    );
    s.stop().await;
}
