//! Server-Sent Events: one long-lived `GET /api/track/{token}/events`; the
//! server pushes a `snapshot`, then an `order` event per change, and ends the
//! stream after the order's final stage. A dropped stream resumes with
//! `Last-Event-ID`, as EventSource does.

use super::{
    next_assignment, pause, ClientContext, Endpoint, First, Next, PushSession, WatchedEvents,
    REQUEST_TIMEOUT,
};
use crate::accounting::Tally;
use crate::kitchen::Assignment;
use orderboard_model::{TrackEvent, TrackSnapshot};
use reqwest::header::ACCEPT;
use reqwest::StatusCode;
use tokio::sync::watch;

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
    while stream_order(ctx, ep, &assignment, &mut tally, &mut first).await {
        match next_assignment(ctx, &mut slot, &assignment).await {
            Some(next) => assignment = next,
            None => break,
        }
    }
    tally
}

/// Follows one order until its stream ends after the final stage (`true`)
/// or the run closes (`false`).
async fn stream_order(
    ctx: &ClientContext,
    ep: &Endpoint,
    assignment: &Assignment,
    tally: &mut Tally,
    first: &mut First,
) -> bool {
    let url = format!("{}/api/track/{}/events", ctx.base, assignment.token);
    let mut session = PushSession::new(assignment.order);
    let mut last_id: Option<String> = None;
    let mut attempt = 0u32;
    loop {
        tally.requests += 1;
        let mut req = ep.http.get(&url).header(ACCEPT, "text/event-stream");
        if let Some(id) = &last_id {
            req = req.header("Last-Event-ID", id.as_str());
        }
        let sent = tokio::select! {
            _ = ctx.close.cancelled() => return false,
            r = tokio::time::timeout(REQUEST_TIMEOUT, req.send()) => r,
        };
        let mut refused = false;
        let why = match sent {
            Ok(Ok(res)) if res.status() == StatusCode::NO_CONTENT => return true,
            Ok(Ok(res)) if res.status() == StatusCode::OK => {
                match read_stream(ctx, res, &mut session, &mut last_id, tally, first).await {
                    None => return false,
                    Some(Ok(())) => return true,
                    Some(Err(why)) => why,
                }
            }
            Ok(Ok(res)) => {
                refused = res.status() == StatusCode::SERVICE_UNAVAILABLE;
                format!("sse: {}", res.status())
            }
            Ok(Err(e)) => format!("sse: {:#}", anyhow::Error::new(e)),
            Err(_) => format!("sse: no answer within {} s", REQUEST_TIMEOUT.as_secs()),
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

/// Reads one connection's events: `Some(Ok)` if it ended after the final
/// stage, `Some(Err(why))` if it failed or dropped first, `None` if the run closed.
async fn read_stream(
    ctx: &ClientContext,
    res: reqwest::Response,
    session: &mut PushSession,
    last_id: &mut Option<String>,
    tally: &mut Tally,
    first: &mut First,
) -> Option<Result<(), String>> {
    let mut events = WatchedEvents::new(res);
    loop {
        let event = match events.next(ctx, "sse").await {
            Next::Closed => return None,
            Next::Event(event) => event,
            Next::Silent(why) => return Some(Err(why)),
            Next::Ended | Next::Failed(_) if session.finished => return Some(Ok(())),
            Next::Ended => {
                return Some(Err(
                    "sse: the stream ended before the order's final stage".into()
                ))
            }
            Next::Failed(why) => return Some(Err(why)),
        };
        if !event.id.is_empty() {
            *last_id = Some(event.id.clone());
        }
        match event.event.as_str() {
            "snapshot" | "reset" => match serde_json::from_str::<TrackSnapshot>(&event.data) {
                Ok(s) => session.state(tally, first, &s.order),
                Err(e) => tally.error(format_args!(
                    "sse: a {} that does not parse: {e}",
                    event.event
                )),
            },
            "order" => match serde_json::from_str::<TrackEvent>(&event.data) {
                Ok(e) if session.started() => session.state(tally, first, &e.order),
                Ok(_) => tally.error("sse: an order event before the snapshot"),
                Err(e) => tally.error(format_args!("sse: an order event that does not parse: {e}")),
            },
            _ => {}
        }
    }
}
