//! One tracking WebSocket's whole life, on a [`Cursor`] encoded as socket
//! messages: the same start, replay and live changes as the SSE stream.
//!
//! It closes normally after the order's final stage. The server pings an
//! idle socket every heartbeat interval; the socket ends on shutdown or when
//! its listener stops (close code 1001), when the client closes, or when a
//! send fails.

use crate::limits::StreamPermit;
use crate::sse::Streams;
use crate::stream::{Cursor, Step};
use crate::wire::ws as message;
use crate::workshop::transport_metrics::TransportMetrics;
use axum::extract::ws::{close_code, CloseFrame, Message, Utf8Bytes, WebSocket};
use bytes::Bytes;
use orderboard_model::Transport;
use std::sync::Arc;
use tokio::time::{interval_at, Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

/// The socket, with every byte it sends and receives counted.
struct CountedSocket {
    socket: WebSocket,
    metrics: Arc<TransportMetrics>,
}

/// Why the socket is over.
struct Closed;

impl CountedSocket {
    async fn send_text(&mut self, text: Bytes) -> Result<(), Closed> {
        let len = text.len();
        let text = Utf8Bytes::try_from(text).map_err(|_| Closed)?;
        self.socket
            .send(Message::Text(text))
            .await
            .map_err(|_| Closed)?;
        self.metrics
            .sent(Transport::Ws, message::sent_frame_len(len));
        Ok(())
    }

    async fn send(&mut self, message: Message, payload: usize) -> Result<(), Closed> {
        self.socket.send(message).await.map_err(|_| Closed)?;
        self.metrics
            .sent(Transport::Ws, message::sent_frame_len(payload));
        Ok(())
    }

    async fn close(mut self, code: u16, reason: &'static str) {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        let _ = self
            .send(Message::Close(Some(frame)), 2 + reason.len())
            .await;
    }
}

/// What one turn of the loop saw.
enum Wake {
    Heartbeat,
    Stopping,
    Client(Option<Message>),
    Cursor(Result<Step, crate::store::StoreError>),
}

/// Runs the socket until it is over. `cursor` follows the socket's order,
/// encoded as socket messages; `stopping` is its listener's stop.
pub async fn run(
    streams: Streams,
    mut cursor: Cursor,
    socket: WebSocket,
    permit: StreamPermit,
    stopping: CancellationToken,
) {
    let _permit = permit;
    let metrics = streams.transport_metrics.clone();
    let _open = metrics.open(Transport::Ws);
    let mut socket = CountedSocket {
        socket,
        metrics: metrics.clone(),
    };
    let heartbeat_every = streams.heartbeat;
    let mut heartbeat = interval_at(Instant::now() + heartbeat_every, heartbeat_every);
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
    if streams.shutdown.is_cancelled() {
        return socket.close(close_code::AWAY, "server shutting down").await;
    }
    loop {
        let wake = tokio::select! {
            biased;
            _ = stopping.cancelled() => Wake::Stopping,
            message = socket.socket.recv() => Wake::Client(message.and_then(Result::ok)),
            step = cursor.next() => Wake::Cursor(step),
            _ = heartbeat.tick() => Wake::Heartbeat,
        };
        match wake {
            Wake::Stopping | Wake::Cursor(Ok(Step::Closed)) => {
                return socket.close(close_code::AWAY, "server shutting down").await
            }
            Wake::Cursor(Ok(Step::End)) => {
                return socket.close(close_code::NORMAL, "order complete").await
            }
            Wake::Cursor(Ok(Step::State(text) | Step::Queue(text))) => {
                if socket.send_text(text).await.is_err() {
                    return;
                }
            }
            Wake::Cursor(Ok(Step::Change { frame, at })) => {
                if socket.send_text(frame).await.is_err() {
                    return;
                }
                metrics.delivered(Transport::Ws, at);
            }
            Wake::Cursor(Err(e)) => {
                tracing::warn!(error = %e, "a socket could not read what it must send");
                return;
            }
            Wake::Client(None) | Wake::Client(Some(Message::Close(_))) => return,
            Wake::Client(Some(m)) => {
                // Clients have nothing to say yet; their pings are answered
                // by the socket itself. Count what they sent all the same.
                let len = match &m {
                    Message::Text(t) => t.len(),
                    Message::Binary(b) | Message::Ping(b) | Message::Pong(b) => b.len(),
                    Message::Close(_) => 0,
                };
                metrics.received(Transport::Ws, message::received_frame_len(len));
            }
            Wake::Heartbeat => {
                if socket.send(Message::Ping(Bytes::new()), 0).await.is_err() {
                    return;
                }
            }
        }
    }
}
