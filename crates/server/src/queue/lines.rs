//! The waiting orders of each channel, in the order they were received.
//!
//! An order waits while it is `received` or `preparing`; it leaves the line
//! when it is ready (or cancelled), and comes back to its old place if it is
//! recalled. Each line is a vector sorted by (received at, id), so how many
//! wait ahead of an order is one binary search.

use orderboard_model::{Channel, Order, Stage};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// Whether an order in `stage` waits in the queue.
pub fn waits(stage: Stage) -> bool {
    matches!(stage, Stage::Received | Stage::Preparing)
}

/// An order's place in its line: when it was received, then its id.
type Key = (OffsetDateTime, Uuid);

/// A waiting order as its line keeps it.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub channel: Channel,
    pub received_at: OffsetDateTime,
    pub token: String,
}

/// One line per channel.
#[derive(Debug, Default)]
pub struct Lines {
    lines: [Vec<Key>; CHANNELS.len()],
    waiting: HashMap<Uuid, Waiting>,
}

fn line_of(channel: Channel) -> usize {
    match channel {
        Channel::Pickup => 0,
        Channel::Delivery => 1,
        Channel::DineIn => 2,
    }
}

impl Lines {
    /// Puts the order where its stage says (in its line, or out of it).
    /// Returns whether its line changed.
    pub fn place(&mut self, order: &Order, received_at: OffsetDateTime) -> bool {
        let key = (received_at, order.id);
        let line = &mut self.lines[line_of(order.channel)];
        let found = line.binary_search(&key);
        match (waits(order.stage), found) {
            (true, Ok(_)) | (false, Err(_)) => false,
            (true, Err(at)) => {
                line.insert(at, key);
                self.waiting.insert(
                    order.id,
                    Waiting {
                        channel: order.channel,
                        received_at,
                        token: order.tracking_token.clone(),
                    },
                );
                true
            }
            (false, Ok(at)) => {
                line.remove(at);
                self.waiting.remove(&order.id);
                true
            }
        }
    }

    /// The waiting order, and how many of its channel wait ahead of it.
    pub fn ahead(&self, id: Uuid) -> Option<(&Waiting, u32)> {
        let waiting = self.waiting.get(&id)?;
        let line = &self.lines[line_of(waiting.channel)];
        let ahead = line.partition_point(|k| *k < (waiting.received_at, id));
        Some((waiting, u32::try_from(ahead).unwrap_or(u32::MAX)))
    }

    /// The channel of a waiting order.
    pub fn channel_of(&self, id: Uuid) -> Option<Channel> {
        self.waiting.get(&id).map(|w| w.channel)
    }

    /// Whether any order of `channel` received at or after `received_at`
    /// (ties by id) waits and is `followed`: whose place a change there
    /// moves. Orders before it are not moved by it.
    pub fn any_from(
        &self,
        channel: Channel,
        received_at: OffsetDateTime,
        id: Uuid,
        followed: impl Fn(&Uuid) -> bool,
    ) -> bool {
        let line = &self.lines[line_of(channel)];
        let from = line.partition_point(|k| *k < (received_at, id));
        line[from..].iter().any(|(_, id)| followed(id))
    }

    /// How many wait in each channel.
    pub fn len(&self, channel: Channel) -> usize {
        self.lines[line_of(channel)].len()
    }
}

/// Every channel, for whoever needs one slot per channel.
pub const CHANNELS: [Channel; 3] = Channel::ALL;

/// The slot of `channel` in a `[_; CHANNELS.len()]`.
pub fn slot(channel: Channel) -> usize {
    line_of(channel)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    fn order(channel: Channel, stage: Stage) -> Order {
        let at = OffsetDateTime::UNIX_EPOCH;
        Order {
            id: Uuid::new_v4(),
            number: 1,
            customer: None,
            channel,
            items: vec![],
            note: None,
            stage,
            version: 1,
            created_at: at,
            updated_at: at,
            history: vec![],
            tracking_token: "t".into(),
            external_ref: None,
            table: None,
            due_at: None,
        }
    }

    fn minute(m: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::minutes(m)
    }

    #[test]
    fn ahead_counts_earlier_waiting_orders_of_the_same_channel() {
        let mut lines = Lines::default();
        let first = order(Channel::Pickup, Stage::Preparing);
        let delivery = order(Channel::Delivery, Stage::Received);
        let mut second = order(Channel::Pickup, Stage::Received);
        let third = order(Channel::Pickup, Stage::Received);
        // Applied out of order: the line keeps reception order.
        assert!(lines.place(&third, minute(3)));
        assert!(lines.place(&delivery, minute(0)));
        assert!(lines.place(&second, minute(2)));
        assert!(lines.place(&first, minute(1)));
        let ahead = |l: &Lines, o: &Order| l.ahead(o.id).map(|(_, n)| n);
        assert_eq!(
            [&first, &second, &third, &delivery].map(|o| ahead(&lines, o)),
            [Some(0), Some(1), Some(2), Some(0)]
        );
        assert!(!lines.place(&second, minute(2)), "already in its place");

        // Ready: out of the line, and those after it move up.
        second.stage = Stage::Ready;
        assert!(lines.place(&second, minute(2)));
        assert_eq!(ahead(&lines, &second), None);
        assert_eq!(ahead(&lines, &third), Some(1));
        assert_eq!(lines.len(Channel::Pickup), 2);
        assert!(!lines.place(&second, minute(2)), "not waiting twice over");

        // Recalled: back to its old place.
        second.stage = Stage::Preparing;
        assert!(lines.place(&second, minute(2)));
        assert_eq!(ahead(&lines, &third), Some(2));
        assert_eq!(lines.channel_of(delivery.id), Some(Channel::Delivery));

        // A change moves only those received after it.
        let is = |o: &Order| {
            let id = o.id;
            move |x: &Uuid| *x == id
        };
        assert!(lines.any_from(Channel::Pickup, minute(2), second.id, is(&third)));
        assert!(lines.any_from(Channel::Pickup, minute(2), second.id, is(&second)));
        assert!(!lines.any_from(Channel::Pickup, minute(2), second.id, is(&first)));
        assert!(!lines.any_from(Channel::Pickup, minute(4), Uuid::nil(), is(&third)));
        assert!(!lines.any_from(Channel::Delivery, minute(0), Uuid::nil(), is(&third)));
    }
}
