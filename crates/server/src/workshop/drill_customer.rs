//! One simulated customer of the connection drop drill: it follows an
//! order's tracking stream (`/api/track/{token}/events`) and, when the
//! connection drops, reconnects after the stream's `retry:` as EventSource
//! does, with `Last-Event-ID` or, as a naive client does, without it. It
//! writes down what it saw; the drill compares that with the truth.

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use orderboard_model::{TrackEvent, TrackSnapshot};
use reqwest::header::ACCEPT;
use reqwest::StatusCode;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long a connection attempt may take before it counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The wait before reconnecting until the server has said its `retry:`.
const DEFAULT_RETRY: Duration = Duration::from_secs(2);

/// What one customer saw.
#[derive(Debug, Default)]
pub struct CustomerLog {
    /// The order's version in the first snapshot.
    pub first_version: Option<u64>,
    /// The versions that came as `order` events, as they came.
    pub event_versions: Vec<u64>,
    /// Connections after the first that began with a `snapshot` (or `reset`).
    pub snapshots_on_reconnect: u64,
    /// When each connection was answered.
    pub connected_at: Vec<Instant>,
    /// When the customer first knew each newer version, by any message.
    pub known: Vec<(Instant, u64)>,
}

/// Follows the order at `url` until `close`, or until its stream ended
/// after the order's final stage. `known` is the newest version it knows.
pub async fn follow(
    http: reqwest::Client,
    url: String,
    resumes: bool,
    known: watch::Sender<u64>,
    close: CancellationToken,
) -> CustomerLog {
    let mut log = CustomerLog::default();
    let mut last_id: Option<String> = None;
    let mut retry = DEFAULT_RETRY;
    let mut finished = false;
    loop {
        let mut request = http.get(&url).header(ACCEPT, "text/event-stream");
        if let (true, Some(id)) = (resumes, &last_id) {
            request = request.header("Last-Event-ID", id.as_str());
        }
        let answer = tokio::select! {
            _ = close.cancelled() => return log,
            a = tokio::time::timeout(CONNECT_TIMEOUT, request.send()) => a,
        };
        match answer {
            Ok(Ok(res)) if res.status() == StatusCode::OK => {
                log.connected_at.push(Instant::now());
                let reconnect = log.first_version.is_some();
                let mut first_message = true;
                let mut events = res.bytes_stream().eventsource();
                loop {
                    let next = tokio::select! {
                        _ = close.cancelled() => return log,
                        n = events.next() => n,
                    };
                    let Some(Ok(event)) = next else { break };
                    if let Some(r) = event.retry {
                        retry = r;
                    }
                    if !event.id.is_empty() {
                        last_id = Some(event.id.clone());
                    }
                    let order = match event.event.as_str() {
                        "snapshot" | "reset" => {
                            let Ok(s) = serde_json::from_str::<TrackSnapshot>(&event.data) else {
                                continue;
                            };
                            if reconnect && first_message {
                                log.snapshots_on_reconnect += 1;
                            }
                            log.first_version.get_or_insert(s.order.version);
                            s.order
                        }
                        "order" => {
                            let Ok(e) = serde_json::from_str::<TrackEvent>(&event.data) else {
                                continue;
                            };
                            log.event_versions.push(e.order.version);
                            e.order
                        }
                        _ => continue,
                    };
                    first_message = false;
                    if order.version > *known.borrow() {
                        known.send_replace(order.version);
                        log.known.push((Instant::now(), order.version));
                    }
                    finished = order.stage.is_final();
                }
            }
            // The order was over before the stream began.
            Ok(Ok(res)) if res.status() == StatusCode::NO_CONTENT => return log,
            _ => {}
        }
        if finished {
            return log;
        }
        tokio::select! {
            _ = close.cancelled() => return log,
            _ = tokio::time::sleep(retry) => {}
        }
    }
}
