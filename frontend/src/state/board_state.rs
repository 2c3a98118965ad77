//! The customer board: who is being prepared and who can come to the counter.
//!
//! The board shows orders from `received` to `ready`; anything that goes out
//! for delivery or reaches a final stage leaves it. An order that turns ready
//! while the board watches is highlighted for a while and asks for a chime —
//! orders that are already ready in a snapshot are not, so a reload or a
//! reconnect stays quiet.

use crate::state::stream_message::{BoardMessage, StreamMessage};
use orderboard_model::{BoardEvent, BoardOrder, BoardSnapshot, Stage};
use std::collections::BTreeMap;

/// How long a freshly ready order stays highlighted.
pub const HIGHLIGHT_MS: i64 = 45_000;

#[derive(Debug, Clone, PartialEq)]
pub struct BoardTile {
    pub order: BoardOrder,
    /// When the board saw this order turn ready (milliseconds since the epoch).
    pub ready_seen_at_ms: Option<i64>,
}

/// Everything a tile shows, as the page's key for it.
pub type TileKey = (u32, Option<String>, Stage, Option<i64>);

impl BoardTile {
    /// The page redraws a tile whenever its key changes. Display numbers are
    /// reused (after a `reset` to a new day's database, or once an order is
    /// finished), so the number alone would keep another order's name.
    pub fn key(&self) -> TileKey {
        (
            self.order.number,
            self.order.name.clone(),
            self.order.stage,
            self.ready_seen_at_ms,
        )
    }

    pub fn is_highlighted(&self, now_ms: i64) -> bool {
        self.ready_seen_at_ms
            .is_some_and(|at| now_ms - at < HIGHLIGHT_MS)
    }
}

/// What the page should do besides redrawing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BoardEffect {
    pub chime: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BoardState {
    /// Orders being prepared (received or preparing), in the order they came.
    pub preparing: Vec<BoardTile>,
    /// Ready orders, the most recently ready first.
    pub ready: Vec<BoardTile>,
    pub last_seq: u64,
    pub synced: bool,
    /// When this board first held each ready order as ready (by number), for
    /// taking uncollected orders off the board. Kept across a reset.
    pub ready_since_ms: BTreeMap<u32, i64>,
}

/// Whether an order in this stage belongs on the board at all.
pub fn on_board(stage: Stage) -> bool {
    matches!(stage, Stage::Received | Stage::Preparing | Stage::Ready)
}

impl BoardState {
    pub fn apply(&mut self, message: BoardMessage, now_ms: i64) -> BoardEffect {
        match message {
            StreamMessage::Snapshot(s) | StreamMessage::Reset(s) => {
                self.replace(s, now_ms);
                BoardEffect::default()
            }
            StreamMessage::Order(e) => self.apply_event(e, now_ms),
        }
    }

    fn replace(&mut self, snapshot: BoardSnapshot, now_ms: i64) {
        self.preparing.clear();
        self.ready.clear();
        for order in snapshot.orders.into_iter().filter(|o| on_board(o.stage)) {
            let tile = BoardTile {
                order,
                ready_seen_at_ms: None,
            };
            if tile.order.stage == Stage::Ready {
                // The snapshot is oldest first; the ready column shows the newest first.
                self.ready.insert(0, tile);
            } else {
                self.preparing.push(tile);
            }
        }
        self.last_seq = snapshot.as_of;
        self.synced = true;
        let ready: Vec<u32> = self.ready.iter().map(|t| t.order.number).collect();
        self.ready_since_ms.retain(|n, _| ready.contains(n));
        for n in ready {
            self.ready_since_ms.entry(n).or_insert(now_ms);
        }
    }

    /// The ready orders the board shows: all of them, or, with `keep_ms`,
    /// those ready for less than that long (the rest were not collected;
    /// they stay on the dispatcher).
    pub fn ready_shown(&self, now_ms: i64, keep_ms: Option<i64>) -> Vec<BoardTile> {
        self.ready
            .iter()
            .filter(|t| {
                keep_ms.is_none_or(|keep| {
                    self.ready_since_ms
                        .get(&t.order.number)
                        .is_none_or(|since| now_ms - since < keep)
                })
            })
            .cloned()
            .collect()
    }

