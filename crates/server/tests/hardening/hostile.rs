//! A generated campaign of bad requests against the real server binary:
//! malformed and oversized JSON, wrong types, invalid UTF-8, absurd numbers,
//! SQL-looking strings, unknown routes and methods (the known ones read from
//! the server's own `/api/openapi.json`), and bad `Last-Event-ID` values.
//! No request may get a 5xx or crash the server; every one gets a 4xx in the
//! API's error shape, except a bad `Last-Event-ID`, whose documented answer is
//! a stream that starts with `reset`. Nothing may change in the database.

use crate::support::*;
use orderboard_model::{ApiErrorBody, NewOrder, Order, StageChangeRequest};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::collections::BTreeMap;
use std::sync::Mutex;

const CASES: u32 = 2_500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    MalformedJson,
    Oversized,
    WrongType,
    InvalidUtf8,
    AbsurdNumber,
    SqlLooking,
    UnknownRoute,
    WrongMethod,
    WrongContentType,
    BadLastEventId,
}

#[derive(Debug, Clone)]
struct Bad {
    kind: Kind,
    method: String,
    path: String,
    content_type: Option<String>,
    last_event_id: Option<Vec<u8>>,
    body: Vec<u8>,
}

/// What the campaign knows about the server it attacks.
#[derive(Debug, Clone)]
struct Target {
    order: Order,
    /// Documented (path, method) pairs, from the OpenAPI description.
    documented: Vec<(String, String)>,
}

const SQL: &[&str] = &[
    "' OR '1'='1",
    "1; DROP TABLE orders; --",
    "\" OR 1=1 --",
    "'); DELETE FROM events; --",
    "1 UNION SELECT tracking_token FROM orders",
    "%27%20OR%201%3D1",
    "\\'; PRAGMA writable_schema=1; --",
    "0x7fffffff",
    "NULL",
    "../../etc/passwd",
];

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn valid_order_json() -> String {
    r#"{"customer":"Ada","channel":"pickup","items":[{"name":"Falafel wrap","qty":2}],"note":"no onions"}"#.into()
}

/// A JSON value of any shape, including absurd numbers and odd strings.
fn any_json() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        prop::sample::select(vec![
            "1e999",
            "-1e999",
            "18446744073709551616",
            "-0",
            "0.0000001",
            "123456789012345678901234567890"
        ])
        .prop_map(str::to_string),
        "\\PC{0,30}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        prop::sample::select(SQL).prop_map(|s| serde_json::to_string(s).unwrap()),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(("[a-z_]{1,10}", inner), 0..4).prop_map(|kv| {
                let fields: Vec<String> = kv
                    .into_iter()
                    .map(|(k, v)| format!("\"{k}\":{v}"))
                    .collect();
                format!("{{{}}}", fields.join(","))
            }),
        ]
    })
}

