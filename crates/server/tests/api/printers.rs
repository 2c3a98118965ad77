//! Kitchen printers against fake network printers on loopback that speak
//! raw TCP and decode the ESC/POS they receive (initialise, text, sizes,
//! cut) into tickets: each ticket's content, test prints and reprints, bad
//! addresses refused, a printer that is off and comes back, one that
//! accepts and never reads, and a server killed with `kill -9` while
//! tickets are pending.

use crate::support::{on_postgres, test_settings, Node, TestServer, PATIENCE};
use orderboard_model::{Order, PrintQueued, PrinterInfo, PrinterState};
use orderboard_server::printers::PrinterSettings;
use orderboard_server::StreamSettings;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// One ticket as a printer would print it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ticket {
    /// Text lines; a line printed double size starts with `LARGE `.
    lines: Vec<String>,
}

impl Ticket {
    fn has(&self, line: &str) -> bool {
        self.lines.iter().any(|l| l == line)
    }

    /// The order number, from the large `#12` line.
    fn number(&self) -> Option<u32> {
        self.lines
            .iter()
            .find_map(|l| l.strip_prefix("LARGE #"))
            .and_then(|n| n.parse().ok())
    }
}

/// Decodes what one connection sent: ESC @, then text (ASCII, one line per
/// LF) with ESC ! n / GS ! n sizes, and GS V m [n] ending each ticket.
/// Anything else is an error.
fn decode(bytes: &[u8]) -> Result<Vec<Ticket>, String> {
    let mut tickets = Vec::new();
    let mut i = 0;
    let mut current: Option<(Vec<String>, String, bool)> = None;
    while i < bytes.len() {
        match bytes[i] {
            0x1b if bytes.get(i + 1) == Some(&b'@') => {
                if current.is_some() {
                    return Err("ESC @ inside a ticket".into());
                }
                current = Some((Vec::new(), String::new(), false));
                i += 2;
            }
            0x1b | 0x1d if bytes.get(i + 1) == Some(&b'!') => {
                let (_, _, large) = current.as_mut().ok_or("size before ESC @")?;
                let n = *bytes.get(i + 2).ok_or("a size without its value")?;
                *large = n != 0;
                i += 3;
            }
            0x1d if bytes.get(i + 1) == Some(&b'V') => {
                let (lines, pending, _) = current.take().ok_or("a cut before ESC @")?;
                if !pending.is_empty() {
                    return Err(format!("text not ended by LF before the cut: {pending:?}"));
                }
                let m = *bytes.get(i + 2).ok_or("a cut without its mode")?;
                i += if m >= 65 { 4 } else { 3 };
                tickets.push(Ticket { lines });
            }
            b'\n' => {
                let (lines, pending, large) = current.as_mut().ok_or("text before ESC @")?;
                let text = std::mem::take(pending);
                lines.push(if *large {
                    format!("LARGE {text}")
                } else {
                    text
                });
                i += 1;
            }
            b @ 0x20..=0x7e => {
                let (_, pending, _) = current.as_mut().ok_or("text before ESC @")?;
                pending.push(b as char);
                i += 1;
            }
            b => return Err(format!("unexpected byte {b:#04x} at {i}")),
        }
    }
    if current.is_some() {
        return Err("a ticket without its cut".into());
    }
    Ok(tickets)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Reads each connection to its end, then closes it.
    Print,
    /// Waits this long before reading each connection: a slow printer.
    Slow(Duration),
    /// Accepts connections and never reads them.
    NeverRead,
}

#[derive(Default)]
struct Printed {
    tickets: Vec<Ticket>,
    connections: usize,
    errors: Vec<String>,
}

