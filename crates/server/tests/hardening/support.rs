//! The real server binary as a child process, with what the tests measure
//! of it (resident memory, open file descriptors), and a tolerant SSE reader
//! for streams that may be cut off mid-event.

#![allow(dead_code)]

use eventsource_stream::{Event, Eventsource};
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use orderboard_model::{Channel, Health, NewItem, NewOrder, Order, Stage, StageChangeRequest};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_orderboard-server");

/// How long a test waits for something that should happen before it fails
/// instead of hanging. Not a performance assertion.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub struct Binary {
    child: Child,
    pub base: String,
    pub addr: String,
    pub db: PathBuf,
}

impl Binary {
    /// Starts the binary on `db`, on a free port, with extra arguments.
    pub fn start(db: &Path, extra: &[&str]) -> Binary {
        let mut child = Command::new(BIN)
            .args(["--listen", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(extra)
            .env("RUST_LOG", "warn,orderboard_server=info")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent {
                    if let Some(i) = line.find("listening on http://") {
                        let _ =
                            tx.send(line[i + "listening on http://".len()..].trim().to_string());
                        sent = true;
                    }
                }
            }
        });
        let addr = rx
            .recv_timeout(PATIENCE)
            .expect("the server logs its address");
        Binary {
            child,
            base: format!("http://{addr}"),
            addr,
            db: db.to_path_buf(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Resident memory, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }

    /// Open file descriptors.
    /// The server's open file descriptors, less those on the database files:
    /// the SQLite pool opens connections lazily, up to its maximum, under
    /// load, which is growth, not a leak.
    pub fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| {
                let target = std::fs::read_link(e.path()).unwrap_or_default();
                let target = target.to_string_lossy();
                !(target.ends_with(".db")
                    || target.ends_with(".db-wal")
                    || target.ends_with(".db-shm"))
            })
            .count()
    }

    /// SIGKILL: no shutdown of any kind.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(PATIENCE)
        .build()
        .unwrap()
}

pub async fn health(http: &reqwest::Client, base: &str) -> Health {
    http.get(format!("{base}/api/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Waits until `check` holds on the health report, or fails.
pub async fn wait_for_health(
    http: &reqwest::Client,
    base: &str,
    what: &str,
    check: impl Fn(&Health) -> bool,
) -> Health {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let h = health(http, base).await;
        if check(&h) {
            return h;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: never happened: {h:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn order(items: usize, note: &str) -> NewOrder {
    NewOrder {
        customer: Some("Grace Hopper".into()),
        channel: Channel::Pickup,
        items: (0..items.max(1))
            .map(|i| NewItem {
                name: format!("{i:02} {}", "Slow-roasted aubergine with tahini ".repeat(2))
                    .chars()
                    .take(80)
                    .collect(),
                qty: 1 + (i % 9) as u8,
                ..NewItem::default()
            })
            .collect(),
        note: Some(note.chars().take(200).collect()),
        external_ref: None,
        table: None,
        due_at: None,
    }
}

/// Creates an order; `None` if the server did not acknowledge it.
pub async fn try_create(http: &reqwest::Client, base: &str, new: &NewOrder) -> Option<Order> {
    let res = http
        .post(format!("{base}/api/orders"))
        .json(new)
        .send()
        .await
        .ok()?;
    if res.status() != 201 {
        assert!(res.status().is_client_error() || res.status().is_server_error());
        return None;
    }
    res.json().await.ok()
}

/// Moves an order; `None` if the server did not acknowledge it.
pub async fn try_move(
    http: &reqwest::Client,
    base: &str,
    order: &Order,
    to: Stage,
) -> Option<Order> {
    let res = http
        .post(format!("{base}/api/orders/{}/stage", order.id))
        .json(&StageChangeRequest {
            to,
            expected_version: Some(order.version),
        })
        .send()
        .await
        .ok()?;
    if res.status() != 200 {
        return None;
    }
    res.json().await.ok()
}

/// An SSE reader that ends quietly when the connection is cut.
pub struct Stream {
    pub status: u16,
    events: BoxStream<'static, Result<Event, String>>,
}

impl Stream {
    pub async fn open(url: &str, last_event_id: Option<u64>) -> Stream {
        let mut req = reqwest::Client::new().get(url);
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id.to_string());
        }
        Stream::from_response(req.send().await.unwrap())
    }

    pub fn from_response(res: reqwest::Response) -> Stream {
        Stream {
            status: res.status().as_u16(),
            events: res
                .bytes_stream()
                .eventsource()
                .map(|r| r.map_err(|e| e.to_string()))
                .boxed(),
        }
    }

    /// The next event with data; `None` when the stream ends or breaks.
    pub async fn next(&mut self) -> Option<Event> {
        loop {
            match tokio::time::timeout(PATIENCE, self.events.next())
                .await
                .expect("an event or the end of the stream arrives")
            {
                Some(Ok(e)) if !e.data.is_empty() => return Some(e),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }
}
