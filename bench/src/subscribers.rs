//! Many SSE subscribers in one process, each recording when every event
//! reached it.
//!
//! Each subscriber is one TCP connection that asks with HTTP/1.0, so the
//! server streams the body unchunked, and reads frames (`\n\n`-terminated)
//! straight off the socket. An event is recognised by the `"seq":N` in its
//! data, which the Orderboard board and tracking streams and the payloads
//! published to Nchan all carry. The time an event was read is kept per
//! subscriber, in microseconds since a shared start instant.
//!
//! A subscriber that has every event it expects says so, and keeps its
//! connection (still counting duplicates) until told to stop. So no
//! connection closes while others still wait for an event: the server's and
//! the kernel's work of closing thousands of connections is not measured as
//! delivery.
//!
//! With [`Plan::resume`], a subscriber whose stream is lost does what a
//! browser's EventSource does: it waits the `retry:` interval the server
//! gave, and connects again with `Last-Event-ID` set to the last id it read,
//! to the next server of its [`Route`] (behind a load balancer, a dead node's
//! screens reach another node). An answer other than `200`, a refused
//! connection, or a stream that ends before its first event (its first
//! connection included) makes it wait as Orderboard's pages do after a
//! failed stream (1 s, 2 s, 4 s … at most 10 s) and try the next server. It records when it lost its stream and
//! when it had one again, and counts snapshots or resets after its first
//! snapshot (a resume that was not exact).

use bytes::BytesMut;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

pub const NOT_RECEIVED: u32 = u32::MAX;

/// How long a browser waits before reconnecting when the server named no
/// `retry:` interval (Orderboard always names one).
const DEFAULT_RETRY_MS: u64 = 2000;

/// What one subscriber saw.
pub struct Received {
    /// Microseconds since the epoch instant, indexed by `seq - first_seq`.
    pub at_micros: Vec<u32>,
    pub duplicates: u32,
    /// With [`Plan::resume`]: when its stream was first lost (microseconds
    /// since the epoch instant), and when it next had a stream again, on
    /// which server of its route (an index into [`Route::addrs`]).
    pub lost_at: Option<u32>,
    pub resumed_at: Option<u32>,
    pub resumed_on: Option<usize>,
    /// With [`Plan::resume`]: answers other than `200`, connections
    /// refused, and streams that ended before their snapshot.
    pub refused: u32,
    /// Snapshots or resets after the first snapshot.
    pub restarts: u32,
}

/// Where one subscriber connects: the stream's path, and the servers it
/// tries in turn (the first; with [`Plan::resume`], the next one each time
/// its stream is lost).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Route {
    pub path: String,
    pub addrs: Vec<SocketAddr>,
}

/// A set of subscribers: where each connects, and what they expect.
pub struct Plan {
    pub routes: Vec<Route>,
    /// They expect the events `first_seq..first_seq + count`; with `count`
    /// 0 they only drain their streams until stopped.
    pub first_seq: u64,
    pub count: usize,
    pub epoch: Instant,
    pub stop: CancellationToken,
    /// Reconnect with `Last-Event-ID` when a stream is lost (see the module).
    pub resume: bool,
    /// Local addresses to connect from, in turn (empty: the kernel's
    /// choice). Each address has its own ephemeral ports, so more
    /// connections to one server fit than one address's port range.
    pub sources: Vec<IpAddr>,
}