    pub fn apply_event(&mut self, event: BoardEvent, now_ms: i64) -> BoardEffect {
        if self.synced && event.seq <= self.last_seq {
            return BoardEffect::default();
        }
        self.last_seq = self.last_seq.max(event.seq);
        let number = event.order.number;
        let was_ready = self.ready.iter().any(|t| t.order.number == number);
        self.preparing.retain(|t| t.order.number != number);
        self.ready.retain(|t| t.order.number != number);
        let order = event.order;
        if order.stage == Stage::Ready {
            self.ready_since_ms.entry(number).or_insert(now_ms);
        } else {
            self.ready_since_ms.remove(&number);
        }
        match order.stage {
            Stage::Ready => {
                let turned_ready = !was_ready && event.change.from != Some(Stage::Ready);
                let tile = BoardTile {
                    order,
                    ready_seen_at_ms: turned_ready.then_some(now_ms),
                };
                self.ready.insert(0, tile);
                BoardEffect {
                    chime: turned_ready,
                }
            }
            Stage::Received | Stage::Preparing => {
                self.preparing.push(BoardTile {
                    order,
                    ready_seen_at_ms: None,
                });
                BoardEffect::default()
            }
            _ => BoardEffect::default(),
        }
    }
}

#[cfg(test)]
mod key_tests {
    use super::*;

    fn tile(number: u32, name: &str, stage: Stage, ready_seen_at_ms: Option<i64>) -> BoardTile {
        BoardTile {
            order: BoardOrder {
                number,
                name: Some(name.into()),
                stage,
            },
            ready_seen_at_ms,
        }
    }

    #[test]
    fn a_reused_number_is_another_tile() {
        assert_ne!(
            tile(1, "Ada", Stage::Received, None).key(),
            tile(1, "Linus", Stage::Received, None).key()
        );
    }

    /// The page redraws a tile only when its key changes, so every thing the
    /// tile shows must be in it.
    #[test]
    fn the_key_changes_with_everything_a_tile_shows() {
        let before = tile(7, "Ada", Stage::Ready, Some(1_000));
        for after in [
            tile(8, "Ada", Stage::Ready, Some(1_000)),
            tile(7, "Grace", Stage::Ready, Some(1_000)),
            tile(7, "Ada", Stage::Preparing, Some(1_000)),
            tile(7, "Ada", Stage::Ready, Some(2_000)),
            tile(7, "Ada", Stage::Ready, None),
        ] {
            assert_ne!(before.key(), after.key(), "{after:?}");
        }
    }

