//! Who a stream is for, which decides what it listens to and what it may see.

use super::open_streams::StreamKind;
use crate::feed::{ChangeFeed, Subscription};
use crate::store::snapshots::{self, Snapshot};
use crate::store::Database;
use crate::wire::Encoding;
use orderboard_model::OrderEvent;
use std::sync::Arc;
use uuid::Uuid;

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
    pub fn kind(self) -> StreamKind {
        match self {
            Audience::Staff => StreamKind::Staff,
            Audience::Board => StreamKind::Board,
            Audience::Track(_) => StreamKind::Track,
        }
    }

    /// The one order this audience follows, if it follows one.
    pub fn order(self) -> Option<Uuid> {
        match self {
            Audience::Track(id) => Some(id),
            Audience::Staff | Audience::Board => None,
        }
    }

    /// Its SSE encoding.
    pub fn sse(self) -> Encoding {
        match self {
            Audience::Staff => Encoding::StaffSse,
            Audience::Board => Encoding::BoardSse,
            Audience::Track(_) => Encoding::TrackSse,
        }
    }

    /// Whether every stream of this audience gets the same snapshot (so one
    /// encoded snapshot can be shared).
    pub(super) fn shares_snapshots(self) -> bool {
        self.order().is_none()
    }

    /// Starts receiving the changes this audience is sent: a tracking
    /// stream listens only to its order.
    pub fn subscribe(self, feed: &Arc<dyn ChangeFeed>) -> Subscription {
        match self {
            Audience::Track(id) => feed.subscribe_order(id),
            Audience::Staff | Audience::Board => feed.subscribe(),
        }
    }

    /// The state as of now, or `None` for a tracked order that is gone.
    pub(super) async fn snapshot(self, db: &Database) -> Result<Option<Snapshot>, sqlx::Error> {
        Ok(match self {
            Audience::Staff => Some(Snapshot::Staff(snapshots::staff(db).await?)),
            Audience::Board => Some(Snapshot::Board(snapshots::board(db).await?)),
            Audience::Track(id) => snapshots::track(db, id).await?.map(Snapshot::Track),
        })
    }

    /// Whether the stream is over once it has sent this change: a tracked
    /// order reached a final stage.
    pub(super) fn ends_with(self, event: &OrderEvent) -> bool {
        self.order().is_some() && event.order.stage.is_final()
    }
}
