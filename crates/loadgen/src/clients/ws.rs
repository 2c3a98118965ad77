//! WebSocket: `GET /api/track/{token}/ws` upgraded to a socket that carries
//! the same `snapshot`, `order` and `reset` payloads as SSE, each a JSON
//! `SocketMessage`; the server closes it after the order's final stage. A
//! dropped socket resumes with `?last_event_id=N`.

use super::{
    next_assignment, pause, ClientContext, Endpoint, First, PushSession, IDLE_CHECK,
    REQUEST_TIMEOUT, STREAM_IDLE,
};
use crate::accounting::Tally;
use crate::kitchen::Assignment;
use crate::target::ws_url;
use futures_util::{SinkExt, StreamExt};
use orderboard_model::{SocketMessage, TrackEvent, TrackSnapshot};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Follows the slot's order, then the next one, until the run closes.
pub async fn follow(
    ctx: &ClientContext,
    ep: &Endpoint,
    mut slot: watch::Receiver<Assignment>,
) -> Tally {
    let mut tally = Tally::default();
    let Some(mut first) = First::acquire(ctx).await else {
        return tally;
    };
    let mut assignment = slot.borrow_and_update().clone();
    while socket_order(ctx, ep, &assignment, &mut tally, &mut first).await {
        match next_assignment(ctx, &mut slot, &assignment).await {
            Some(next) => assignment = next,
            None => break,
        }
    }
    tally
}

/// Follows one order until the server closes the socket after the final
/// stage (`true`) or the run closes (`false`).
async fn socket_order(
    ctx: &ClientContext,
    ep: &Endpoint,
    assignment: &Assignment,
    tally: &mut Tally,
    first: &mut First,
) -> bool {
    let mut session = PushSession::new(assignment.order);
    let mut last_id: Option<u64> = None;
    let mut attempt = 0u32;
    loop {
        tally.requests += 1;
        let mut url = ws_url(&ctx.base, &format!("/api/track/{}/ws", assignment.token));
        if let Some(id) = last_id {
            url.push_str(&format!("?last_event_id={id}"));
        }
        let connected = tokio::select! {
            _ = ctx.close.cancelled() => return false,
            r = tokio::time::timeout(REQUEST_TIMEOUT, connect(ctx, ep, url)) => r,
        };
        let mut refused = false;
        let why = match connected {
            Ok(Ok(socket)) => {
                match read_socket(ctx, socket, &mut session, &mut last_id, tally, first).await {
                    None => return false,
                    Some(Ok(())) => return true,
                    Some(Err(why)) => why,
                }
            }
            Ok(Err(tungstenite::Error::Http(res))) => {
                refused = res.status() == tungstenite::http::StatusCode::SERVICE_UNAVAILABLE;
                format!("ws: {}", res.status())
            }
            Ok(Err(e)) => format!("ws: {e}"),
            Err(_) => format!("ws: no handshake within {} s", REQUEST_TIMEOUT.as_secs()),
        };
        if session.started() {
            attempt = 0;
        }
        session.failed(tally, first, refused, &why);
        if !pause(ctx, attempt).await {
            return false;
        }
        attempt += 1;
    }
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A customer's socket carries small messages: the library's default 128 KiB
/// read buffer per connection would cost thousands of customers gigabytes.
fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(0)
}

/// Opens the socket, from the endpoint's source address when it has one.
async fn connect(
    ctx: &ClientContext,
    ep: &Endpoint,
    url: String,
) -> Result<Socket, tungstenite::Error> {
    let (Some(local), Some(server)) = (ep.local, ctx.server) else {
        return tokio_tungstenite::connect_async_with_config(url, Some(config()), true)
            .await
            .map(|(socket, _)| socket);
    };
    let socket = if local.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.bind(SocketAddr::new(local, 0))?;
    let stream = socket.connect(server).await?;
    stream.set_nodelay(true)?;
    tokio_tungstenite::client_async_with_config(url, MaybeTlsStream::Plain(stream), Some(config()))
        .await
        .map(|(socket, _)| socket)
}

/// Reads one socket's messages: `Some(Ok)` if it closed after the final
/// stage, `Some(Err(why))` if it failed or dropped first, `None` if the run
/// closed (the socket is closed politely).
async fn read_socket(
    ctx: &ClientContext,
    mut socket: Socket,
    session: &mut PushSession,
    last_id: &mut Option<u64>,
    tally: &mut Tally,
    first: &mut First,
) -> Option<Result<(), String>> {
    let mut heard = Instant::now();
    loop {
        let next = tokio::select! {
            _ = ctx.close.cancelled() => {
                let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
                return None;
            }
            n = tokio::time::timeout(IDLE_CHECK, socket.next()) => n,
        };
        let message = match next {
            Err(_) => {
                if heard.elapsed() >= STREAM_IDLE {
                    return Some(Err(format!("ws: no frame for {} s", STREAM_IDLE.as_secs())));
                }
                // Ask for a pong: any answer shows the connection lives.
                let ping = tokio::time::timeout(
                    REQUEST_TIMEOUT,
                    socket.send(Message::Ping(Default::default())),
                );
                if !matches!(ping.await, Ok(Ok(()))) {
                    return Some(Err("ws: a ping could not be sent".into()));
                }
                continue;
            }
            Ok(None) | Ok(Some(Err(_))) if session.finished => return Some(Ok(())),
            Ok(None) => {
                return Some(Err(
                    "ws: the socket ended before the order's final stage".into()
                ))
            }
            Ok(Some(Err(e))) => return Some(Err(format!("ws: {e}"))),
            Ok(Some(Ok(message))) => message,
        };
        heard = Instant::now();
        let Message::Text(text) = message else {
            continue;
        };
        let message = match serde_json::from_str::<SocketMessage<serde_json::Value>>(text.as_str())
        {
            Ok(m) => m,
            Err(e) => {
                tally.error(format_args!("ws: a message that does not parse: {e}"));
                continue;
            }
        };
        *last_id = Some(message.id);
        match message.event.as_str() {
            "snapshot" | "reset" => match serde_json::from_value::<TrackSnapshot>(message.data) {
                Ok(s) => session.state(tally, first, &s.order),
                Err(e) => tally.error(format_args!(
                    "ws: a {} that does not parse: {e}",
                    message.event
                )),
            },
            "order" => match serde_json::from_value::<TrackEvent>(message.data) {
                Ok(e) if session.started() => session.state(tally, first, &e.order),
                Ok(_) => tally.error("ws: an order message before the snapshot"),
                Err(e) => tally.error(format_args!(
                    "ws: an order message that does not parse: {e}"
                )),
            },
            _ => {}
        }
    }
}
