//! Many SSE subscribers in one process, each recording when every event
//! reached it.
//!
//! Each subscriber is one TCP connection that asks with HTTP/1.0, so the
//! server streams the body unchunked, and reads frames (`\n\n`-terminated)
//! straight off the socket. An event is recognised by the `"seq":N` in its
//! data, which the Orderboard board stream and the payloads published to Nchan
//! both carry. The time an event was read is kept per subscriber, in
//! microseconds since a shared start instant.
//!
//! A subscriber that has every event it expects says so, and keeps its
//! connection (still counting duplicates) until told to stop. So no
//! connection closes while others still wait for an event: the server's and
//! the kernel's work of closing thousands of connections is not measured as
//! delivery.

use bytes::BytesMut;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

pub const NOT_RECEIVED: u32 = u32::MAX;

/// What one subscriber saw.
pub struct Received {
    /// Microseconds since the epoch instant, indexed by `seq - first_seq`.
    pub at_micros: Vec<u32>,
    pub duplicates: u32,
}

pub struct Subscribers {
    handles: Vec<tokio::task::JoinHandle<anyhow::Result<Received>>>,
    /// One permit per subscriber that has every event it expects.
    complete: Arc<Semaphore>,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

fn seq_of(frame: &[u8]) -> Option<u64> {
    let i = find(frame, b"\"seq\":")? + 6;
    let digits: Vec<u8> = frame[i..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

/// What every subscriber of one [`Subscribers::connect`] shares: the events
/// it expects, the instant it times them from, and the signals it gives
/// (headers read, every event received) and takes (stop).
#[derive(Clone)]
struct Shared {
    first_seq: u64,
    count: usize,
    epoch: Instant,
    /// One permit per subscriber that has its response headers.
    ready: Arc<Semaphore>,
    /// One permit per subscriber that has every event it expects.
    complete: Arc<Semaphore>,
    stop: CancellationToken,
}

async fn subscribe(addr: SocketAddr, path: String, shared: &Shared) -> anyhow::Result<Received> {
    let Shared {
        first_seq,
        count,
        epoch,
        ref ready,
        ref complete,
        ref stop,
    } = *shared;
    let mut tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let request =
        format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
    tcp.write_all(request.as_bytes()).await?;
    let mut buf = BytesMut::with_capacity(2048);
    let mut received = Received {
        at_micros: vec![NOT_RECEIVED; count],
        duplicates: 0,
    };
    let mut got = 0usize;
    let mut headers_done = false;
    let stopped = stop.cancelled();
    tokio::pin!(stopped);
    loop {
        let n = tokio::select! {
            r = tcp.read_buf(&mut buf) => r?,
            _ = &mut stopped => break,
        };
        if n == 0 {
            break;
        }
        let now = epoch.elapsed().as_micros() as u32;
        if !headers_done {
            let Some(end) = find(&buf, b"\r\n\r\n") else {
                continue;
            };
            let status_ok = buf.starts_with(b"HTTP/1.1 200") || buf.starts_with(b"HTTP/1.0 200");
            anyhow::ensure!(
                status_ok,
                "subscriber refused: {}",
                String::from_utf8_lossy(&buf[..end])
            );
            let _ = buf.split_to(end + 4);
            headers_done = true;
            ready.add_permits(1);
        }
        if count == 0 {
            // Only draining: the load of reading, not of checking.
            buf.clear();
            continue;
        }
        while let Some(end) = find(&buf, b"\n\n") {
            let frame = buf.split_to(end + 2);
            if let Some(seq) = seq_of(&frame) {
                if let Some(slot) = seq
                    .checked_sub(first_seq)
                    .and_then(|i| received.at_micros.get_mut(i as usize))
                {
                    if *slot == NOT_RECEIVED {
                        *slot = now;
                        got += 1;
                        if got == count {
                            complete.add_permits(1);
                        }
                    } else {
                        received.duplicates += 1;
                    }
                }
            }
        }
    }
    Ok(received)
}

impl Subscribers {
    /// Connects `n` subscribers, the `i`th to `paths[i % paths.len()]`, and
    /// waits until every one has its response headers. They expect the events `first_seq..first_seq + count`;
    /// with `count` 0 they only drain the stream until stopped.
    pub async fn connect(
        addr: SocketAddr,
        paths: &[String],
        n: usize,
        first_seq: u64,
        count: usize,
        epoch: Instant,
        stop: CancellationToken,
    ) -> anyhow::Result<Subscribers> {
        let ready = Arc::new(Semaphore::new(0));
        let complete = Arc::new(Semaphore::new(0));
        let shared = Shared {
            first_seq,
            count,
            epoch,
            ready: ready.clone(),
            complete: complete.clone(),
            stop,
        };
        let mut handles = Vec::with_capacity(n);
        for i in 0..n {
            let (shared, path) = (shared.clone(), paths[i % paths.len()].clone());
            handles.push(tokio::spawn(async move {
                let result = subscribe(addr, path, &shared).await;
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
        let deadline = tokio::time::timeout(
            std::time::Duration::from_secs(120),
            ready.acquire_many(n as u32),
        )
        .await;
        anyhow::ensure!(
            deadline.is_ok(),
            "not every subscriber connected within 2 minutes"
        );
        Ok(Subscribers { handles, complete })
    }

    /// Waits until every subscriber has every event it expects (or failed),
    /// or `limit` has passed; says which.
    pub async fn all_complete(&self, limit: std::time::Duration) -> bool {
        let n = self.handles.len() as u32;
        tokio::time::timeout(limit, self.complete.acquire_many(n))
            .await
            .is_ok()
    }

    pub async fn finish(self) -> anyhow::Result<Vec<Received>> {
        let mut out = Vec::with_capacity(self.handles.len());
        for h in self.handles {
            out.push(h.await??);
        }
        Ok(out)
    }
}
