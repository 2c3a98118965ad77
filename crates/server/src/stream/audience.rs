//! Who a stream is for, which decides what it listens to and what it may see.

use super::open_streams::StreamKind;
use crate::feed::{ChangeFeed, Subscription};
use crate::store::snapshots::{self, Snapshot};
use crate::store::Database;
use crate::wire::Encoding;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Dispatchers: every order, in full.
    Staff,
    /// Customer boards: every order, as a board shows it.
    Board,
    /// One customer: one order, as its tracking page shows it.
    Track(Uuid),
    /// One browser's tracking pages: a few orders (distinct, at most
    /// [`orderboard_model::MAX_TRACKED_ORDERS`]), each as its tracking page
    /// shows it, on one stream.
    Tracks(Arc<[Uuid]>),
}

impl Audience {
    pub fn kind(&self) -> StreamKind {
        match self {
            Audience::Staff => StreamKind::Staff,
            Audience::Board => StreamKind::Board,
            Audience::Track(_) | Audience::Tracks(_) => StreamKind::Track,
        }
    }

    /// The orders this audience follows, if it follows some rather than all.
    pub fn orders(&self) -> Option<&[Uuid]> {
        match self {
            Audience::Track(id) => Some(std::slice::from_ref(id)),
            Audience::Tracks(ids) => Some(ids),
            Audience::Staff | Audience::Board => None,
        }
    }

    /// Its SSE encoding.
    pub fn sse(&self) -> Encoding {
        match self {
            Audience::Staff => Encoding::StaffSse,
            Audience::Board => Encoding::BoardSse,
            Audience::Track(_) => Encoding::TrackSse,
            Audience::Tracks(_) => Encoding::TracksSse,
        }
    }

    /// Whether every stream of this audience gets the same snapshot (so one
    /// encoded snapshot can be shared).
    pub(super) fn shares_snapshots(&self) -> bool {
        self.orders().is_none()
    }

    /// Starts receiving the changes this audience is sent: a tracking
    /// stream listens only to its orders.
    pub fn subscribe(&self, feed: &Arc<dyn ChangeFeed>) -> Subscription {
        match self {
            Audience::Track(id) => feed.subscribe_order(*id),
            Audience::Tracks(ids) => feed.subscribe_orders(ids.clone()),
            Audience::Staff | Audience::Board => feed.subscribe(),
        }
    }

    /// The state as of now, or `None` for a tracked order that is gone (or
    /// tracked orders that are all gone).
    pub(super) async fn snapshot(&self, db: &Database) -> Result<Option<Snapshot>, sqlx::Error> {
        Ok(match self {
            Audience::Staff => Some(Snapshot::Staff(snapshots::staff(db).await?)),
            Audience::Board => Some(Snapshot::Board(snapshots::board(db).await?)),
            Audience::Track(id) => snapshots::track(db, *id).await?.map(Snapshot::Track),
            Audience::Tracks(ids) => snapshots::tracks(db, ids).await?,
        })
    }

    /// The followed orders still to finish, as of `snapshot`: a stream of
    /// tracked orders ends once none is left.
    pub(super) fn unfinished_in(&self, snapshot: &Snapshot) -> Vec<Uuid> {
        match (self, snapshot) {
            (Audience::Track(id), Snapshot::Track(s)) if !s.order.stage.is_final() => vec![*id],
            (_, Snapshot::Tracks { unfinished, .. }) => unfinished.clone(),
            _ => Vec::new(),
        }
    }
}