/// A value for an order field that is certainly wrong for it.
fn wrong_for(field: &'static str) -> BoxedStrategy<String> {
    let not_string = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("42".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just(r#"["pickup"]"#.to_string()),
    ];
    match field {
        "channel" => prop_oneof![
            not_string,
            prop::sample::select(SQL).prop_map(|s| serde_json::to_string(s).unwrap()),
            "[a-z]{0,12}"
                .prop_filter("not a channel", |s| s != "pickup" && s != "delivery")
                .prop_map(|s| format!("\"{s}\"")),
        ]
        .boxed(),
        "items" => prop_oneof![
            Just("[]".to_string()),
            Just("null".to_string()),
            Just("\"Falafel\"".to_string()),
            Just("{}".to_string()),
            (51usize..60)
                .prop_map(|n| format!("[{}]", vec![r#"{"name":"Tea","qty":1}"#; n].join(","))),
            any_json().prop_map(|v| format!(r#"[{{"name":"Tea","qty":1,"extra":{v}}}]"#)),
        ]
        .boxed(),
        "customer" => prop_oneof![
            Just("42".to_string()),
            Just("[]".to_string()),
            Just("{}".to_string()),
            Just(format!("\"{}\"", "x".repeat(61))),
        ]
        .boxed(),
        _ => prop_oneof![
            Just("42".to_string()),
            Just("{}".to_string()),
            Just(format!("\"{}\"", "y".repeat(201))),
        ]
        .boxed(),
    }
}

fn absurd_number() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "0",
            "100",
            "256",
            "-1",
            "1.5",
            "1e308",
            "1e999",
            "-1e999",
            "18446744073709551616",
            "99999999999999999999999999",
            "-0.0",
            "\"1\"",
            "1e2",
            "0x10",
            "NaN",
            "Infinity",
        ])
        .prop_map(str::to_string),
        (100i64..i64::MAX).prop_map(|n| n.to_string()),
        (i64::MIN..0i64).prop_map(|n| n.to_string()),
    ]
}

fn post_json(kind: Kind, path: &str, body: Vec<u8>) -> Bad {
    Bad {
        kind,
        method: "POST".into(),
        path: path.into(),
        content_type: Some("application/json".into()),
        last_event_id: None,
        body,
    }
}

fn get(kind: Kind, path: String) -> Bad {
    Bad {
        kind,
        method: "GET".into(),
        path,
        content_type: None,
        last_event_id: None,
        body: Vec::new(),
    }
}

fn bad_request(t: Target) -> impl Strategy<Value = Bad> {
    let stage_path = format!("/api/orders/{}/stage", t.order.id);
    let track_events = format!("/api/track/{}/events", t.order.tracking_token);
    let valid = valid_order_json();
    let documented = t.documented.clone();

    let malformed = {
        let (v, sp) = (valid.clone(), stage_path.clone());
        prop_oneof![
            (0..v.len()).prop_map({
                let v = v.clone();
                move |cut| v[..cut].to_string().into_bytes()
            }),
            (0..v.len(), any::<u8>()).prop_map({
                let v = v.clone();
                move |(i, b)| {
                    let mut bytes = v.clone().into_bytes();
                    bytes[i] = if b == bytes[i] { b'{' } else { b };
                    bytes
                }
            }),
            prop::collection::vec(any::<u8>(), 0..300),
            "\\PC{0,80}".prop_map(|s| s.into_bytes()),
        ]
        // A mutation that still reads as a request is not malformed.
        .prop_filter("malformed", |b| {
            serde_json::from_slice::<NewOrder>(b).is_err()
                && serde_json::from_slice::<StageChangeRequest>(b).is_err()
        })
        .prop_flat_map(move |body| {
            let sp = sp.clone();
            prop::bool::ANY.prop_map(move |stage| {
                let path = if stage {
                    sp.clone()
                } else {
                    "/api/orders".to_string()
                };
                post_json(Kind::MalformedJson, &path, body.clone())
            })
        })
    };

    let oversized = (64 * 1024usize..256 * 1024).prop_map(|n| {
        let note = "n".repeat(n);
        let body =
            format!(r#"{{"channel":"pickup","items":[{{"name":"Tea","qty":1}}],"note":"{note}"}}"#);
        post_json(Kind::Oversized, "/api/orders", body.into_bytes())
    });

    let wrong_type = {
        let sp = stage_path.clone();
        prop_oneof![
            prop::sample::select(vec!["channel", "items", "customer", "note"]).prop_flat_map(
                |field| {
                    wrong_for(field).prop_map(move |value| {
                        let mut fields = BTreeMap::from([
                            ("channel", "\"pickup\"".to_string()),
                            ("items", r#"[{"name":"Tea","qty":1}]"#.to_string()),
                        ]);
                        fields.insert(field, value);
                        let body: Vec<String> =
                            fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                        post_json(
                            Kind::WrongType,
                            "/api/orders",
                            format!("{{{}}}", body.join(",")).into_bytes(),
                        )
                    })
                }
            ),
            any_json().prop_map(move |v| post_json(
                Kind::WrongType,
                &sp,
                format!(r#"{{"to":{v}}}"#).into_bytes()
            )),
            any_json()
                .prop_filter("not an object with fields", |v| !v.starts_with('{')
                    || v == "{}")
                .prop_map(|v| post_json(Kind::WrongType, "/api/orders", v.into_bytes())),
        ]
    };

    let invalid_utf8 = (
        prop::sample::select(vec!["customer", "note", "name"]),
        prop::collection::vec(0x80u8..=0xff, 1..6)
            .prop_filter("not UTF-8", |j| std::str::from_utf8(j).is_err()),
    )
        .prop_map(|(field, junk)| {
            let mut body = Vec::new();
            let (customer, note, name) = match field {
                "customer" => (true, false, false),
                "note" => (false, true, false),
                _ => (false, false, true),
            };
            body.extend_from_slice(br#"{"channel":"pickup","customer":"A"#);
            if customer {
                body.extend_from_slice(&junk);
            }
            body.extend_from_slice(br#"","note":"n"#);
            if note {
                body.extend_from_slice(&junk);
            }
            body.extend_from_slice(br#"","items":[{"name":"T"#);
            if name {
                body.extend_from_slice(&junk);
            }
            body.extend_from_slice(br#"","qty":1}]}"#);
            post_json(Kind::InvalidUtf8, "/api/orders", body)
        });

    let absurd = {
        let sp = stage_path.clone();
        prop_oneof![
            absurd_number().prop_map(|n| post_json(
                Kind::AbsurdNumber,
                "/api/orders",
                format!(r#"{{"channel":"pickup","items":[{{"name":"Tea","qty":{n}}}]}}"#)
                    .into_bytes()
            )),
            absurd_number()
                .prop_filter("a number other than the order's version", |n| n != "1")
                .prop_map(move |n| post_json(
                    Kind::AbsurdNumber,
                    &sp,
                    format!(r#"{{"to":"preparing","expected_version":{n}}}"#).into_bytes()
                )),
        ]
    };

    let sql = {
        let sp = stage_path.clone();
        (
            prop::sample::select(SQL),
            0..9u8,
            prop::collection::vec(0x80u8..=0xff, 1..4),
        )
            .prop_map(move |(s, where_, junk)| {
                let seg = pct(s);
                // A path segment that is not UTF-8 once decoded.
                let not_utf8: String = junk.iter().map(|b| format!("%{b:02X}")).collect();
                match where_ {
                    7 => get(Kind::SqlLooking, format!("/api/orders/{not_utf8}")),
                    8 => get(
                        Kind::SqlLooking,
                        format!("/api/track/{seg}{not_utf8}/events"),
                    ),
                    0 => get(Kind::SqlLooking, format!("/api/orders/{seg}")),
                    1 => post_json(
                        Kind::SqlLooking,
                        &format!("/api/orders/{seg}/stage"),
                        br#"{"to":"preparing"}"#.to_vec(),
                    ),
                    2 => get(Kind::SqlLooking, format!("/api/track/{seg}")),
                    3 => get(Kind::SqlLooking, format!("/api/track/{seg}/events")),
                    4 => get(Kind::SqlLooking, format!("/api/orders?stage={seg}")),
                    5 => post_json(
                        Kind::SqlLooking,
                        &sp,
                        format!(r#"{{"to":{}}}"#, serde_json::to_string(s).unwrap()).into_bytes(),
                    ),
                    _ => post_json(
                        Kind::SqlLooking,
                        "/api/orders",
                        format!(
                            r#"{{"channel":{},"customer":{},"items":[{{"name":"Tea","qty":1}}]}}"#,
                            serde_json::to_string(s).unwrap(),
                            serde_json::to_string(s).unwrap()
                        )
                        .into_bytes(),
                    ),
                }
            })
    };

    let methods = vec!["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO"];
    let unknown = (
        prop::collection::vec("[a-z0-9_.%-]{1,12}", 1..4),
        prop::sample::select(methods.clone()),
    )
        .prop_map(|(segments, method)| Bad {
            method: method.to_string(),
            body: if method == "GET" {
                Vec::new()
            } else {
                b"{}".to_vec()
            },
            content_type: Some("application/json".into()),
            ..get(Kind::UnknownRoute, format!("/api/zz{}", segments.join("/")))
        });

    let wrong_method = {
        let order_id = t.order.id.to_string();
        let token = t.order.tracking_token.clone();
        (
            prop::sample::select(documented.clone()),
            prop::sample::select(methods),
        )
            .prop_filter("not a documented method", move |((path, _), m)| {
                !documented
                    .iter()
                    .any(|(p, dm)| p == path && dm.eq_ignore_ascii_case(m))
            })
            .prop_map(move |((path, _), method)| Bad {
                method: method.to_string(),
                content_type: Some("application/json".into()),
                body: b"{}".to_vec(),
                ..get(
                    Kind::WrongMethod,
                    path.replace("{id}", &order_id).replace("{token}", &token),
                )
            })
    };

    let wrong_content_type = {
        let sp = stage_path.clone();
        (
            prop::sample::select(vec![
                None,
                Some("text/plain"),
                Some("application/x-www-form-urlencoded"),
                Some("multipart/form-data"),
                Some("application/xml"),
            ]),
            prop::bool::ANY,
        )
            .prop_map(move |(ct, stage)| Bad {
                content_type: ct.map(str::to_string),
                ..post_json(
                    Kind::WrongContentType,
                    if stage { &sp } else { "/api/orders" },
                    if stage {
                        br#"{"to":"preparing"}"#.to_vec()
                    } else {
                        valid_order_json().into_bytes()
                    },
                )
            })
    };

    let bad_last_event_id = {
        let te = track_events.clone();
        let value = prop_oneof![
            prop::sample::select(vec![
                "-1",
                "abc",
                "1e3",
                "0x10",
                "+5",
                "4 2",
                "99999999999999999999",
                "18446744073709551615",
                "999999",
                "1.0",
                "٣"
            ])
            .prop_map(|s| s.as_bytes().to_vec()),
            // Blank is not bad: it is the id a client has before it saw any
            // (a snapshot, not a reset).
            "[ -~]{1,40}"
                .prop_filter("not a replayable id", |s| {
                    !s.trim().is_empty() && s.trim().parse::<u64>().map_or(true, |n| n > 1_000_000)
                })
                .prop_map(|s| s.into_bytes()),
            prop::collection::vec(0x80u8..=0xff, 1..10),
        ];
        (value, 0..3u8, prop::bool::ANY).prop_map(move |(v, which, in_query)| {
            let path = match which {
                0 => "/api/events".to_string(),
                1 => "/api/board/events".to_string(),
                _ => te.clone(),
            };
            if in_query {
                let q: String = v.iter().map(|b| format!("%{b:02X}")).collect();
                get(Kind::BadLastEventId, format!("{path}?last_event_id={q}"))
            } else {
                Bad {
                    last_event_id: Some(v),
                    ..get(Kind::BadLastEventId, path)
                }
            }
        })
    };

    prop_oneof![
        malformed.boxed(),
        oversized.boxed(),
        wrong_type.boxed(),
        invalid_utf8.boxed(),
        absurd.boxed(),
        sql.boxed(),
        unknown.boxed(),
        wrong_method.boxed(),
        wrong_content_type.boxed(),
        bad_last_event_id.boxed(),
    ]
}

/// Sends one bad request and checks the answer.
async fn attack(http: &reqwest::Client, base: &str, bad: &Bad) -> Result<u16, String> {
    let method = reqwest::Method::from_bytes(bad.method.as_bytes()).unwrap();
    let mut req = http.request(method.clone(), format!("{base}{}", bad.path));
    if let Some(ct) = &bad.content_type {
        req = req.header("content-type", ct);
    }
    if let Some(id) = &bad.last_event_id {
        req = req.header(
            "last-event-id",
            reqwest::header::HeaderValue::from_bytes(id).unwrap(),
        );
    }
    if !bad.body.is_empty() {
        req = req.body(bad.body.clone());
    }
    let res = req.send().await.map_err(|e| format!("no answer: {e}"))?;
    let status = res.status().as_u16();
    if status >= 500 {
        return Err(format!(
            "{status}: {}",
            res.text().await.unwrap_or_default()
        ));
    }
    if bad.kind == Kind::BadLastEventId {
        if status != 200 {
            return Err(format!(
                "a bad Last-Event-ID got {status}, not a stream with a reset"
            ));
        }
        let mut stream = Stream::from_response(res);
        let first = stream
            .next()
            .await
            .ok_or("the stream ended before its first event")?;
        return if first.event == "reset" {
            Ok(status)
        } else {
            Err(format!("first event {first:?}"))
        };
    }
    if !(400..500).contains(&status) {
        return Err(format!("{status}, not a 4xx"));
    }
    let body = res.bytes().await.map_err(|e| e.to_string())?;
    let parsed: ApiErrorBody = serde_json::from_slice(&body).map_err(|e| {
        format!(
            "{status} not in the error shape ({e}): {:?}",
            String::from_utf8_lossy(&body)
        )
    })?;
    if parsed.error.message.is_empty() {
        return Err("an empty error message".into());
    }
    Ok(status)
}

#[test]
fn a_generated_campaign_of_bad_requests_gets_only_clear_4xx() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut server = Binary::start(&dir.path().join("hostile.db"), &[]);
    let http = rt.block_on(async { http() });
    let order = rt
        .block_on(try_create(&http, &server.base, &order(1, "the only order")))
        .unwrap();
    let doc: serde_json::Value = rt.block_on(async {
        http.get(server.url("/api/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths in the OpenAPI description")
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (path.clone(), m.to_uppercase()))
        })
        .collect();
    assert!(documented.len() >= 9, "{documented:?}");

    let tally: Mutex<BTreeMap<(Kind, u16), usize>> = Mutex::new(BTreeMap::new());
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    });
    let target = Target {
        order: order.clone(),
        documented,
    };
    let result = runner.run(&bad_request(target), |bad| {
        let status = rt
            .block_on(attack(&http, &server.base, &bad))
            .map_err(|e| TestCaseError::fail(format!("{} {}: {e}", bad.method, bad.path)))?;
        *tally.lock().unwrap().entry((bad.kind, status)).or_default() += 1;
        Ok(())
    });
    assert!(server.is_running(), "the server crashed");
    if let Err(e) = result {
        panic!("{e}");
    }

    // The server is well, and nothing changed.
    let (h, orders, still): (_, Vec<Order>, Order) = rt.block_on(async {
        let h = health(&http, &server.base).await;
        let orders = http
            .get(server.url("/api/orders"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let still = http
            .get(server.url(&format!("/api/orders/{}", order.id)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (h, orders, still)
    });
    assert_eq!(h.head_seq, 1, "no bad request changed anything");
    assert_eq!(orders.len(), 1);
    assert_eq!(still, order);

    let tally = tally.into_inner().unwrap();
    let tried: usize = tally.values().sum();
    let mut by_kind: BTreeMap<Kind, Vec<String>> = BTreeMap::new();
    for ((kind, status), n) in &tally {
        by_kind
            .entry(*kind)
            .or_default()
            .push(format!("{status}×{n}"));
    }
    println!(
        "hostile input: {tried} generated bad requests tried, 0 answered 5xx, server still up"
    );
    for (kind, statuses) in by_kind {
        println!("  {kind:?}: {}", statuses.join(", "));
    }
}
