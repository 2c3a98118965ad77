//! One tracking WebSocket's whole life, the socket twin of
//! [`crate::sse::live_stream`] for a single order.
//!
//! It subscribes before it plans its start (so no change slips between the
//! two), sends a `snapshot`, a `reset` or a replay from the event log, then
//! every change of its order exactly once, and closes normally after the
//! order's final stage. A socket that fell behind the feed catches up from
//! the log. The server pings an idle socket every heartbeat interval; the
//! socket ends on shutdown (close code 1001), when the client closes, or when
//! a send fails.

use super::message;
use crate::feed::{Delivery, Subscription};
use crate::limits::StreamPermit;
use crate::sse::live_stream::Start;
use crate::store::{event_log, snapshots};
use crate::workshop::transport_metrics::TransportMetrics;
use crate::AppState;
use axum::extract::ws::{close_code, CloseFrame, Message, Utf8Bytes, WebSocket};
use bytes::Bytes;
use futures_util::StreamExt;
use orderboard_model::{StreamEventName, TrackEvent, Transport};
use std::sync::Arc;
use tokio::time::{interval_at, Instant, MissedTickBehavior};
use uuid::Uuid;

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
    Client(Option<Message>),
    Feed(Option<Delivery>),
}

/// Runs the socket for `order_id` until it is over. `subscription` must be
/// to that order's changes, and taken before `start` was planned.
pub async fn run(
    state: AppState,
    order_id: Uuid,
    start: Start,
    mut subscription: Subscription,
    socket: WebSocket,
    permit: StreamPermit,
) {
    let _permit = permit;
    let metrics = state.transport_metrics.clone();
    let _open = metrics.open(Transport::Ws);
    let mut socket = CountedSocket {
        socket,
        metrics: metrics.clone(),
    };

    let (mut last, mut catch_up) = match start {
        Start::ReplayAfter(seq) => (seq, true),
        Start::Snapshot | Start::Reset => {
            let name = if start == Start::Reset {
                StreamEventName::Reset
            } else {
                StreamEventName::Snapshot
            };
            match send_state(&state, &mut socket, order_id, name).await {
                Ok(Some(as_of)) => (as_of, false),
                Ok(None) => return socket.close(close_code::NORMAL, "order complete").await,
                Err(Closed) => return,
            }
        }
    };

    let heartbeat_every = state.settings.heartbeat;
    let mut heartbeat = interval_at(Instant::now() + heartbeat_every, heartbeat_every);
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // As for SSE streams, shutdown arrives as the feed's end.
    if state.shutdown.is_cancelled() {
        return socket.close(close_code::AWAY, "server shutting down").await;
    }
    loop {
        while catch_up {
            match replay(&state, &mut socket, order_id, last).await {
                Ok(Replayed::More(seq)) => last = seq,
                Ok(Replayed::UpTo(seq)) => {
                    last = seq;
                    catch_up = false;
                }
                Ok(Replayed::Final) => {
                    return socket.close(close_code::NORMAL, "order complete").await
                }
                Err(Closed) => return,
            }
        }

        let wake = tokio::select! {
            biased;
            message = socket.socket.recv() => Wake::Client(message.and_then(Result::ok)),
            delivery = subscription.next() => Wake::Feed(delivery),
            _ = heartbeat.tick() => Wake::Heartbeat,
        };
        match wake {
            Wake::Feed(None) => {
                return socket.close(close_code::AWAY, "server shutting down").await
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
            Wake::Feed(Some(Delivery::Missed)) => catch_up = true,
            Wake::Feed(Some(Delivery::Change(change))) => {
                // The subscription carries only this order's changes.
                if change.seq <= last {
                    continue;
                }
                if socket
                    .send_text(change.track_socket_message())
                    .await
                    .is_err()
                {
                    return;
                }
                metrics.delivered(Transport::Ws, change.event.at);
                last = change.seq;
                if change.is_final {
                    return socket.close(close_code::NORMAL, "order complete").await;
                }
            }
        }
    }
}

/// Sends the order's state; its sequence number, or `None` when the order is
/// gone or already final (nothing more will come).
async fn send_state(
    state: &AppState,
    socket: &mut CountedSocket,
    order_id: Uuid,
    name: StreamEventName,
) -> Result<Option<u64>, Closed> {
    let snapshot = match snapshots::track(state.store.pool(), order_id).await {
        Ok(Some(s)) => s,
        Ok(None) => return Ok(None),
        Err(e) => {
            tracing::warn!(error = %e, "socket snapshot failed");
            return Err(Closed);
        }
    };
    socket
        .send_text(message::encode(snapshot.as_of, name, &snapshot))
        .await?;
    Ok((!snapshot.order.stage.is_final()).then_some(snapshot.as_of))
}

enum Replayed {
    /// A full page was sent, up to this sequence number: read again.
    More(u64),
    /// Caught up to this sequence number.
    UpTo(u64),
    /// The order's final stage was sent.
    Final,
}

/// Sends one page of the order's events after `last` from the log, or a
/// `reset` when the log no longer reaches back that far.
async fn replay(
    state: &AppState,
    socket: &mut CountedSocket,
    order_id: Uuid,
    last: u64,
) -> Result<Replayed, Closed> {
    let read = async {
        let mut conn = state.store.pool().acquire().await?;
        if !event_log::can_resume_after(&mut conn, last).await? {
            return Ok(None);
        }
        event_log::read_after(&mut conn, last, Some(order_id))
            .await
            .map(Some)
    };
    let events: Option<Vec<orderboard_model::OrderEvent>> = match read.await {
        Ok(events) => events,
        Err::<_, sqlx::Error>(e) => {
            tracing::warn!(error = %e, "socket catch-up failed");
            return Err(Closed);
        }
    };
    let Some(events) = events else {
        return match send_state(state, socket, order_id, StreamEventName::Reset).await? {
            Some(as_of) => Ok(Replayed::UpTo(as_of)),
            None => Ok(Replayed::Final),
        };
    };
    let full_page = events.len() as i64 == event_log::PAGE;
    let mut last = last;
    for event in &events {
        let text = message::encode(event.seq, StreamEventName::Order, &TrackEvent::from(event));
        socket.send_text(text).await?;
        state.transport_metrics.delivered(Transport::Ws, event.at);
        last = event.seq;
        if event.order.stage.is_final() {
            return Ok(Replayed::Final);
        }
    }
    Ok(if full_page {
        Replayed::More(last)
    } else {
        Replayed::UpTo(last)
    })
}
