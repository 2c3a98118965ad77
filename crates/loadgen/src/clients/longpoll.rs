//! Long polling: the customer's page asks for a version newer than the one it
//! has, the server holds the request until there is one (or answers `204`
//! after its timeout), and the page asks again at once.

use super::{
    count_failure, next_assignment, pause, status_error, ClientContext, Endpoint, First,
    REQUEST_TIMEOUT,
};
use crate::accounting::{Follow, Tally};
use crate::kitchen::Assignment;
use orderboard_model::TrackedOrder;
use reqwest::StatusCode;
use std::time::Duration;
use tokio::sync::watch;

/// How long the server is asked to hold a request.
pub const HOLD: Duration = Duration::from_secs(30);

/// How long a request in flight may still answer once the customer's slot
/// has moved on to another order.
const MOVE_ON_GRACE: Duration = Duration::from_secs(2);

enum Answer {
    State(TrackedOrder),
    Timeout,
}

/// `GET /api/track/{token}/longpoll?after_version=N&timeout_secs=30`.
async fn ask(
    ctx: &ClientContext,
    ep: &Endpoint,
    token: &str,
    after: u64,
) -> anyhow::Result<Answer> {
    let url = format!(
        "{}/api/track/{token}/longpoll?after_version={after}&timeout_secs={}",
        ctx.base,
        HOLD.as_secs()
    );
    let res = ep
        .http
        .get(url)
        .timeout(HOLD + REQUEST_TIMEOUT)
        .send()
        .await
        .map_err(|e| anyhow::Error::new(e).context("long poll"))?;
    match res.status() {
        StatusCode::OK => Ok(Answer::State(res.json().await?)),
        StatusCode::NO_CONTENT => Ok(Answer::Timeout),
        status => Err(status_error("long poll", status)),
    }
}

/// Asks again and again; once its order is finished, waits for the slot's
/// next one (a request in flight when the slot moves on may still answer for
/// a moment: it usually carries the change that finished the order).
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
    let mut follow: Option<Follow> = None;
    let mut finished = false;
    let mut slot_open = true;
    let mut attempt = 0u32;
    loop {
        if finished {
            match next_assignment(ctx, &mut slot, &assignment).await {
                Some(next) => {
                    assignment = next;
                    follow = None;
                    finished = false;
                }
                None => break,
            }
        }
        tally.requests += 1;
        let token = assignment.token.clone();
        let asking = ask(ctx, ep, &token, follow.map_or(0, |f| f.last));
        tokio::pin!(asking);
        let mut moved_on = None;
        let answer = tokio::select! {
            _ = ctx.close.cancelled() => break,
            changed = slot.changed(), if slot_open => {
                if changed.is_err() {
                    slot_open = false;
                    continue;
                }
                let now = slot.borrow_and_update().clone();
                if now.order == assignment.order {
                    continue;
                }
                // The slot moves on when the order finishes: the answer that
                // carries the finishing change is on its way. Count it first.
                match tokio::time::timeout(MOVE_ON_GRACE, &mut asking).await {
                    Ok(answer) => {
                        moved_on = Some(now);
                        answer
                    }
                    Err(_) => {
                        assignment = now;
                        follow = None;
                        continue;
                    }
                }
            }
            a = &mut asking => a,
        };
        match (answer, follow.as_mut()) {
            (Ok(Answer::State(order)), f) => {
                attempt = 0;
                finished = order.stage.is_final();
                match f {
                    Some(f) => tally.polled(f, &order),
                    None => {
                        follow = Some(tally.begin(assignment.order, &order));
                        first.ok();
                    }
                }
            }
            (Ok(Answer::Timeout), Some(_)) => tally.unchanged += 1,
            (failure, _) => {
                match failure {
                    Err(e) => count_failure(&mut tally, &e),
                    Ok(_) => tally.error("long poll: 204 to the first request"),
                }
                first.failed();
                if !pause(ctx, attempt).await {
                    break;
                }
                attempt += 1;
            }
        }
        if let Some(next) = moved_on {
            assignment = next;
            follow = None;
            finished = false;
        }
    }
    tally
}
