//! SSE over database polling, the tutorials' sample: one long-lived
//! `GET /api/workshop/sse-db-poll/{token}?interval_ms=N`, in which the server
//! queries the database every interval and sends the order when its version
//! moved. Its events carry no id, so a dropped stream starts over; and since
//! the server only looks every interval, a client may miss versions between
//! two looks, as a polling client does.

use super::{
    next_assignment, pause, ClientContext, Endpoint, First, Next, WatchedEvents, REQUEST_TIMEOUT,
};
use crate::accounting::{Follow, Tally};
use crate::kitchen::Assignment;
use orderboard_model::TrackedOrder;
use reqwest::header::ACCEPT;
use reqwest::StatusCode;
use std::time::Duration;
use tokio::sync::watch;

/// Follows the slot's order, then the next one, until the run closes.
pub async fn follow(
    ctx: &ClientContext,
    ep: &Endpoint,
    mut slot: watch::Receiver<Assignment>,
    interval: Duration,
) -> Tally {
    let mut tally = Tally::default();
    let Some(mut first) = First::acquire(ctx).await else {
        return tally;
    };
    let mut assignment = slot.borrow_and_update().clone();
    while stream_order(ctx, ep, &assignment, interval, &mut tally, &mut first).await {
        match next_assignment(ctx, &mut slot, &assignment).await {
            Some(next) => assignment = next,
            None => break,
        }
    }
    tally
}

/// One order, followed until its final stage (`true`) or the run's end (`false`).
async fn stream_order(
    ctx: &ClientContext,
    ep: &Endpoint,
    assignment: &Assignment,
    interval: Duration,
    tally: &mut Tally,
    first: &mut First,
) -> bool {
    let url = format!(
        "{}/api/workshop/sse-db-poll/{}?interval_ms={}",
        ctx.base,
        assignment.token,
        interval.as_millis()
    );
    let mut follow: Option<Follow> = None;
    let mut attempt = 0u32;
    loop {
        tally.requests += 1;
        let req = ep.http.get(&url).header(ACCEPT, "text/event-stream");
        let sent = tokio::select! {
            _ = ctx.close.cancelled() => return false,
            r = tokio::time::timeout(REQUEST_TIMEOUT, req.send()) => r,
        };
        let why = match sent {
            Ok(Ok(res)) if res.status() == StatusCode::OK => {
                match read_stream(ctx, res, assignment, &mut follow, tally, first).await {
                    None => return false,
                    Some(Ok(())) => return true,
                    Some(Err(why)) => why,
                }
            }
            Ok(Ok(res)) => {
                tally.refused += u64::from(res.status() == StatusCode::SERVICE_UNAVAILABLE);
                format!("sse-db-poll: {}", res.status())
            }
            Ok(Err(e)) => format!("sse-db-poll: {:#}", anyhow::Error::new(e)),
            Err(_) => format!(
                "sse-db-poll: no answer within {} s",
                REQUEST_TIMEOUT.as_secs()
            ),
        };
        tally.error(why);
        if follow.is_some() {
            attempt = 0;
        } else {
            first.failed();
        }
        if !pause(ctx, attempt).await {
            return false;
        }
        attempt += 1;
    }
}

/// Reads one connection's events: `Some(Ok)` once the order's final stage
/// arrived, `Some(Err(why))` if the stream failed first, `None` if the run closed.
async fn read_stream(
    ctx: &ClientContext,
    res: reqwest::Response,
    assignment: &Assignment,
    follow: &mut Option<Follow>,
    tally: &mut Tally,
    first: &mut First,
) -> Option<Result<(), String>> {
    let mut events = WatchedEvents::new(res);
    loop {
        let event = match events.next(ctx, "sse-db-poll").await {
            Next::Closed => return None,
            Next::Event(event) => event,
            Next::Ended => {
                return Some(Err(
                    "sse-db-poll: the stream ended before the order's final stage".into(),
                ))
            }
            Next::Failed(why) | Next::Silent(why) => return Some(Err(why)),
        };
        if event.event != "order" {
            continue;
        }
        let order = match serde_json::from_str::<TrackedOrder>(&event.data) {
            Ok(order) => order,
            Err(e) => {
                tally.error(format_args!(
                    "sse-db-poll: an order that does not parse: {e}"
                ));
                continue;
            }
        };
        match follow {
            Some(f) => tally.polled(f, &order),
            None => {
                *follow = Some(tally.begin(assignment.order, &order));
                first.ok();
            }
        }
        if order.stage.is_final() {
            return Some(Ok(()));
        }
    }
}