pub struct Subscribers {
    handles: Vec<tokio::task::JoinHandle<anyhow::Result<Received>>>,
    shared: Shared,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

fn number_after(frame: &[u8], key: &[u8]) -> Option<u64> {
    let i = find(frame, key)? + key.len();
    let digits: Vec<u8> = frame[i..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

fn seq_of(frame: &[u8]) -> Option<u64> {
    number_after(frame, b"\"seq\":")
}

/// What every subscriber of one [`Plan`] shares: the events it expects, the
/// instant it times them from, and the signals it gives (headers read,
/// every event received, counts) and takes (stop).
#[derive(Clone)]
struct Shared {
    first_seq: u64,
    count: usize,
    epoch: Instant,
    resume: bool,
    /// One permit per subscriber that has its response headers.
    ready: Arc<Semaphore>,
    /// One permit per subscriber that has every event it expects.
    complete: Arc<Semaphore>,
    /// Events received (each once) by all subscribers together.
    delivered: Arc<AtomicU64>,
    /// Subscribers that lost their stream, and those of them that have one again.
    lost: Arc<AtomicU64>,
    resumed: Arc<AtomicU64>,
    /// Subscribers that have read their first frame with an id (a
    /// snapshot, or an event): their stream has started, not only its head.
    started: Arc<AtomicU64>,
    stop: CancellationToken,
}

/// How a connection ended.
enum Ended {
    Stopped,
    /// The server closed it, or it failed.
    Lost,
    /// An answer other than `200`.
    Refused,
}

/// What a resuming subscriber keeps from the frames it reads.
struct Follow {
    last_id: Option<u64>,
    retry_ms: u64,
    starts: u32,
}

impl Follow {
    fn read(&mut self, frame: &[u8]) {
        if frame.starts_with(b"id: ") {
            if let Some(id) = number_after(frame, b"id: ") {
                self.last_id = Some(id);
            }
        } else if frame.starts_with(b"retry: ") {
            if let Some(ms) = number_after(frame, b"retry: ") {
                self.retry_ms = ms;
            }
        }
        if find(frame, b"\nevent: snapshot\n").is_some()
            || find(frame, b"\nevent: reset\n").is_some()
        {
            self.starts += 1;
        }
    }
}

/// How long Orderboard's pages wait after a failed stream: 1 s, 2 s, 4 s
/// … at most 10 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((1000u64 << attempt.min(4)).min(10_000))
}

async fn open(
    addr: SocketAddr,
    source: Option<IpAddr>,
    path: &str,
    last_id: Option<u64>,
) -> std::io::Result<TcpStream> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if let Some(ip) = source {
        socket.bind(SocketAddr::new(ip, 0))?;
    }
    let mut tcp = socket.connect(addr).await?;
    tcp.set_nodelay(true)?;
    let mut request =
        format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\nAccept: text/event-stream\r\n");
    if let Some(id) = last_id {
        request += &format!("Last-Event-ID: {id}\r\n");
    }
    request += "\r\n";
    tcp.write_all(request.as_bytes()).await?;
    Ok(tcp)
}

async fn subscribe(
    route: Route,
    source: Option<IpAddr>,
    shared: &Shared,
) -> anyhow::Result<Received> {
    let Shared {
        first_seq,
        count,
        epoch,
        resume,
        ref ready,
        ref complete,
        ref delivered,
        ref lost,
        ref resumed,
        ref started,
        ref stop,
    } = *shared;
    let mut has_started = false;
    let mut buf = BytesMut::with_capacity(2048);
    let mut received = Received {
        at_micros: vec![NOT_RECEIVED; count],
        duplicates: 0,
        lost_at: None,
        resumed_at: None,
        resumed_on: None,
        refused: 0,
        restarts: 0,
    };
    let mut follow = Follow {
        last_id: None,
        retry_ms: DEFAULT_RETRY_MS,
        starts: 0,
    };
    let mut got = 0usize;
    let mut connected_once = false;
    let mut at = 0usize;
    let mut attempt = 0u32;
    let stopped = stop.cancelled();
    tokio::pin!(stopped);
    loop {
        let addr = route.addrs[at % route.addrs.len()];
        let opened = tokio::select! {
            r = open(addr, source, &route.path, follow.last_id) => r,
            _ = &mut stopped => break,
        };
        let mut tcp = match opened {
            Ok(tcp) => tcp,
            Err(_) if resume => {
                received.refused += 1;
                at += 1;
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(follow.retry_ms)) => continue,
                    _ = &mut stopped => break,
                }
            }
            Err(e) => return Err(e.into()),
        };
        buf.clear();
        let mut headers_done = false;
        let ended = loop {
            let n = tokio::select! {
                r = tcp.read_buf(&mut buf) => r,
                _ = &mut stopped => break Ended::Stopped,
            };
            let n = match n {
                Ok(n) => n,
                Err(_) if resume => break Ended::Lost,
                Err(e) => return Err(e.into()),
            };
            if n == 0 {
                break Ended::Lost;
            }
            let now = epoch.elapsed().as_micros() as u32;
            if !headers_done {
                let Some(end) = find(&buf, b"\r\n\r\n") else {
                    continue;
                };
                let status_ok =
                    buf.starts_with(b"HTTP/1.1 200") || buf.starts_with(b"HTTP/1.0 200");
                if !status_ok {
                    if resume {
                        break Ended::Refused;
                    }
                    anyhow::bail!(
                        "subscriber refused: {}",
                        String::from_utf8_lossy(&buf[..end])
                    );
                }
                let _ = buf.split_to(end + 4);
                headers_done = true;
                attempt = 0;
                if !connected_once {
                    connected_once = true;
                    ready.add_permits(1);
                } else if received.lost_at.is_some() && received.resumed_at.is_none() {
                    received.resumed_at = Some(now);
                    received.resumed_on = Some(at % route.addrs.len());
                    resumed.fetch_add(1, Ordering::Relaxed);
                }
            }
            if count == 0 && !resume {
                // Only draining: the load of reading, not of checking.
                buf.clear();
                continue;
            }
            while let Some(end) = find(&buf, b"\n\n") {
                let frame = buf.split_to(end + 2);
                if resume {
                    follow.read(&frame);
                }
                if !has_started && frame.starts_with(b"id: ") {
                    has_started = true;
                    started.fetch_add(1, Ordering::Relaxed);
                }
                let Some(seq) = seq_of(&frame) else {
                    continue;
                };
                if let Some(slot) = seq
                    .checked_sub(first_seq)
                    .and_then(|i| received.at_micros.get_mut(i as usize))
                {
                    if *slot == NOT_RECEIVED {
                        *slot = now;
                        got += 1;
                        delivered.fetch_add(1, Ordering::Relaxed);
                        if got == count {
                            complete.add_permits(1);
                        }
                    } else {
                        received.duplicates += 1;
                    }
                }
            }
        };
        if matches!(ended, Ended::Stopped) || !resume {
            break;
        }
        // Lost or refused: again, on the route's next server. A stream
        // that never started (refused, or ended before its snapshot) is a
        // failed start, not a lost stream.
        at += 1;
        let wait = if matches!(ended, Ended::Refused) || !has_started {
            received.refused += 1;
            attempt += 1;
            backoff(attempt - 1)
        } else {
            if received.lost_at.is_none() {
                received.lost_at = Some(epoch.elapsed().as_micros() as u32);
                lost.fetch_add(1, Ordering::Relaxed);
            }
            Duration::from_millis(follow.retry_ms)
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = &mut stopped => break,
        }
    }
    received.restarts = follow.starts.saturating_sub(1);
    Ok(received)
}

