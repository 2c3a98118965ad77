//! Orders and events for the state modules' tests.

use orderboard_model::{Change, ChangeKind, Channel, Item, Order, OrderEvent, Stage, StageEntry};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub fn t0() -> OffsetDateTime {
    datetime!(2026-03-14 12:00:00 UTC)
}

/// A fresh pickup order with display number `n`, created `n` minutes after `t0`.
pub fn order(n: u32) -> Order {
    let at = t0() + Duration::minutes(n as i64);
    Order {
        id: Uuid::from_u128(n as u128),
        number: n,
        customer: Some(format!("Guest {n}")),
        channel: Channel::Pickup,
        items: vec![Item {
            name: "Falafel wrap".into(),
            qty: 2,
            ..Item::default()
        }],
        note: None,
        stage: Stage::Received,
        version: 1,
        created_at: at,
        updated_at: at,
        history: vec![StageEntry {
            stage: Stage::Received,
            at,
        }],
        tracking_token: format!("token{n}"),
        external_ref: None,
        table: None,
        due_at: None,
    }
}

pub fn delivery(n: u32) -> Order {
    Order {
        channel: Channel::Delivery,
        ..order(n)
    }
}

/// The order after moving to `to`, one minute after its last change.
pub fn moved(o: &Order, to: Stage) -> Order {
    let at = o.updated_at + Duration::minutes(1);
    let mut next = o.clone();
    next.stage = to;
    next.version += 1;
    next.updated_at = at;
    next.history.push(StageEntry { stage: to, at });
    next
}

pub fn created_event(seq: u64, order: Order) -> OrderEvent {
    OrderEvent {
        seq,
        at: order.updated_at,
        change: Change {
            from: None,
            to: order.stage,
            kind: ChangeKind::Created,
            item: None,
        },
        order,
    }
}

pub fn change_event(seq: u64, before: &Order, after: Order) -> OrderEvent {
    let kind = before
        .machine()
        .check(after.stage)
        .map(|t| t.kind)
        .unwrap_or(ChangeKind::Advance);
    OrderEvent {
        seq,
        at: after.updated_at,
        change: Change {
            from: Some(before.stage),
            to: after.stage,
            kind,
            item: None,
        },
        order: after,
    }
}
