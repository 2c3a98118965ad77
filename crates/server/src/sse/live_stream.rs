//! One SSE stream's whole life, on a [`Cursor`].
//!
//! 1. The cursor gives the start (a `snapshot`, a `reset`, or a replay from
//!    the event log after the client's `Last-Event-ID`), then every live
//!    change once, in order, catching up from the log when it fell behind.
//! 2. This loop writes what the cursor yields, and a comment as a heartbeat
//!    every interval (cheaper than re-arming a timer per event).
//! 3. A board stream with nothing waiting parks instead of listening
//!    ([`crate::fan_out`]), and so does one that fell behind: the
//!    fan-out's recent frames reach further back than the feed's ring.
//!    When its socket is handed back full, it writes what did not fit and
//!    parks again; only when the fan-out no longer has what it lacks does it
//!    catch up from the log.
//! 4. It ends when the cursor does (a tracked order finished, or the
//!    application shut down and the feed closed), or when the client goes
//!    away or its listener stops (the writer drops the stream, and with it the
//!    subscription and the open-stream guard).

use super::Streams;
use crate::error::ApiError;
use crate::fan_out::{Parking, Resume};
use crate::stream::open_streams::OpenStreamGuard;
use crate::stream::resume::ResumeFrom;
use crate::stream::{Audience, Cursor, Opened, Ready, Step};
use crate::wire::sse as encoder;
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use orderboard_model::Transport;
use tokio::time::{interval_at, Instant, MissedTickBehavior};

/// What one turn of the live loop saw.
enum Wake {
    Park,
    Heartbeat,
    Cursor(Result<Step, crate::store::StoreError>),
}

/// Builds the SSE response for an opened cursor.
pub fn response(streams: Streams, mut cursor: Cursor) -> Response {
    let audience = cursor.audience().clone();
    let guard = OpenStreamGuard::open(&streams.source.open_streams, audience.kind());
    let (retry, heartbeat_every) = (streams.retry, streams.heartbeat);
    // Workshop mode counts the tracking streams' deliveries (see `workshop`).
    // (The SSE lane is the one-order stream; a browser's combined tracking
    // stream is not metered.)
    let tracked = matches!(audience, Audience::Track(_));
    let metrics = streams.transport_metrics.clone();
    let parking = (audience == Audience::Board).then(|| Parking::new(&streams.fan_out));
    let link = parking.clone();
    let shutdown = streams.shutdown.clone();
    let body = async_stream::stream! {
        let _guard = guard;
        yield encoder::retry_frame(retry.as_millis() as u64);
        let mut heartbeat = interval_at(Instant::now() + heartbeat_every, heartbeat_every);
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        // The stream ends at shutdown when the feed closes: no shutdown
        // waiter is polled on every wake. The feed closes after the token is
        // cancelled, so a subscription taken after it closed sees this.
        if shutdown.is_cancelled() { return; }
        loop {
            // A board stream with nothing waiting for it parks: the board
            // fan-out writes to its socket until it hands the socket back.
            let parks = parking.as_ref().is_some_and(|p| p.is_attached()) && cursor.is_live();
            let wake = match parks.then(|| cursor.ready_now()) {
                Some(Ready::Step(step)) => Wake::Cursor(Ok(step)),
                // Fallen behind the feed, it parks too: the fan-out's recent
                // frames reach further back than the feed's ring (and if
                // they do not, it is handed back to read the log).
                Some(Ready::Behind | Ready::Wait) => Wake::Park,
                None => tokio::select! {
                    biased;
                    step = cursor.next() => Wake::Cursor(step),
                    _ = heartbeat.tick() => Wake::Heartbeat,
                },
            };
            match wake {
                Wake::Park => {
                    let Some(parking) = &parking else { return };
                    // Parked, it listens to nothing: the fan-out follows the feed.
                    let mut last = cursor.park();
                    loop {
                        // Handed back: the writer has written what the socket
                        // did not take (waiting for the client to read it).
                        let Ok(Resume { from, park_again }) = parking.request(last).await else { return };
                        last = from;
                        // The socket was only full: the fan-out still has the rest.
                        if !park_again { break; }
                    }
                    // Whatever came after `last` is only in the log now.
                    cursor.unpark(last);
                }
                Wake::Heartbeat => yield encoder::heartbeat_frame(),
                Wake::Cursor(Ok(Step::State(frame) | Step::Queue(frame))) => yield frame,
                Wake::Cursor(Ok(Step::Change { frame, at })) => {
                    yield frame;
                    if tracked { metrics.delivered(Transport::Sse, at); }
                }
                Wake::Cursor(Ok(Step::End | Step::Closed)) => return,
                Wake::Cursor(Err(e)) => {
                    tracing::warn!(error = %e, "a stream could not read what it must send");
                    return;
                }
            }
        }
    };
    let mut response = super::stream_response::response(body);
    if let Some(link) = link {
        response.extensions_mut().insert(link);
    }
    response
}

/// Opens a stream for `audience` from what the client sent: the stream, or
/// `204` for a client that already saw its tracked order's end.
pub async fn open(
    streams: Streams,
    audience: Audience,
    from: ResumeFrom,
) -> Result<Response, ApiError> {
    let opened = Cursor::open(&streams.source, audience.clone(), audience.sse(), from).await?;
    Ok(match opened {
        Opened::Cursor(cursor) => response(streams, cursor),
        Opened::Finished => no_more_events(),
    })
}

/// The answer that tells EventSource to stop reconnecting.
pub fn no_more_events() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}
