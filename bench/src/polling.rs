//! Scenario 4: customers following their orders by polling every few
//! seconds, against the same customers on SSE; requests and bytes per minute.
//!
//! Both sides use raw HTTP/1.1 on loopback so every byte is counted, headers
//! included. Meanwhile a driver moves every order through its stages.

use crate::processes::ServerProcess;
use orderboard_model::{Channel, Item, NewOrder, Order, Stage, StageChangeRequest};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Debug, Clone)]
pub struct TransportResult {
    pub clients: usize,
    pub requests_per_minute: f64,
    pub bytes_per_minute: f64,
    pub updates_seen: u64,
    pub unchanged_answers: u64,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    bytes: AtomicU64,
    updates: AtomicU64,
    unchanged: AtomicU64,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// One keep-alive GET; returns the body. Counts bytes both ways.
async fn get(tcp: &mut TcpStream, host: &str, path: &str, c: &Counters) -> anyhow::Result<Vec<u8>> {
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n");
    tcp.write_all(req.as_bytes()).await?;
    c.bytes.fetch_add(req.len() as u64, Ordering::Relaxed);
    c.requests.fetch_add(1, Ordering::Relaxed);
    let mut buf = Vec::with_capacity(2048);
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = tcp.read(&mut chunk).await?;
        anyhow::ensure!(n > 0, "connection closed");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let mut chunk = [0u8; 4096];
        let n = tcp.read(&mut chunk).await?;
        anyhow::ensure!(n > 0, "connection closed");
        buf.extend_from_slice(&chunk[..n]);
    }
    c.bytes.fetch_add(buf.len() as u64, Ordering::Relaxed);
    Ok(buf[head_end..].to_vec())
}

async fn poller(addr: std::net::SocketAddr, token: String, every: Duration, offset: Duration, until: Instant, c: Arc<Counters>) -> anyhow::Result<()> {
    tokio::time::sleep(offset).await;
    let mut tcp = TcpStream::connect(addr).await?;
    let host = addr.to_string();
    let mut last_version = 0u64;
    let mut tick = tokio::time::interval(every);
    while Instant::now() < until {
        tick.tick().await;
        let body = get(&mut tcp, &host, &format!("/api/track/{token}"), &c).await?;
        let v: serde_json::Value = serde_json::from_slice(&body)?;
        let version = v["version"].as_u64().unwrap_or(0);
        if version != last_version {
            if last_version != 0 {
                c.updates.fetch_add(1, Ordering::Relaxed);
            }
            last_version = version;
        } else {
            c.unchanged.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}

async fn sse_client(addr: std::net::SocketAddr, token: String, until: Instant, c: Arc<Counters>) -> anyhow::Result<()> {
    let mut tcp = TcpStream::connect(addr).await?;
    let req = format!("GET /api/track/{token}/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
    tcp.write_all(req.as_bytes()).await?;
    c.requests.fetch_add(1, Ordering::Relaxed);
    c.bytes.fetch_add(req.len() as u64, Ordering::Relaxed);
    let mut buf = [0u8; 8192];
    // Events are counted on whole frames, so one split across reads counts once.
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let n = tokio::select! {
            r = tcp.read(&mut buf) => r?,
            _ = tokio::time::sleep_until(until.into()) => break,
        };
        if n == 0 {
            break;
        }
        c.bytes.fetch_add(n as u64, Ordering::Relaxed);
        pending.extend_from_slice(&buf[..n]);
        while let Some(end) = find(&pending, b"\n\n") {
            if pending[..end].windows(13).any(|w| w == b"event: order\n") {
                c.updates.fetch_add(1, Ordering::Relaxed);
            }
            pending.drain(..end + 2);
        }
    }
    Ok(())
}

/// Runs one transport for `duration` with `clients` customers, while a driver
/// advances every order once every `change_every`.
pub async fn run(server_bin: &std::path::Path, transport: &str, clients: usize, poll_every: Duration, duration: Duration) -> anyhow::Result<TransportResult> {
    let server = ServerProcess::orderboard(server_bin).await?;
    let http = reqwest::Client::new();
    // Display numbers run 1..999 among active orders, so beyond 900 customers
    // some share an order (a phone and a second screen, say).
    let order_count = clients.min(900);
    let mut orders = Vec::with_capacity(order_count);
    for i in 0..order_count {
        let new = NewOrder { customer: Some(format!("Guest {i}")), channel: Channel::Pickup, items: vec![Item { name: "Lunch box".into(), qty: 1 }], note: None };
        let res = http.post(server.url("/api/orders")).json(&new).send().await?;
        anyhow::ensure!(res.status() == 201, "creating an order: {} {}", res.status(), res.text().await?);
        let o: Order = res.json().await?;
        orders.push(o);
    }
    let counters = Arc::new(Counters::default());
    let until = Instant::now() + duration;
    let mut tasks = Vec::new();
    for i in 0..clients {
        let o = &orders[i % orders.len()];
        let offset = poll_every.mul_f64(i as f64 / clients as f64);
        let (c, token) = (counters.clone(), o.tracking_token.clone());
        tasks.push(if transport == "sse" {
            tokio::spawn(sse_client(server.addr, token, until, c))
        } else {
            tokio::spawn(poller(server.addr, token, poll_every, offset, until, c))
        });
    }
    // The kitchen: each order moves preparing → ready over the run.
    let driver = {
        let (http, base, orders) = (http.clone(), server.url(""), orders.clone());
        tokio::spawn(async move {
            let steps = [Stage::Preparing, Stage::Ready];
            let gap = duration.mul_f64(0.9) / (orders.len() * steps.len()) as u32;
            for to in steps {
                for o in &orders {
                    let _ = http.post(format!("{base}/api/orders/{}/stage", o.id)).json(&StageChangeRequest { to, expected_version: None }).send().await;
                    tokio::time::sleep(gap).await;
                }
            }
        })
    };
    for t in tasks {
        t.await??;
    }
    driver.abort();
    server.stop().await;
    let minutes = duration.as_secs_f64() / 60.0;
    Ok(TransportResult {
        clients,
        requests_per_minute: counters.requests.load(Ordering::Relaxed) as f64 / minutes,
        bytes_per_minute: counters.bytes.load(Ordering::Relaxed) as f64 / minutes,
        updates_seen: counters.updates.load(Ordering::Relaxed),
        unchanged_answers: counters.unchanged.load(Ordering::Relaxed),
    })
}
