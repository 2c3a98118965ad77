//! Short polling: the customer's page asks for its order every few seconds
//! with `If-None-Match`, and gets `304 Not Modified` while nothing changed.
//! The cheapest to build and the most wasteful to run.

use super::{count_failure, status_error, ClientContext, Endpoint, First, REQUEST_TIMEOUT};
use crate::accounting::{Follow, Tally};
use crate::kitchen::Assignment;
use orderboard_model::TrackedOrder;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reqwest::header::IF_NONE_MATCH;
use reqwest::StatusCode;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

enum Answer {
    State(TrackedOrder),
    Unchanged,
}

/// `GET /api/track/{token}`, conditional on the version already seen.
async fn ask(
    ctx: &ClientContext,
    ep: &Endpoint,
    token: &str,
    seen: Option<u64>,
) -> anyhow::Result<Answer> {
    let mut req = ep
        .http
        .get(format!("{}/api/track/{token}", ctx.base))
        .timeout(REQUEST_TIMEOUT);
    if let Some(v) = seen {
        req = req.header(IF_NONE_MATCH, format!("\"v{v}\""));
    }
    let res = req
        .send()
        .await
        .map_err(|e| anyhow::Error::new(e).context("poll"))?;
    match res.status() {
        StatusCode::OK => Ok(Answer::State(res.json().await?)),
        StatusCode::NOT_MODIFIED => Ok(Answer::Unchanged),
        status => Err(status_error("poll", status)),
    }
}

/// Polls every `interval`, at a phase of its own (seeded), and switches to
/// the slot's new order, asking at once, as soon as there is one.
pub async fn follow(
    ctx: &ClientContext,
    ep: &Endpoint,
    mut slot: watch::Receiver<Assignment>,
    interval: Duration,
    seed: u64,
) -> Tally {
    let mut tally = Tally::default();
    let Some(mut first) = First::acquire(ctx).await else {
        return tally;
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut assignment = slot.borrow_and_update().clone();
    let mut follow: Option<Follow> = None;
    let mut slot_open = true;
    let mut phased = false;
    let mut next = Instant::now();
    loop {
        tokio::select! {
            _ = ctx.close.cancelled() => break,
            changed = slot.changed(), if slot_open => {
                if changed.is_err() {
                    slot_open = false;
                    continue;
                }
                let now = slot.borrow_and_update().clone();
                if now.order != assignment.order {
                    assignment = now;
                    follow = None;
                    next = Instant::now();
                }
            }
            _ = tokio::time::sleep_until(next) => {
                tally.requests += 1;
                let answer = tokio::select! {
                    _ = ctx.close.cancelled() => break,
                    a = ask(ctx, ep, &assignment.token, follow.map(|f| f.last)) => a,
                };
                match (answer, follow.as_mut()) {
                    (Ok(Answer::State(order)), Some(f)) => tally.polled(f, &order),
                    (Ok(Answer::State(order)), None) => {
                        follow = Some(tally.begin(assignment.order, &order));
                        first.ok();
                    }
                    (Ok(Answer::Unchanged), Some(_)) => tally.unchanged += 1,
                    (Ok(Answer::Unchanged), None) => {
                        tally.error("poll: 304 to a request without If-None-Match");
                        first.failed();
                    }
                    (Err(e), _) => {
                        count_failure(&mut tally, &e);
                        first.failed();
                    }
                }
                let now = Instant::now();
                if !phased {
                    // Spread the customers over the interval.
                    phased = true;
                    next = now + interval.mul_f64(rng.random_range(0.0..1.0));
                } else {
                    next += interval;
                    if next < now {
                        next = now + interval;
                    }
                }
            }
        }
    }
    tally
}
