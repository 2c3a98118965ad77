//! An event stream read the way both SSE clients read theirs: until the run
//! closes, with a stream that carries no byte for [`STREAM_IDLE`] taken for
//! dead. Heartbeat comments never become events, so it watches the bytes
//! themselves.

use super::{ClientContext, IDLE_CHECK, STREAM_IDLE};
use eventsource_stream::{Event, EventStreamError, Eventsource};
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// What reading the next event came to.
pub enum Next {
    Event(Event),
    /// The server ended the stream.
    Ended,
    /// The stream failed with an error.
    Failed(String),
    /// No byte came for [`STREAM_IDLE`]: the stream is taken for dead.
    Silent(String),
    /// The run is closing.
    Closed,
}

pub struct WatchedEvents {
    events: BoxStream<'static, Result<Event, EventStreamError<reqwest::Error>>>,
    start: Instant,
    /// Milliseconds after `start` at which the last byte arrived.
    last_byte: Arc<AtomicU64>,
}

impl WatchedEvents {
    pub fn new(res: reqwest::Response) -> WatchedEvents {
        let start = Instant::now();
        let last_byte = Arc::new(AtomicU64::new(0));
        let seen = last_byte.clone();
        let events = res
            .bytes_stream()
            .inspect(move |_| seen.store(start.elapsed().as_millis() as u64, Ordering::Relaxed))
            .eventsource()
            .boxed();
        WatchedEvents {
            events,
            start,
            last_byte,
        }
    }

    /// The next event; `label` names the client in what a failure says.
    pub async fn next(&mut self, ctx: &ClientContext, label: &str) -> Next {
        loop {
            let next = tokio::select! {
                _ = ctx.close.cancelled() => return Next::Closed,
                n = tokio::time::timeout(IDLE_CHECK, self.events.next()) => n,
            };
            return match next {
                Err(_) => {
                    let quiet = self.start.elapsed().saturating_sub(Duration::from_millis(
                        self.last_byte.load(Ordering::Relaxed),
                    ));
                    if quiet >= STREAM_IDLE {
                        Next::Silent(format!("{label}: no byte for {} s", STREAM_IDLE.as_secs()))
                    } else {
                        continue;
                    }
                }
                Ok(None) => Next::Ended,
                Ok(Some(Err(e))) => Next::Failed(format!("{label}: {e}")),
                Ok(Some(Ok(event))) => Next::Event(event),
            };
        }
    }
}