/// A network printer on loopback that outlives any server under test.
struct FakePrinter {
    address: String,
    printed: Arc<Mutex<Printed>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakePrinter {
    async fn start(mode: Mode) -> FakePrinter {
        Self::start_on("127.0.0.1:0", mode).await
    }

    async fn start_on(address: &str, mode: Mode) -> FakePrinter {
        let listener = TcpListener::bind(address).await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let printed = Arc::new(Mutex::new(Printed::default()));
        let log = printed.clone();
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((mut socket, _)) = listener.accept().await {
                log.lock().unwrap().connections += 1;
                if mode == Mode::NeverRead {
                    held.push(socket);
                    continue;
                }
                let log = log.clone();
                tokio::spawn(async move {
                    if let Mode::Slow(d) = mode {
                        tokio::time::sleep(d).await;
                    }
                    let mut bytes = Vec::new();
                    let read = socket.read_to_end(&mut bytes).await;
                    let mut log = log.lock().unwrap();
                    match read.map_err(|e| e.to_string()).and_then(|_| decode(&bytes)) {
                        Ok(t) if t.len() == 1 => log.tickets.extend(t),
                        Ok(t) => log
                            .errors
                            .push(format!("{} tickets on one connection", t.len())),
                        Err(e) => log.errors.push(e),
                    }
                });
            }
        });
        FakePrinter {
            address,
            printed,
            task,
        }
    }

    fn tickets(&self) -> Vec<Ticket> {
        let p = self.printed.lock().unwrap();
        assert!(
            p.errors.is_empty(),
            "the printer could not decode: {:?}",
            p.errors
        );
        p.tickets.clone()
    }

    fn connections(&self) -> usize {
        self.printed.lock().unwrap().connections
    }

    /// Switches the printer off: its port refuses connections.
    fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for FakePrinter {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn quick() -> StreamSettings {
    StreamSettings {
        printers: PrinterSettings {
            connect_timeout: Duration::from_secs(1),
            write_timeout: Duration::from_millis(500),
            retry_delays: vec![Duration::from_millis(50), Duration::from_millis(100)],
            drop_after: Duration::from_secs(3600),
        },
        ..test_settings()
    }
}

async fn add(s: &TestServer, body: serde_json::Value) -> PrinterInfo {
    let res = s
        .http
        .post(s.url("/api/printers"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    res.json().await.unwrap()
}

async fn printers(s: &TestServer) -> Vec<PrinterInfo> {
    let res = s.http.get(s.url("/api/printers")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn printer(s: &TestServer, id: &str) -> PrinterInfo {
    printers(s)
        .await
        .into_iter()
        .find(|p| p.id == id)
        .expect("the printer is listed")
}

/// Waits until `done` holds, or fails the test after [`PATIENCE`].
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !done() {
        assert!(started.elapsed() < PATIENCE, "waited too long for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the printer's listed state is `state`.
async fn until_state(s: &TestServer, id: &str, state: PrinterState) -> PrinterInfo {
    let started = std::time::Instant::now();
    loop {
        let p = printer(s, id).await;
        if p.state == state {
            return p;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "the printer never became {state:?}: {p:?}"
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

fn numbers(tickets: &[Ticket]) -> Vec<u32> {
    tickets.iter().filter_map(Ticket::number).collect()
}

async fn order(s: &TestServer, n: usize) -> Order {
    s.create_json(serde_json::json!({
        "customer": format!("Guest {n}"),
        "channel": "delivery",
        "items": [{"name": "Falafel wrap", "qty": 2}, {"name": "Mint tea", "qty": 1}],
        "note": "no onions",
        "external_ref": {"source": "till-1", "id": format!("A-{n}")},
    }))
    .await
}

#[tokio::test]
async fn each_new_order_prints_a_ticket_with_its_content_in_order() {
    let s = TestServer::start_with_settings(quick()).await;
    let fake = FakePrinter::start(Mode::Print).await;
    let p = add(
        &s,
        serde_json::json!({"name": "Pass", "address": fake.address}),
    )
    .await;
    assert_eq!(p.state, PrinterState::Unknown);
    assert!(p.stations.is_empty());
    let mut orders = Vec::new();
    for n in 0..5 {
        orders.push(order(&s, n).await);
    }
    // A stage change prints nothing.
    s.move_to(orders[0].id, orderboard_model::Stage::Preparing)
        .await;
    until("five tickets", || fake.tickets().len() >= 5).await;
    let tickets = fake.tickets();
    assert_eq!(
        numbers(&tickets),
        orders.iter().map(|o| o.number).collect::<Vec<_>>(),
        "one ticket per order, in order"
    );
    for (t, o) in tickets.iter().zip(&orders) {
        let time = format!(
            "delivery {:02}:{:02}",
            o.created_at.hour(),
            o.created_at.minute()
        );
        let n = o.external_ref.as_ref().unwrap().id.clone();
        assert!(t.has(&time), "{t:?}");
        assert!(t.has(&format!("Ref till-1:{n}")), "{t:?}");
        assert!(t.has("2 x Falafel wrap"), "{t:?}");
        assert!(t.has("1 x Mint tea"), "{t:?}");
        assert!(t.has("Note: no onions"), "{t:?}");
        assert!(o.customer.as_ref().is_some_and(|c| t.has(c)), "{t:?}");
    }
    let p = until_state(&s, &p.id, PrinterState::Online).await;
    assert_eq!(p.queued, 0);
    assert!(p.last_error.is_none());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(fake.tickets().len(), 5, "nothing more is printed");
    s.stop().await;
}

#[tokio::test]
async fn test_tickets_and_reprints_are_queued_and_printed() {
    let s = TestServer::start_with_settings(quick()).await;
    let a = FakePrinter::start(Mode::Print).await;
    let b = FakePrinter::start(Mode::Print).await;
    let pa = add(
        &s,
        serde_json::json!({"name": "Grill", "address": a.address}),
    )
    .await;
    let pb = add(&s, serde_json::json!({"name": "Bar", "address": b.address})).await;

    let res = s
        .http
        .post(s.url(&format!("/api/printers/{}/test", pa.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let queued: PrintQueued = res.json().await.unwrap();
    assert_eq!(queued.printers, vec![pa.id.clone()]);
    until("the test ticket", || !a.tickets().is_empty()).await;
    let t = &a.tickets()[0];
    assert!(
        t.has("LARGE TEST") && t.has("Orderboard printer Grill"),
        "{t:?}"
    );
    until_state(&s, &pa.id, PrinterState::Online).await;

    let o = order(&s, 1).await;
    until("both printed the order", || {
        a.tickets().len() == 2 && b.tickets().len() == 1
    })
    .await;
    // Reprint on every printer, then on one.
    let res = s
        .http
        .post(s.url(&format!("/api/orders/{}/print", o.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let queued: PrintQueued = res.json().await.unwrap();
    assert_eq!(queued.printers.len(), 2);
    let res = s
        .http
        .post(s.url(&format!("/api/orders/{}/print?printer={}", o.id, pb.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    until("the reprints", || {
        a.tickets().len() == 3 && b.tickets().len() == 3
    })
    .await;
    for t in [&a.tickets()[2], &b.tickets()[1], &b.tickets()[2]] {
        assert_eq!(t.lines[0], "REPRINT", "{t:?}");
        assert_eq!(t.number(), Some(o.number));
        assert!(t.has("2 x Falafel wrap"));
    }
    // Unknown orders and printers: 404 in the API's shape.
    for path in [
        format!("/api/orders/{}/print", uuid::Uuid::new_v4()),
        format!("/api/orders/{}/print?printer=prn_nope", o.id),
        "/api/orders/not-a-uuid/print".to_string(),
        "/api/printers/prn_nope/test".to_string(),
    ] {
        let res = s.http.post(s.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{body}");
    }
    // Deleted: gone from the list, nothing more printed on it.
    let res = s
        .http
        .delete(s.url(&format!("/api/printers/{}", pb.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = s
        .http
        .delete(s.url(&format!("/api/printers/{}", pb.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    order(&s, 2).await;
    until("the next order on the other printer", || {
        a.tickets().len() == 4
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(b.tickets().len(), 3);
    assert_eq!(printers(&s).await.len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn bad_printers_get_a_422_and_store_nothing() {
    let s = TestServer::start_with_settings(quick()).await;
    for (body, field) in [
        (
            serde_json::json!({"name": "Grill", "address": "printer:99999"}),
            "address",
        ),
        (
            serde_json::json!({"name": "Grill", "address": "http://printer"}),
            "address",
        ),
        (
            serde_json::json!({"name": "Grill", "address": "a b c"}),
            "address",
        ),
        (
            serde_json::json!({"name": "Grill", "address": ""}),
            "address",
        ),
        (
            serde_json::json!({"name": "Grill", "address": "300.1.1.1"}),
            "address",
        ),
        (
            serde_json::json!({"name": "Grill", "address": "[::1"}),
            "address",
        ),
        (
            serde_json::json!({"name": "Grill", "address": "host:"}),
            "address",
        ),
        (
            serde_json::json!({"name": "", "address": "127.0.0.1"}),
            "name",
        ),
        (
            serde_json::json!({"name": "a\u{7}b", "address": "127.0.0.1"}),
            "name",
        ),
        (
            serde_json::json!({"name": "x".repeat(41), "address": "127.0.0.1"}),
            "name",
        ),
        (
            serde_json::json!({"name": "G", "address": "127.0.0.1", "stations": [""]}),
            "stations[0]",
        ),
    ] {
        let res = s
            .http
            .post(s.url("/api/printers"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{body}");
        let answer: serde_json::Value = res.json().await.unwrap();
        assert_eq!(answer["error"]["code"], "validation_failed", "{answer}");
        assert_eq!(answer["error"]["field"], field, "{answer}");
    }
    for body in [
        serde_json::json!({"name": "Grill"}),
        serde_json::json!({"name": "Grill", "address": 9100}),
        serde_json::json!({"name": "Grill", "address": "127.0.0.1", "colour": "red"}),
    ] {
        let res = s
            .http
            .post(s.url("/api/printers"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{body}");
    }
    assert!(printers(&s).await.is_empty(), "nothing stored");
    // At most 20.
    for n in 0..20 {
        add(
            &s,
            serde_json::json!({"name": format!("P{n}"), "address": "127.0.0.1:1"}),
        )
        .await;
    }
    let res = s
        .http
        .post(s.url("/api/printers"))
        .json(&serde_json::json!({"name": "One too many", "address": "127.0.0.1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(printers(&s).await.len(), 20);
    s.stop().await;
}

#[tokio::test]
async fn a_printer_that_is_off_prints_its_waiting_tickets_in_order_when_it_is_back() {
    let s = TestServer::start_with_settings(quick()).await;
    // Refuses connections: a port that was free a moment ago.
    let address = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let p = add(&s, serde_json::json!({"name": "Grill", "address": address})).await;
    let mut orders = Vec::new();
    for n in 0..6 {
        orders.push(order(&s, n).await);
    }
    let off = until_state(&s, &p.id, PrinterState::Offline).await;
    assert!(
        off.last_error
            .as_deref()
            .is_some_and(|e| e.contains("cannot connect")),
        "{off:?}"
    );
    assert!(off.since.is_some());
    assert_eq!(off.queued, 6);
    // A test ticket queued while it is off waits too.
    let res = s
        .http
        .post(s.url(&format!("/api/printers/{}/test", p.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    assert_eq!(printer(&s, &p.id).await.queued, 7);

    let fake = FakePrinter::start_on(&address, Mode::Print).await;
    until("every waiting ticket", || fake.tickets().len() >= 7).await;
    let tickets = fake.tickets();
    let on = until_state(&s, &p.id, PrinterState::Online).await;
    assert_eq!(on.queued, 0);
    // The orders keep their order, and none is lost; the test ticket
    // prints once (after the page of orders the worker was on).
    let expected: Vec<u32> = orders.iter().map(|o| o.number).collect();
    assert_eq!(numbers(&tickets), expected);
    assert_eq!(tickets.iter().filter(|t| t.has("LARGE TEST")).count(), 1);
    println!(
        "printer off, then back: {} tickets waited, {} printed, {} connections",
        7,
        tickets.len(),
        fake.connections()
    );
    // Off again: the state says so, and the next order waits again.
    fake.stop();
    let last = order(&s, 9).await;
    until_state(&s, &p.id, PrinterState::Offline).await;
    let fake = FakePrinter::start_on(&address, Mode::Print).await;
    until("the order made while off", || {
        numbers(&fake.tickets()) == [last.number]
    })
    .await;
    s.stop().await;
}

#[tokio::test]
async fn a_printer_that_never_reads_is_offline_while_orders_and_other_printers_go_on() {
    let s = TestServer::start_with_settings(quick()).await;
    let stuck = FakePrinter::start(Mode::NeverRead).await;
    let good = FakePrinter::start(Mode::Print).await;
    let ps = add(
        &s,
        serde_json::json!({"name": "Stuck", "address": stuck.address}),
    )
    .await;
    add(
        &s,
        serde_json::json!({"name": "Good", "address": good.address}),
    )
    .await;
    let started = std::time::Instant::now();
    let mut orders = Vec::new();
    for n in 0..20 {
        orders.push(order(&s, n).await);
    }
    let took = started.elapsed();
    until("the good printer printed every order", || {
        good.tickets().len() == 20
    })
    .await;
    assert_eq!(
        numbers(&good.tickets()),
        orders.iter().map(|o| o.number).collect::<Vec<_>>()
    );
    let p = until_state(&s, &ps.id, PrinterState::Offline).await;
    assert!(
        p.last_error
            .as_deref()
            .is_some_and(|e| e.contains("did not take the ticket")),
        "{p:?}"
    );
    assert!(p.queued >= 19, "{p:?}");
    println!(
        "printer that never reads: 20 orders made in {took:?}; the other printer printed {}; \
         the stuck one was tried on {} connections and has {} tickets waiting",
        good.tickets().len(),
        stuck.connections(),
        p.queued
    );
    s.stop().await;
}

#[tokio::test]
async fn retention_keeps_what_a_printer_has_not_printed() {
    use orderboard_server::retention::{prune, Retention};
    let s = TestServer::start_with_settings(quick()).await;
    let address = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let p = add(&s, serde_json::json!({"name": "Off", "address": address})).await;
    let mut orders = Vec::new();
    for n in 0..4 {
        orders.push(order(&s, n).await);
    }
    let keep_one = Retention {
        keep_days: 0,
        keep_events: 1,
        every: Duration::from_secs(3600),
    };
    prune(&s.state.store, &keep_one).await.unwrap();
    let fake = FakePrinter::start_on(&address, Mode::Print).await;
    until("every ticket after the prune", || fake.tickets().len() == 4).await;
    assert_eq!(
        numbers(&fake.tickets()),
        orders.iter().map(|o| o.number).collect::<Vec<_>>()
    );
    let res = s
        .http
        .delete(s.url(&format!("/api/printers/{}", p.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert!(prune(&s.state.store, &keep_one).await.unwrap() >= 3);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_with_kill_9_prints_every_ticket_after_restart_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = match crate::postgres::admin_url() {
        Some(admin) => {
            let name = format!("orderboard_test_printers_kill_{}", std::process::id());
            let url = crate::postgres::fresh_database(&admin, &name).await;
            vec!["--database-url".to_string(), url]
        }
        None => vec![
            "--db".to_string(),
            dir.path().join("kill.db").display().to_string(),
        ],
    };
    let options = [
        "--printer-retry-ms",
        "20,50,100",
        "--printer-write-timeout-secs",
        "1",
    ];
    // The printer is off while the orders are made: every ticket is
    // pending when the server is killed.
    let address = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let node = Node::start(&db, &options).await;
    let res = node
        .post(
            "/api/printers",
            serde_json::json!({"name": "Grill", "address": address}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let mut numbers_made = Vec::new();
    for _ in 0..10 {
        numbers_made.push(make(&node).await);
    }
    // Half the printer's tickets print before the kill, in a burst: the
    // printer comes up, the server is killed while it prints.
    let fake = FakePrinter::start_on(&address, Mode::Slow(Duration::from_millis(100))).await;
    until("the first tickets", || !fake.tickets().is_empty()).await;
    for _ in 0..10 {
        numbers_made.push(make(&node).await);
    }
    let printed_at_kill = fake.tickets().len();
    node.kill_9();
    let pending_at_kill = numbers_made.len() - printed_at_kill;
    assert!(pending_at_kill > 0, "tickets were pending at the kill");

    let node = Node::start(&db, &options).await;
    for _ in 0..5 {
        numbers_made.push(make(&node).await);
    }
    until("every ticket after the restart", || {
        let got = numbers(&fake.tickets());
        numbers_made.iter().all(|n| got.contains(n))
    })
    .await;
    node.kill_9();

    let got = numbers(&fake.tickets());
    let mut distinct = got.clone();
    distinct.dedup();
    let duplicates = got.len() - distinct.len();
    let lost = numbers_made.iter().filter(|n| !got.contains(n)).count();
    assert_eq!(
        distinct, numbers_made,
        "every ticket, in order, and nothing else"
    );
    // A duplicate can only be the ticket in flight at the kill.
    assert!(duplicates <= 1, "{duplicates} duplicates: {got:?}");
    assert_eq!(lost, 0);
    println!(
        "printer tickets across kill -9 ({}): expected {}, pending at the kill {pending_at_kill}, \
         printed {}, duplicates {duplicates}, lost {lost}",
        if on_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        numbers_made.len(),
        got.len(),
    );
}

/// Makes an order on a running binary; its number.
async fn make(node: &Node) -> u32 {
    let res = node
        .post(
            "/api/orders",
            serde_json::json!({"channel": "pickup", "items": [{"name": "Tea", "qty": 1}]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Order>().await.unwrap().number
}

#[tokio::test]
async fn two_nodes_print_each_ticket_once_in_order() {
    if !on_postgres() {
        eprintln!("skipped: runs on PostgreSQL only (scripts/with-postgres)");
        return;
    }
    use orderboard_server::feed::in_process::InProcessFeed;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared");
    let fake = FakePrinter::start(Mode::Print).await;
    let a = TestServer::start_with(&path, Arc::new(InProcessFeed::default()), quick()).await;
    let p = add(
        &a,
        serde_json::json!({"name": "Pass", "address": fake.address}),
    )
    .await;
    // Started after the printer exists: both nodes run a worker for it.
    let b = TestServer::start_with(&path, Arc::new(InProcessFeed::default()), quick()).await;
    let mut made = Vec::new();
    for n in 0..10 {
        made.push(order(if n % 2 == 0 { &a } else { &b }, n).await.number);
    }
    until("every ticket", || fake.tickets().len() >= 10).await;
    // A reprint queued on either node is printed by the lease holder.
    for s in [&a, &b] {
        let res = s
            .http
            .post(s.url(&format!("/api/printers/{}/test", p.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
    }
    until("both test tickets", || fake.tickets().len() >= 12).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let tickets = fake.tickets();
    assert_eq!(numbers(&tickets), made, "each ticket once, in order");
    assert_eq!(tickets.len(), 12, "nothing printed twice");
    println!(
        "two nodes, one printer: {} orders, {} tickets printed, {} connections",
        made.len(),
        tickets.len(),
        fake.connections()
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn each_printer_prints_its_stations_items_with_modifiers_notes_and_the_table() {
    let s = TestServer::start_with_settings(quick()).await;
    // Items name their station explicitly: the stations must exist.
    let stations = serde_json::json!({
        "stations": [
            {"id": "grill", "name": "Grill", "colour": "#ef4444"},
            {"id": "bar", "name": "Bar", "colour": "#3b82f6"},
        ],
    });
    let mut settings: serde_json::Value = s
        .http
        .get(s.url("/api/settings"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    settings["stations"] = stations["stations"].clone();
    let res = s
        .http
        .put(s.url("/api/settings"))
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let grill = FakePrinter::start(Mode::Print).await;
    let bar = FakePrinter::start(Mode::Print).await;
    let pass = FakePrinter::start(Mode::Print).await;
    add(
        &s,
        serde_json::json!({"name": "Grill", "address": grill.address, "stations": ["grill"]}),
    )
    .await;
    add(
        &s,
        serde_json::json!({"name": "Bar", "address": bar.address, "stations": ["bar"]}),
    )
    .await;
    add(
        &s,
        serde_json::json!({"name": "Pass", "address": pass.address}),
    )
    .await;
    let o = s
        .create_json(serde_json::json!({
            "channel": "dine_in",
            "table": "12",
            "items": [
                {"name": "Burger", "qty": 2, "station": "grill",
                 "modifiers": ["no onions", "extra cheese"], "note": "one well done"},
                {"name": "Lemonade", "qty": 1, "station": "bar"},
                {"name": "Bread", "qty": 1},
            ],
            "note": "birthday",
        }))
        .await;
    // Only drinks: the grill has nothing to print.
    let drinks = s
        .create_json(serde_json::json!({
            "channel": "pickup",
            "items": [{"name": "Cola", "qty": 3, "station": "bar"}],
        }))
        .await;
    until("every printer's tickets", || {
        grill.tickets().len() == 1 && bar.tickets().len() == 2 && pass.tickets().len() == 2
    })
    .await;
    let g = &grill.tickets()[0];
    let table = format!(
        "Table 12 {:02}:{:02}",
        o.created_at.hour(),
        o.created_at.minute()
    );
    assert!(g.has(&table), "{g:?}");
    let at = g
        .lines
        .iter()
        .position(|l| l == "2 x Burger")
        .expect("the burger");
    assert_eq!(
        g.lines[at + 1..at + 4],
        ["  - no onions", "  - extra cheese", "  Note: one well done"]
    );
    assert!(
        g.has("1 x Bread"),
        "items of no station print everywhere: {g:?}"
    );
    assert!(!g.has("1 x Lemonade"), "{g:?}");
    assert!(g.has("Note: birthday"));
    let b = &bar.tickets()[0];
    assert!(
        b.has("1 x Lemonade") && b.has("1 x Bread") && !b.has("2 x Burger"),
        "{b:?}"
    );
    let p = &pass.tickets()[0];
    assert!(
        p.has("2 x Burger") && p.has("1 x Lemonade") && p.has("1 x Bread"),
        "{p:?}"
    );
    assert_eq!(bar.tickets()[1].number(), Some(drinks.number));
    assert!(bar.tickets()[1].has("3 x Cola"));
    // A reprint goes to the printers that print some of the order.
    let res = s
        .http
        .post(s.url(&format!("/api/orders/{}/print", drinks.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let queued: PrintQueued = res.json().await.unwrap();
    assert_eq!(queued.printers.len(), 2, "bar and pass, not the grill");
    until("the reprints", || {
        bar.tickets().len() == 3 && pass.tickets().len() == 3
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(grill.tickets().len(), 1);
    s.stop().await;
}

#[tokio::test]
async fn a_scheduled_order_prints_when_it_enters_received() {
    let s = TestServer::start_with_settings(quick()).await;
    let fake = FakePrinter::start(Mode::Print).await;
    add(
        &s,
        serde_json::json!({"name": "Pass", "address": fake.address}),
    )
    .await;
    let due = time::OffsetDateTime::now_utc() + time::Duration::hours(2);
    let later = s
        .create_json(serde_json::json!({
            "channel": "pickup",
            "items": [{"name": "Cake", "qty": 1}],
            "due_at": due.format(&time::format_description::well_known::Rfc3339).unwrap(),
        }))
        .await;
    assert_eq!(later.stage, orderboard_model::Stage::Scheduled);
    let now = order(&s, 1).await;
    until("the order for now", || fake.tickets().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        numbers(&fake.tickets()),
        [now.number],
        "nothing yet for the scheduled one"
    );
    s.move_to(later.id, orderboard_model::Stage::Received).await;
    until("the scheduled order, once received", || {
        fake.tickets().len() == 2
    })
    .await;
    let t = &fake.tickets()[1];
    assert_eq!(t.number(), Some(later.number));
    assert!(
        t.has(&format!("Due {:02}:{:02}", due.hour(), due.minute())),
        "{t:?}"
    );
    s.stop().await;
}