    /// A tile nothing happened to keeps its key (and its highlight) while
    /// other orders come and go, so the page leaves it alone.
    #[test]
    fn a_tile_keeps_its_key_while_other_orders_change() {
        use crate::state::fixtures::*;
        let mut b = BoardState::default();
        let one = moved(&order(1), Stage::Preparing);
        let two = moved(&order(2), Stage::Preparing);
        b.apply(
            StreamMessage::Snapshot(BoardSnapshot {
                as_of: 2,
                orders: vec![BoardOrder::from(&one), BoardOrder::from(&two)],
                settings: Default::default(),
            }),
            0,
        );
        let one_ready = moved(&one, Stage::Ready);
        b.apply_event(
            BoardEvent::from(&change_event(3, &one, one_ready.clone())),
            1_000,
        );
        let key = b.ready[0].key();
        assert_eq!(key, (1, Some("Guest".into()), Stage::Ready, Some(1_000)));

        b.apply_event(
            BoardEvent::from(&change_event(4, &two, moved(&two, Stage::Ready))),
            2_000,
        );
        b.apply_event(BoardEvent::from(&created_event(5, order(3))), 3_000);
        let one_now = b.ready.iter().find(|t| t.order.number == 1).unwrap();
        assert_eq!(one_now.key(), key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::fixtures::*;
    use orderboard_model::{Order, OrderEvent};

    fn board(o: &Order) -> BoardOrder {
        BoardOrder::from(o)
    }

    fn ev(e: OrderEvent) -> BoardMessage {
        StreamMessage::Order(BoardEvent::from(&e))
    }

    fn numbers(tiles: &[BoardTile]) -> Vec<u32> {
        tiles.iter().map(|t| t.order.number).collect()
    }

    #[test]
    fn snapshot_splits_preparing_and_ready_quietly() {
        let mut b = BoardState::default();
        let r1 = moved(&moved(&order(1), Stage::Preparing), Stage::Ready);
        let r2 = moved(&moved(&order(2), Stage::Preparing), Stage::Ready);
        let snap = BoardSnapshot {
            as_of: 3,
            orders: vec![board(&r1), board(&r2), board(&order(3))],
            settings: Default::default(),
        };
        let fx = b.apply(StreamMessage::Snapshot(snap), 0);
        assert!(!fx.chime);
        assert_eq!(numbers(&b.preparing), vec![3]);
        assert_eq!(numbers(&b.ready), vec![2, 1]);
        assert!(!b.ready[0].is_highlighted(0));
    }

    #[test]
    fn turning_ready_chimes_and_highlights_for_a_while() {
        let mut b = BoardState::default();
        let o = moved(&order(12), Stage::Preparing);
        b.apply(
            StreamMessage::Snapshot(BoardSnapshot {
                as_of: 1,
                orders: vec![board(&o)],
                settings: Default::default(),
            }),
            0,
        );
        let ready = moved(&o, Stage::Ready);
        let fx = b.apply(ev(change_event(2, &o, ready.clone())), 1_000);
        assert!(fx.chime);
        assert!(b.preparing.is_empty());
        assert_eq!(numbers(&b.ready), vec![12]);
        assert!(b.ready[0].is_highlighted(1_000 + HIGHLIGHT_MS - 1));
        assert!(!b.ready[0].is_highlighted(1_000 + HIGHLIGHT_MS));
        assert_eq!(b.ready[0].order.name.as_deref(), Some("Guest"));
    }

    #[test]
    fn final_and_out_for_delivery_leave_the_board() {
        let mut b = BoardState::default();
        let p = moved(&order(1), Stage::Preparing);
        let p_ready = moved(&p, Stage::Ready);
        let d = moved(&moved(&delivery(2), Stage::Preparing), Stage::Ready);
        b.apply(
            StreamMessage::Snapshot(BoardSnapshot {
                as_of: 1,
                orders: vec![board(&p_ready), board(&d)],
                settings: Default::default(),
            }),
            0,
        );
        let fx = b.apply(ev(change_event(2, &d, moved(&d, Stage::OutForDelivery))), 5);
        assert!(!fx.chime);
        b.apply(
            ev(change_event(3, &p_ready, moved(&p_ready, Stage::Collected))),
            6,
        );
        assert!(b.ready.is_empty() && b.preparing.is_empty());
    }

    #[test]
    fn recall_to_preparing_is_quiet_and_recall_to_ready_chimes() {
        let mut b = BoardState::default();
        let r = moved(&moved(&order(5), Stage::Preparing), Stage::Ready);
        b.apply(
            StreamMessage::Snapshot(BoardSnapshot {
                as_of: 1,
                orders: vec![board(&r)],
                settings: Default::default(),
            }),
            0,
        );
        // Back to the kitchen: it leaves the counter without a sound.
        let back = moved(&r, Stage::Preparing);
        assert!(!b.apply(ev(change_event(2, &r, back.clone())), 1).chime);
        assert_eq!(numbers(&b.preparing), vec![5]);
        assert!(b.ready.is_empty());
        // Ready again, then collected: it leaves the board.
        let ready = moved(&back, Stage::Ready);
        b.apply(ev(change_event(3, &back, ready.clone())), 2);
        let c = moved(&ready, Stage::Collected);
        b.apply(ev(change_event(4, &ready, c.clone())), 3);
        assert!(b.ready.is_empty() && b.preparing.is_empty());
        // A collected order recalled to ready is back at the counter: that is
        // news to the customers watching, so it chimes and is highlighted.
        let again = moved(&c, Stage::Ready);
        let fx = b.apply(ev(change_event(5, &c, again)), 4);
        assert!(
            fx.chime,
            "it is back at the counter, so customers should look"
        );
        assert_eq!(numbers(&b.ready), vec![5]);
        assert!(b.ready[0].is_highlighted(4));
    }

    #[test]
    fn replays_are_skipped_and_new_orders_appear() {
        let mut b = BoardState::default();
        b.apply(
            StreamMessage::Snapshot(BoardSnapshot {
                as_of: 10,
                orders: vec![],
                settings: Default::default(),
            }),
            0,
        );
        b.apply(ev(created_event(9, order(1))), 0);
        assert!(b.preparing.is_empty());
        b.apply(ev(created_event(11, order(2))), 0);
        b.apply(ev(created_event(12, order(3))), 0);
        assert_eq!(numbers(&b.preparing), vec![2, 3]);
        assert_eq!(b.last_seq, 12);
    }
}

#[cfg(test)]
mod ready_timeout_tests {
    use super::*;
    use orderboard_model::stream::Change;
    use orderboard_model::ChangeKind;

    fn snapshot(as_of: u64, orders: &[(u32, Stage)]) -> BoardMessage {
        StreamMessage::Snapshot(BoardSnapshot {
            as_of,
            orders: orders
                .iter()
                .map(|&(number, stage)| BoardOrder {
                    number,
                    name: None,
                    stage,
                })
                .collect(),
            settings: Default::default(),
        })
    }

    fn event(seq: u64, number: u32, from: Stage, to: Stage) -> BoardMessage {
        StreamMessage::Order(BoardEvent {
            seq,
            change: Change {
                from: Some(from),
                to,
                kind: ChangeKind::Advance,
                item: None,
            },
            order: BoardOrder {
                number,
                name: None,
                stage: to,
            },
        })
    }

    fn shown(state: &BoardState, now: i64, keep: Option<i64>) -> Vec<u32> {
        state
            .ready_shown(now, keep)
            .iter()
            .map(|t| t.order.number)
            .collect()
    }

    #[test]
    fn uncollected_ready_orders_leave_after_the_set_time() {
        let mut b = BoardState::default();
        b.apply(snapshot(1, &[(1, Stage::Ready), (2, Stage::Preparing)]), 0);
        b.apply(event(2, 2, Stage::Preparing, Stage::Ready), 60_000);
        assert_eq!(shown(&b, 100_000, Some(120_000)), vec![2, 1]);
        assert_eq!(shown(&b, 130_000, Some(120_000)), vec![2]);
        assert_eq!(shown(&b, 190_000, Some(120_000)), Vec::<u32>::new());
        // Without a time set, every ready order stays.
        assert_eq!(shown(&b, 190_000, None), vec![2, 1]);
    }

    #[test]
    fn a_reset_keeps_the_ready_times_and_a_recall_restarts_them() {
        let mut b = BoardState::default();
        b.apply(snapshot(1, &[(1, Stage::Ready)]), 0);
        b.apply(
            StreamMessage::Reset(match snapshot(5, &[(1, Stage::Ready)]) {
                StreamMessage::Snapshot(s) => s,
                _ => unreachable!(),
            }),
            100_000,
        );
        assert_eq!(shown(&b, 130_000, Some(120_000)), Vec::<u32>::new());
        b.apply(event(6, 1, Stage::Ready, Stage::Preparing), 140_000);
        b.apply(event(7, 1, Stage::Preparing, Stage::Ready), 150_000);
        assert_eq!(shown(&b, 200_000, Some(120_000)), vec![1]);
    }
}