impl Subscribers {
    /// Connects `n` subscribers to `addr`, the `i`th to
    /// `paths[i % paths.len()]`, and waits until every one has its response
    /// headers. They expect the events `first_seq..first_seq + count`; with
    /// `count` 0 they only drain the stream until stopped.
    pub async fn connect(
        addr: SocketAddr,
        paths: &[String],
        n: usize,
        first_seq: u64,
        count: usize,
        epoch: Instant,
        stop: CancellationToken,
    ) -> anyhow::Result<Subscribers> {
        let routes = (0..n)
            .map(|i| Route {
                path: paths[i % paths.len()].clone(),
                addrs: vec![addr],
            })
            .collect();
        Subscribers::start(Plan {
            routes,
            first_seq,
            count,
            epoch,
            stop,
            resume: false,
            sources: Vec::new(),
        })
        .await
    }

    /// Connects a subscriber per route of the plan, and waits until every
    /// one has its response headers.
    pub async fn start(plan: Plan) -> anyhow::Result<Subscribers> {
        let n = plan.routes.len();
        let shared = Shared {
            first_seq: plan.first_seq,
            count: plan.count,
            epoch: plan.epoch,
            resume: plan.resume,
            ready: Arc::new(Semaphore::new(0)),
            complete: Arc::new(Semaphore::new(0)),
            delivered: Arc::new(AtomicU64::new(0)),
            lost: Arc::new(AtomicU64::new(0)),
            resumed: Arc::new(AtomicU64::new(0)),
            started: Arc::new(AtomicU64::new(0)),
            stop: plan.stop,
        };
        let ready = shared.ready.clone();
        let mut handles = Vec::with_capacity(n);
        for (i, route) in plan.routes.into_iter().enumerate() {
            let shared = shared.clone();
            let source = (!plan.sources.is_empty()).then(|| plan.sources[i % plan.sources.len()]);
            handles.push(tokio::spawn(async move {
                let result = subscribe(route, source, &shared).await;
                if result.is_err() {
                    // Never leave a wait hanging on a failed subscriber.
                    shared.ready.add_permits(1);
                    shared.complete.add_permits(1);
                }
                result
            }));
            // Connect in waves, so the listen backlog never overflows.
            if i % 500 == 499 {
                // Dropping the permits gives them back: this only waits.
                let _ready = ready.acquire_many(i as u32 + 1 - 250).await?;
            }
        }
        // Two minutes, and more for very many (a stream's start reads the
        // database).
        let limit = Duration::from_secs(120) + Duration::from_millis(5) * n as u32;
        let deadline = tokio::time::timeout(limit, ready.acquire_many(n as u32)).await;
        anyhow::ensure!(
            deadline.is_ok(),
            "not every subscriber connected within {} s",
            limit.as_secs()
        );
        Ok(Subscribers { handles, shared })
    }

    /// Waits until every subscriber has every event it expects (or failed),
    /// or `limit` has passed; says which.
    pub async fn all_complete(&self, limit: std::time::Duration) -> bool {
        let n = self.handles.len() as u32;
        tokio::time::timeout(limit, self.shared.complete.acquire_many(n))
            .await
            .is_ok()
    }

    /// Events received so far, each counted once per subscriber.
    pub fn delivered(&self) -> u64 {
        self.shared.delivered.load(Ordering::Relaxed)
    }

    /// Subscribers that lost their stream, and those of them that have one again.
    pub fn lost_and_resumed(&self) -> (u64, u64) {
        (
            self.shared.lost.load(Ordering::Relaxed),
            self.shared.resumed.load(Ordering::Relaxed),
        )
    }

    /// Subscribers whose stream has started: they read a frame with an id.
    pub fn started(&self) -> u64 {
        self.shared.started.load(Ordering::Relaxed)
    }

    pub async fn finish(self) -> anyhow::Result<Vec<Received>> {
        let mut out = Vec::with_capacity(self.handles.len());
        for h in self.handles {
            out.push(h.await??);
        }
        Ok(out)
    }
}
