//! One SSE stream's whole life.
//!
//! 1. It subscribes to the change feed first, so nothing published from then
//!    on can slip past it.
//! 2. It starts with a `snapshot` (fresh connection), a `reset` (an id that
//!    cannot be replayed), or a replay from the event log of everything after
//!    the client's `Last-Event-ID`.
//! 3. Then it forwards live changes, skipping any it already sent (so there is
//!    no duplicate where replay and live overlap), and sends a comment as a
//!    heartbeat every interval (cheaper than re-arming a timer per event).
//! 4. A subscriber that fell behind the feed catches up from the log.
//!    A board stream with nothing waiting parks instead of listening
//!    ([`super::board_fan_out`]), and so does one that fell behind: the
//!    fan-out's recent frames reach further back than the feed's ring.
//!    When its socket is handed back full, it
//!    writes what did not fit and parks again; only when the fan-out no
//!    longer has what it lacks does it catch up from the log.
//! 5. It ends when the server shuts down (the feed closes), when a tracked order reaches a
//!    final stage, or when the client goes away (the body is dropped, and with
//!    it the subscription and the open-stream guard).

use super::board_fan_out::{Parking, Resume};
use super::encoder;
use super::open_streams::{OpenStreamGuard, StreamKind};
use super::resume::ResumeFrom;
use crate::error::ApiError;
use crate::feed::{published, Delivery, PublishedChange, Subscription};
use crate::store::{event_log, snapshots};
use crate::AppState;
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use futures_util::{FutureExt, StreamExt};
use orderboard_model::{StreamEventName, Transport};
use tokio::time::{interval_at, Instant, MissedTickBehavior};
use uuid::Uuid;

/// Who the stream is for, which decides what it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Dispatchers: every order, in full.
    Staff,
    /// Customer boards: every order, as a board shows it.
    Board,
    /// One customer: one order, as its tracking page shows it.
    Track(Uuid),
}

impl Audience {
    fn kind(self) -> StreamKind {
        match self {
            Audience::Staff => StreamKind::Staff,
            Audience::Board => StreamKind::Board,
            Audience::Track(_) => StreamKind::Track,
        }
    }

    fn only_order(self) -> Option<Uuid> {
        match self {
            Audience::Track(id) => Some(id),
            _ => None,
        }
    }

    /// Starts receiving the changes this audience is sent: a tracking
    /// stream listens only to its order.
    pub fn subscribe(self, state: &AppState) -> Subscription {
        match self {
            Audience::Track(id) => state.store.feed().subscribe_order(id),
            Audience::Staff | Audience::Board => state.store.feed().subscribe(),
        }
    }

    /// This audience's frame for a change. A tracking stream's subscription
    /// carries only its order's changes ([`Self::subscribe`]).
    fn frame(self, change: &PublishedChange) -> &Bytes {
        match self {
            Audience::Staff => &change.staff_frame,
            Audience::Board => &change.board_frame,
            Audience::Track(_) => &change.track_frame,
        }
    }

    /// Whether the stream is over after this change: a tracked order finished.
    fn ends_after(self, change: &PublishedChange) -> bool {
        matches!(self, Audience::Track(_)) && change.is_final
    }

    /// The state as of now, encoded as a `snapshot` or `reset` frame; also
    /// whether the stream ends with it (a tracked order that is already final).
    async fn state_frame(
        self,
        state: &AppState,
        name: StreamEventName,
    ) -> Result<Option<(u64, Bytes, bool)>, sqlx::Error> {
        let shared = matches!(self, Audience::Staff | Audience::Board);
        if let (true, Some(head)) = (shared, state.store.last_published()) {
            if let Some(frame) = state.snapshots.get(self.kind(), name, head) {
                return Ok(Some((head, frame, false)));
            }
        }
        let pool = state.store.pool();
        let built = match self {
            Audience::Staff => {
                let s = snapshots::staff(pool).await?;
                Some((s.as_of, encoder::event_frame(s.as_of, name, &s), false))
            }
            Audience::Board => {
                let s = snapshots::board(pool).await?;
                Some((s.as_of, encoder::event_frame(s.as_of, name, &s), false))
            }
            Audience::Track(id) => snapshots::track(pool, id).await?.map(|s| {
                let done = s.order.stage.is_final();
                (s.as_of, encoder::event_frame(s.as_of, name, &s), done)
            }),
        };
        if let (true, Some((as_of, frame, _))) = (shared, &built) {
            state
                .snapshots
                .put(self.kind(), name, *as_of, frame.clone());
        }
        Ok(built)
    }
}

/// Where a stream starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    Snapshot,
    Reset,
    ReplayAfter(u64),
}

impl Start {
    /// Decides how to start for what the client sent.
    pub async fn plan(state: &AppState, resume: ResumeFrom) -> Result<Start, ApiError> {
        Ok(match resume {
            ResumeFrom::Start => Start::Snapshot,
            ResumeFrom::Malformed => Start::Reset,
            ResumeFrom::After(seq) => {
                let mut conn = state.store.pool().acquire().await?;
                if event_log::can_resume_after(&mut conn, seq).await? {
                    Start::ReplayAfter(seq)
                } else {
                    Start::Reset
                }
            }
        })
    }
}

/// What a catch-up read from the event log.
enum Missed {
    /// The events after the client's last one (at most a page).
    Events(Vec<orderboard_model::OrderEvent>),
    /// The log no longer reaches back that far: a `reset` frame instead.
    Reset(Option<(u64, Bytes, bool)>),
}

