//! `PUT /api/session/passphrase`: the staff passphrase set on first run from
//! this computer, kept hashed in the database across restarts, and changed
//! only by signed-in staff.

use crate::support::TestServer;
use orderboard_model::{ApiErrorBody, Channel, ErrorCode};

fn cookie_of(res: &reqwest::Response) -> String {
    let set = res.headers()["set-cookie"].to_str().unwrap();
    set.split(';').next().unwrap().to_string()
}

async fn put_passphrase(
    s: &TestServer,
    passphrase: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = s
        .http
        .put(s.url("/api/session/passphrase"))
        .json(&serde_json::json!({ "passphrase": passphrase }));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.unwrap()
}

async fn status(s: &TestServer, cookie: Option<&str>) -> serde_json::Value {
    let mut req = s.http.get(s.url("/api/session"));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn the_first_passphrase_is_set_here_kept_hashed_and_survives_a_restart() {
    let s = TestServer::start().await;
    let path = s.db_path.clone();
    assert_eq!(status(&s, None).await["sign_in_required"], false);

    // Limits first: a PIN of four at least.
    let res = put_passphrase(&s, "123", None).await;
    assert_eq!(res.status(), 422);
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.field.as_deref(), Some("passphrase"));

    // First run, from this computer: set, and signed in with it.
    let res = put_passphrase(&s, "tomato soup 42", None).await;
    assert_eq!(res.status(), 204);
    let cookie = cookie_of(&res);
    assert_eq!(status(&s, Some(&cookie)).await["signed_in"], true);

    // From now on staff requests need a session.
    let refused = s.http.get(s.url("/api/orders")).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let ok = s
        .http
        .get(s.url("/api/orders"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);

    // Only the hash is stored.
    let stored: String = crate::on_database!(s.state.store.database(), pool => {
        sqlx::query_scalar("SELECT phc FROM staff_passphrase")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert!(stored.starts_with("$argon2"), "{stored}");
    assert!(!stored.contains("tomato"));

    // Once set, changing it needs a session.
    let res = put_passphrase(&s, "someone else's", None).await;
    assert_eq!(res.status(), 401);
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::Unauthorized);
    let dir = s.stop().await;

    // After a restart the passphrase still holds.
    let s = TestServer::start_on(&path).await;
    assert_eq!(status(&s, None).await["sign_in_required"], true);
    let res = s
        .http
        .post(s.url("/api/session"))
        .json(&serde_json::json!({ "passphrase": "tomato soup 42" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let cookie = cookie_of(&res);
    let res = put_passphrase(&s, "a new one", Some(&cookie)).await;
    assert_eq!(res.status(), 204);
    let old = s
        .http
        .post(s.url("/api/session"))
        .json(&serde_json::json!({ "passphrase": "tomato soup 42" }))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401, "the old passphrase no longer signs in");
    s.stop().await;
    drop(dir);
}

#[tokio::test]
async fn without_a_passphrase_nothing_changes() {
    let s = TestServer::start().await;
    s.create(None, Channel::Pickup).await;
    let stored: Option<String> = crate::on_database!(s.state.store.database(), pool => {
        sqlx::query_scalar("SELECT phc FROM staff_passphrase")
            .fetch_optional(pool)
            .await
            .unwrap()
    });
    assert_eq!(stored, None);
    s.stop().await;
}
