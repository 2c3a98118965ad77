//! What a write does to an order, decided once for both backends.
//!
//! The writers (`sqlite::writer`, `postgres::writer`) read the order, ask
//! here what the change makes of it (the stage machine's check, the version
//! check, the limit of changes), and write the result. Only the question
//! "is this number free again?" needs the database: a planned change says
//! when it must be asked ([`Planned::reopens`]).

use super::{tracking_token, StoreError};
use orderboard_model::{
    Change, ChangeKind, ErrorCode, Item, NewOrder, Order, StageChangeRequest, StageEntry,
    StageMachine,
};
use time::OffsetDateTime;
use uuid::Uuid;

/// A new order in its first stage, with its display number.
pub fn new_order(new: NewOrder, number: u32, at: OffsetDateTime) -> (Order, Change) {
    let first = StageMachine::for_new(new.channel, new.due_at.is_some()).stage;
    let order = Order {
        id: Uuid::new_v4(),
        number,
        customer: new.customer,
        channel: new.channel,
        items: new.items.into_iter().map(Item::from).collect(),
        note: new.note,
        stage: first,
        version: 1,
        created_at: at,
        updated_at: at,
        history: vec![StageEntry { stage: first, at }],
        tracking_token: tracking_token::generate(),
        external_ref: new.external_ref,
        table: new.table,
        due_at: new.due_at,
    };
    let change = Change {
        from: None,
        to: first,
        kind: ChangeKind::Created,
        item: None,
    };
    (order, change)
}

/// A stage change that may be written.
pub struct Planned {
    /// The order after the change.
    pub order: Order,
    pub change: Change,
    /// The order comes back from a final stage: its display number must not
    /// be held by another active order ([`number_in_use`]).
    pub reopens: bool,
}

/// Checks a stage change against the order as it stands.
pub fn stage_change(
    order: &Order,
    request: &StageChangeRequest,
    at: OffsetDateTime,
) -> Result<Planned, StoreError> {
    if let Some(expected) = request.expected_version {
        if expected != order.version {
            return Err(refused(
                ErrorCode::VersionConflict,
                format!(
                    "order #{} was changed by someone else: it is at version {} ({}), not {expected}",
                    order.number, order.version, order.stage
                ),
                order,
            ));
        }
    }
    if order.version > orderboard_model::order::MAX_CHANGES {
        return Err(refused(
            ErrorCode::TooManyChanges,
            format!(
                "order #{} has taken {} changes, the most one order may take; make a new order instead",
                order.number,
                order.version - 1
            ),
            order,
        ));
    }
    let transition = order.machine().check(request.to).map_err(|e| {
        refused(
            ErrorCode::StageConflict,
            format!("order #{}: {e}", order.number),
            order,
        )
    })?;
    let change = Change {
        from: Some(order.stage),
        to: transition.to,
        kind: transition.kind,
        item: None,
    };
    let mut after = order.clone();
    after.stage = transition.to;
    after.version += 1;
    after.updated_at = at;
    after.history.push(StageEntry {
        stage: transition.to,
        at,
    });
    Ok(Planned {
        reopens: order.stage.is_final() && !request.to.is_final(),
        order: after,
        change,
    })
}

/// The refusal of a change that would bring an order back while another
/// active order holds its number.
pub fn number_in_use(order: &Order) -> StoreError {
    refused(
        ErrorCode::NumberInUse,
        format!(
            "order #{} cannot come back: another active order has number {}",
            order.number, order.number
        ),
        order,
    )
}

fn refused(code: ErrorCode, message: String, order: &Order) -> StoreError {
    StoreError::Refused {
        code,
        message,
        allowed: order.machine().allowed_targets(),
        order: Box::new(order.clone()),
    }
}

/// The refusal of a new order whose `external_ref` another order carries:
/// with that order.
pub fn external_ref_in_use(existing: &Order) -> StoreError {
    let r = existing.external_ref.as_ref();
    refused(
        ErrorCode::ExternalRefInUse,
        format!(
            "order #{} already carries the external reference {}",
            existing.number,
            r.map(ToString::to_string).unwrap_or_default()
        ),
        existing,
    )
}