async fn read_missed(
    state: &AppState,
    audience: Audience,
    last: u64,
) -> Result<Missed, sqlx::Error> {
    state.open_streams.caught_up_from_log();
    let mut conn = state.store.pool().acquire().await?;
    if !event_log::can_resume_after(&mut conn, last).await? {
        drop(conn);
        return Ok(Missed::Reset(
            audience.state_frame(state, StreamEventName::Reset).await?,
        ));
    }
    Ok(Missed::Events(
        event_log::read_after(&mut conn, last, audience.only_order()).await?,
    ))
}

/// What one turn of the live loop saw.
enum Wake {
    Park,
    Heartbeat,
    Feed(Option<Delivery>),
}

/// Builds the SSE response. `subscription` must be the audience's own
/// ([`Audience::subscribe`]), taken before `start` was planned, so that no
/// change falls between the two.
pub fn response(
    state: AppState,
    audience: Audience,
    start: Start,
    mut subscription: Subscription,
) -> Response {
    let guard = OpenStreamGuard::open(&state.open_streams, audience.kind());
    let settings = state.settings.clone();
    // Workshop mode counts the tracking streams' deliveries (see `workshop`).
    let tracked = audience.only_order().is_some();
    let metrics = state.transport_metrics.clone();
    let parking = (audience == Audience::Board).then(|| Parking::new(&state.board_fan_out));
    let link = parking.clone();
    let body = async_stream::stream! {
        let _guard = guard;
        yield encoder::retry_frame(settings.retry.as_millis() as u64);

        let (mut last, mut catch_up) = match start {
            Start::ReplayAfter(seq) => (seq, true),
            Start::Snapshot | Start::Reset => {
                let name = if start == Start::Reset { StreamEventName::Reset } else { StreamEventName::Snapshot };
                match Box::pin(audience.state_frame(&state, name)).await {
                    Ok(Some((as_of, frame, done))) => {
                        yield frame;
                        if done { return; }
                        (as_of, false)
                    }
                    Ok(None) => return,
                    Err(e) => { tracing::warn!(error = %e, "stream snapshot failed"); return; }
                }
            }
        };

        let mut heartbeat = interval_at(Instant::now() + settings.heartbeat, settings.heartbeat);
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        // The stream ends at shutdown when the feed closes: no shutdown waiter
        // is polled on every wake. The feed closes after the token is
        // cancelled, so a subscription taken after it closed sees this.
        if state.shutdown.is_cancelled() { return; }
        loop {
            // Replay from the log whatever the feed cannot give us.
            while catch_up {
                // Boxed: the stream's own state stays small for its whole life.
                let events = match Box::pin(read_missed(&state, audience, last)).await {
                    Ok(Missed::Events(events)) => events,
                    Ok(Missed::Reset(Some((as_of, frame, done)))) => {
                        // The log no longer reaches back to `last`: start over.
                        yield frame;
                        if done { return; }
                        last = as_of;
                        catch_up = false;
                        continue;
                    }
                    Ok(Missed::Reset(None)) => return,
                    Err(e) => { tracing::warn!(error = %e, "stream catch-up failed"); return; }
                };
                catch_up = events.len() as i64 == event_log::PAGE;
                // The log read is already narrowed to this audience's order,
                // if it has one: every event is for it, encoded once, for it.
                for event in &events {
                    yield published::order_frame(audience.kind(), event);
                    if tracked { metrics.delivered(Transport::Sse, event.at); }
                    last = event.seq;
                    if audience.only_order().is_some() && event.order.stage.is_final() { return; }
                }
            }

            // A board stream with nothing waiting for it parks: the board
            // fan-out writes to its socket until it hands the socket back.
            let parks_now = parking.as_ref().filter(|p| p.is_attached());
            let wake = match parks_now.map(|_| subscription.next().now_or_never()) {
                // Fallen behind the feed, it parks too: the fan-out's recent
                // frames reach further back than the feed's ring (and if
                // they do not, it is handed back to read the log).
                Some(Some(Some(Delivery::Missed))) => Wake::Park,
                Some(Some(delivery)) => Wake::Feed(delivery),
                Some(None) => Wake::Park,
                None => tokio::select! {
                    biased;
                    delivery = subscription.next() => Wake::Feed(delivery),
                    _ = heartbeat.tick() => Wake::Heartbeat,
                },
            };
            match wake {
                Wake::Park => {
                    let Some(parking) = &parking else { return };
                    // Parked, it listens to nothing: the fan-out follows the feed.
                    drop(subscription);
                    loop {
                        let Ok(Resume { from, unsent, park_again }) = parking.request(last).await else { return };
                        // Handed back. What the socket did not take goes first
                        // (the writer waits for the client to read it).
                        if !unsent.is_empty() { yield unsent; }
                        last = from;
                        // The socket was only full: the fan-out still has the rest.
                        if !park_again { break; }
                    }
                    // Whatever came after `last` is only in the log now.
                    subscription = audience.subscribe(&state);
                    catch_up = true;
                }
                Wake::Feed(None) => return,
                Wake::Heartbeat => yield encoder::heartbeat_frame(),
                Wake::Feed(Some(Delivery::Missed)) => catch_up = true,
                Wake::Feed(Some(Delivery::Change(change))) => {
                    if change.seq <= last { continue; }
                    yield audience.frame(&change).clone();
                    if tracked { metrics.delivered(Transport::Sse, change.event.at); }
                    last = change.seq;
                    if audience.ends_after(&change) { return; }
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

/// Opens a stream for an audience that has no other preconditions: subscribes,
/// then plans the start from what the client sent.
pub async fn open(
    state: AppState,
    audience: Audience,
    resume: ResumeFrom,
) -> Result<Response, ApiError> {
    let subscription = audience.subscribe(&state);
    let start = Start::plan(&state, resume).await?;
    Ok(response(state, audience, start, subscription))
}

/// The answer that tells EventSource to stop reconnecting.
pub fn no_more_events() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}
