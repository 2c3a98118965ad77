//! What a write does to an order, decided once for both backends.
//!
//! The writers (`sqlite::writer`, `postgres::writer`) read the order, ask
//! here what the change makes of it (the stage machine's check, the version
//! check, the limit of changes), and write the result. Only the question
//! "is this number free again?" needs the database: a planned change says
//! when it must be asked ([`Planned::reopens`]).

use super::{tracking_token, StoreError};
use orderboard_model::{
    Change, ChangeKind, Channel, ErrorCode, Item, ItemBumpRequest, ItemChange, Menu, NewOrder,
    Order, Settings, Stage, StageChangeRequest, StageEntry, StageMachine, ValidationError,
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

/// Gives each item of a new order its station: the one it names, which
/// must be one of the settings' stations, else the menu's for its name,
/// else none. (The writers call it with the settings and menu of their
/// transaction.)
pub fn resolve_stations(
    new: &mut NewOrder,
    settings: &Settings,
    menu: &Menu,
) -> Result<(), StoreError> {
    for (i, item) in new.items.iter_mut().enumerate() {
        match &item.station {
            Some(s) if settings.station(s).is_none() => {
                return Err(StoreError::Invalid(ValidationError {
                    field: format!("items[{i}].station"),
                    message: format!("no station '{s}' in the settings"),
                }));
            }
            Some(_) => {}
            None => item.station = menu.station_for(&item.name).map(str::to_string),
        }
    }
    Ok(())
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

/// Refuses a change made against a version the order has moved past, or
/// to an order that has taken as many changes as one may.
fn check_version(order: &Order, expected_version: Option<u64>) -> Result<(), StoreError> {
    if let Some(expected) = expected_version {
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
    Ok(())
}

/// Checks a stage change against the order as it stands.
pub fn stage_change(
    order: &Order,
    request: &StageChangeRequest,
    at: OffsetDateTime,
) -> Result<Planned, StoreError> {
    check_version(order, request.expected_version)?;
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

/// Checks an item bump against the order as it stands: the item marked
/// done (or not done again), and the order moved by it. In `received`,
/// the first item done moves the order to `preparing`; with `auto_ready`,
/// the last one moves it (from `received` or `preparing`) to `ready`,
/// through `preparing`, by the stage machine's steps. Marking an item not
/// done never moves the order back.
pub fn item_bump(
    order: &Order,
    index: u16,
    request: &ItemBumpRequest,
    auto_ready: bool,
    at: OffsetDateTime,
) -> Result<Planned, StoreError> {
    if usize::from(index) >= order.items.len() {
        return Err(StoreError::ItemNotFound);
    }
    check_version(order, request.expected_version)?;
    if order.stage.is_final() || order.stage == Stage::Scheduled {
        return Err(refused(
            ErrorCode::StageConflict,
            format!(
                "order #{} is {}: its items cannot be bumped",
                order.number, order.stage
            ),
            order,
        ));
    }
    let mut after = order.clone();
    after.items[usize::from(index)].done_at = request.done.then_some(at);
    let mut steps = Vec::new();
    if request.done {
        let mut machine = order.machine();
        let mut step = |to: Stage, machine: &mut StageMachine| {
            if machine.next() == Some(to) {
                *machine = machine.apply(to).expect("the next stage is allowed");
                steps.push(to);
            }
        };
        if order.stage == Stage::Received {
            step(Stage::Preparing, &mut machine);
        }
        if auto_ready && after.all_items_done() && machine.stage == Stage::Preparing {
            step(Stage::Ready, &mut machine);
        }
    }
    for stage in &steps {
        after.history.push(StageEntry { stage: *stage, at });
    }
    after.stage = steps.last().copied().unwrap_or(order.stage);
    after.version += 1;
    after.updated_at = at;
    let change = Change {
        from: Some(order.stage),
        to: after.stage,
        kind: ChangeKind::Item,
        item: Some(ItemChange {
            index,
            done: request.done,
        }),
    };
    Ok(Planned {
        order: after,
        change,
        reopens: false,
    })
}

/// Whether customer boards are sent a change: not for a scheduled order
/// (not in the kitchen yet), an item bump that did not move the order,
/// nor a dine-in order while dine-in orders are off the board.
pub fn on_board(order: &Order, change: &Change, dine_in_on_board: bool) -> bool {
    if order.channel == Channel::DineIn && !dine_in_on_board {
        return false;
    }
    if change.kind == ChangeKind::Item && !change.moved() {
        return false;
    }
    let never_shown = change.to == Stage::Scheduled
        || (change.from == Some(Stage::Scheduled) && change.to == Stage::Cancelled);
    !never_shown
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
