//! Bad input gets a clear 4xx in the API's error shape: never a 500, never a
//! panic, never lost data.

use crate::support::TestServer;
use orderboard_model::{ApiErrorBody, Channel, ErrorCode, Order};

struct Case {
    name: &'static str,
    method: &'static str,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    code: ErrorCode,
}

fn json_case(name: &'static str, path: &str, body: &str, status: u16, code: ErrorCode) -> Case {
    Case {
        name,
        method: "POST",
        path: path.to_string(),
        content_type: Some("application/json"),
        body: body.as_bytes().to_vec(),
        status,
        code,
    }
}

#[tokio::test]
async fn a_matrix_of_bad_requests_gets_4xx_in_the_error_shape() {
    let s = TestServer::start().await;
    let order = s.create(Some("Ada"), Channel::Pickup).await;
    let stage = format!("/api/orders/{}/stage", order.id);
    let item = r#"[{"name":"Tea","qty":1}]"#;
    let long = "x".repeat(81);
    use ErrorCode::*;
    let cases = vec![
        // Malformed JSON.
        json_case(
            "truncated json",
            "/api/orders",
            r#"{"channel":"pickup","#,
            400,
            BadRequest,
        ),
        json_case("not json", "/api/orders", "channel=pickup", 400, BadRequest),
        json_case("empty body", "/api/orders", "", 400, BadRequest),
        json_case(
            "trailing garbage",
            "/api/orders",
            &format!(r#"{{"channel":"pickup","items":{item}}} x"#),
            400,
            BadRequest,
        ),
        // Wrong types and shapes.
        json_case("array body", "/api/orders", "[]", 422, InvalidBody),
        // serde_json reports a number where an enum name belongs as a syntax error.
        json_case(
            "channel as number",
            "/api/orders",
            &format!(r#"{{"channel":1,"items":{item}}}"#),
            400,
            BadRequest,
        ),
        json_case(
            "unknown channel",
            "/api/orders",
            &format!(r#"{{"channel":"drone","items":{item}}}"#),
            422,
            InvalidBody,
        ),
        json_case(
            "qty as string",
            "/api/orders",
            r#"{"channel":"pickup","items":[{"name":"Tea","qty":"1"}]}"#,
            422,
            InvalidBody,
        ),
        json_case(
            "negative qty",
            "/api/orders",
            r#"{"channel":"pickup","items":[{"name":"Tea","qty":-1}]}"#,
            422,
            InvalidBody,
        ),
        json_case(
            "absurd qty",
            "/api/orders",
            r#"{"channel":"pickup","items":[{"name":"Tea","qty":1e400}]}"#,
            400,
            BadRequest,
        ),
        json_case(
            "huge qty",
            "/api/orders",
            r#"{"channel":"pickup","items":[{"name":"Tea","qty":18446744073709551616}]}"#,
            422,
            InvalidBody,
        ),
        json_case(
            "missing items",
            "/api/orders",
            r#"{"channel":"pickup"}"#,
            422,
            InvalidBody,
        ),
        json_case(
            "missing channel",
            "/api/orders",
            &format!(r#"{{"items":{item}}}"#),
            422,
            InvalidBody,
        ),
        json_case(
            "unknown field",
            "/api/orders",
            &format!(r#"{{"channel":"pickup","items":{item},"price":4}}"#),
            422,
            InvalidBody,
        ),
        json_case(
            "unknown item field",
            "/api/orders",
            r#"{"channel":"pickup","items":[{"name":"Tea","qty":1,"x":1}]}"#,
            422,
            InvalidBody,
        ),
        json_case(
            "null items",
            "/api/orders",
            r#"{"channel":"pickup","items":null}"#,
            422,
            InvalidBody,
        ),
        // Limits broken.
        json_case(
            "no items",
            "/api/orders",
            r#"{"channel":"pickup","items":[]}"#,
            422,
            ValidationFailed,
        ),
        json_case(
            "qty zero",
            "/api/orders",
            r#"{"channel":"pickup","items":[{"name":"Tea","qty":0}]}"#,
            422,
            ValidationFailed,
        ),
        json_case(
            "qty 100",
            "/api/orders",
            r#"{"channel":"pickup","items":[{"name":"Tea","qty":100}]}"#,
            422,
            ValidationFailed,
        ),
        json_case(
            "blank item name",
            "/api/orders",
            r#"{"channel":"pickup","items":[{"name":"  ","qty":1}]}"#,
            422,
            ValidationFailed,
        ),
        json_case(
            "long item name",
            "/api/orders",
            &format!(r#"{{"channel":"pickup","items":[{{"name":"{long}","qty":1}}]}}"#),
            422,
            ValidationFailed,
        ),
        json_case(
            "51 items",
            "/api/orders",
            &format!(
                r#"{{"channel":"pickup","items":[{}]}}"#,
                vec![r#"{"name":"a","qty":1}"#; 51].join(",")
            ),
            422,
            ValidationFailed,
        ),
        json_case(
            "long customer",
            "/api/orders",
            &format!(
                r#"{{"channel":"pickup","customer":"{}","items":{item}}}"#,
                "c".repeat(61)
            ),
            422,
            ValidationFailed,
        ),
        json_case(
            "long note",
            "/api/orders",
            &format!(
                r#"{{"channel":"pickup","note":"{}","items":{item}}}"#,
                "n".repeat(201)
            ),
            422,
            ValidationFailed,
        ),
        json_case(
            "control char in name",
            "/api/orders",
            r#"{"channel":"pickup","customer":"A\u0007da","items":[{"name":"Tea","qty":1}]}"#,
            422,
            ValidationFailed,
        ),
        // Stage changes.
        json_case(
            "unknown stage",
            &stage,
            r#"{"to":"eaten"}"#,
            422,
            InvalidBody,
        ),
        json_case(
            "missing to",
            &stage,
            r#"{"expected_version":1}"#,
            422,
            InvalidBody,
        ),
        json_case(
            "negative version",
            &stage,
            r#"{"to":"preparing","expected_version":-1}"#,
            422,
            InvalidBody,
        ),
        json_case(
            "version as string",
            &stage,
            r#"{"to":"preparing","expected_version":"1"}"#,
            422,
            InvalidBody,
        ),
        json_case(
            "extra field",
            &stage,
            r#"{"to":"preparing","force":true}"#,
            422,
            InvalidBody,
        ),
        json_case(
            "forbidden stage",
            &stage,
            r#"{"to":"collected"}"#,
            409,
            StageConflict,
        ),
        json_case(
            "stale version",
            &stage,
            r#"{"to":"preparing","expected_version":7}"#,
            409,
            VersionConflict,
        ),
        // Unknown ids and routes.
        json_case(
            "unknown order",
            &format!("/api/orders/{}/stage", uuid::Uuid::new_v4()),
            r#"{"to":"preparing"}"#,
            404,
            NotFound,
        ),
        json_case(
            "malformed order id",
            "/api/orders/1;DROP TABLE orders/stage",
            r#"{"to":"preparing"}"#,
            404,
            NotFound,
        ),
        json_case("unknown route", "/api/ordres", "{}", 404, NotFound),
        Case {
            name: "get unknown order",
            method: "GET",
            path: format!("/api/orders/{}", uuid::Uuid::new_v4()),
            content_type: None,
            body: vec![],
            status: 404,
            code: NotFound,
        },
        Case {
            name: "get malformed id",
            method: "GET",
            path: "/api/orders/' OR 1=1 --".into(),
            content_type: None,
            body: vec![],
            status: 404,
            code: NotFound,
        },
        Case {
            name: "unknown token",
            method: "GET",
            path: "/api/track/nope".into(),
            content_type: None,
            body: vec![],
            status: 404,
            code: NotFound,
        },
        Case {
            name: "unknown token stream",
            method: "GET",
            path: "/api/track/nope/events".into(),
            content_type: None,
            body: vec![],
            status: 404,
            code: NotFound,
        },
        Case {
            name: "bad stage filter",
            method: "GET",
            path: "/api/orders?stage=eaten".into(),
            content_type: None,
            body: vec![],
            status: 400,
            code: BadRequest,
        },
        Case {
            name: "unknown query",
            method: "GET",
            path: "/api/orders?limit=5".into(),
            content_type: None,
            body: vec![],
            status: 400,
            code: BadRequest,
        },
        Case {
            name: "wrong method",
            method: "DELETE",
            path: "/api/orders".into(),
            content_type: None,
            body: vec![],
            status: 405,
            code: MethodNotAllowed,
        },
        Case {
            name: "put stage",
            method: "PUT",
            path: stage.clone(),
            content_type: Some("application/json"),
            body: b"{}".to_vec(),
            status: 405,
            code: MethodNotAllowed,
        },
        // Encodings and sizes.
        Case {
            name: "no content type",
            method: "POST",
            path: "/api/orders".into(),
            content_type: None,
            body: br#"{"channel":"pickup","items":[]}"#.to_vec(),
            status: 415,
            code: UnsupportedMediaType,
        },
        Case {
            name: "text/plain",
            method: "POST",
            path: "/api/orders".into(),
            content_type: Some("text/plain"),
            body: b"{}".to_vec(),
            status: 415,
            code: UnsupportedMediaType,
        },
        Case {
            name: "invalid utf-8",
            method: "POST",
            path: "/api/orders".into(),
            content_type: Some("application/json"),
            body: b"{\"channel\":\"pickup\",\"customer\":\"\xff\xfe\",\"items\":[]}".to_vec(),
            status: 400,
            code: BadRequest,
        },
        Case {
            name: "oversized body",
            method: "POST",
            path: "/api/orders".into(),
            content_type: Some("application/json"),
            body: format!(
                r#"{{"channel":"pickup","note":"{}","items":[]}}"#,
                "n".repeat(70_000)
            )
            .into_bytes(),
            status: 413,
            code: PayloadTooLarge,
        },
    ];
    let count = cases.len();
    for case in cases {
        let mut req = s
            .http
            .request(case.method.parse().unwrap(), s.url(&case.path))
            .body(case.body.clone());
        if let Some(ct) = case.content_type {
            req = req.header("content-type", ct);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        assert_eq!(status, case.status, "{}: {text}", case.name);
        let body: ApiErrorBody = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not the error shape ({e}): {text}", case.name));
        assert_eq!(body.error.code, case.code, "{}: {text}", case.name);
        assert!(!body.error.message.is_empty(), "{}", case.name);
    }
    println!("bad input: {count} requests, all answered 4xx in the error shape");

    // Nothing was lost or changed by all that.
    let now: Order = s
        .http
        .get(s.url(&format!("/api/orders/{}", order.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(now, order);
    let all: Vec<Order> = s
        .http
        .get(s.url("/api/orders"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn validation_errors_name_the_field() {
    let s = TestServer::start().await;
    let res = s
        .http
        .post(s.url("/api/orders"))
        .json(&serde_json::json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1}, {"name": "Cake", "qty": 0}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: ApiErrorBody = res.json().await.unwrap();
    assert_eq!(body.error.field.as_deref(), Some("items[1].qty"));
    s.stop().await;
}
