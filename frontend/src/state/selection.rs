//! Keyboard control of the dispatcher: which card is selected, and what a key does.
//!
//! Cards sit in columns; the arrow keys (or H/J/K/L) move the selection, and
//! letter keys act on the selected card. The page shows this same table.

use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
    Left,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    Move(Direction),
    Advance,
    Recall,
    Cancel,
    ShowTracking,
    NewOrder,
    Close,
}

/// Every shortcut with its keys (a catalogue id when it has words) and what
/// it does (a catalogue id), as documented on screen.
pub const SHORTCUTS: [(&str, &str); 8] = [
    ("← ↑ ↓ →", "keys-select"),
    ("keys-advance-keys", "keys-advance"),
    ("R", "keys-recall"),
    ("C", "keys-cancel"),
    ("T", "keys-tracking"),
    ("N", "keys-new-order"),
    ("keys-esc", "keys-close"),
    ("?", "keys-help"),
];

/// The shortcut for a key (`KeyboardEvent.key`), ignoring keys held with Ctrl, Alt or Meta.
pub fn shortcut_for(key: &str, with_modifier: bool) -> Option<Shortcut> {
    if with_modifier {
        return None;
    }
    Some(match key {
        "ArrowUp" | "k" | "K" => Shortcut::Move(Direction::Up),
        "ArrowDown" | "j" | "J" => Shortcut::Move(Direction::Down),
        "ArrowLeft" | "h" | "H" => Shortcut::Move(Direction::Left),
        "ArrowRight" | "l" | "L" => Shortcut::Move(Direction::Right),
        "a" | "A" | "Enter" => Shortcut::Advance,
        "r" | "R" => Shortcut::Recall,
        "c" | "C" => Shortcut::Cancel,
        "t" | "T" => Shortcut::ShowTracking,
        "n" | "N" => Shortcut::NewOrder,
        "Escape" => Shortcut::Close,
        _ => return None,
    })
}

/// The selection after a move. With nothing (or a vanished order) selected,
/// any move selects the first card; left and right keep the row where they can.
pub fn move_selection(
    columns: &[Vec<Uuid>],
    current: Option<Uuid>,
    dir: Direction,
) -> Option<Uuid> {
    let first = || columns.iter().flatten().next().copied();
    let Some(cur) = current else { return first() };
    let Some((col, row)) = columns
        .iter()
        .enumerate()
        .find_map(|(c, ids)| ids.iter().position(|id| *id == cur).map(|r| (c, r)))
    else {
        return first();
    };
    match dir {
        Direction::Up => Some(columns[col][row.saturating_sub(1)]),
        Direction::Down => Some(columns[col][(row + 1).min(columns[col].len() - 1)]),
        Direction::Left | Direction::Right => {
            let step = |c: usize| {
                if dir == Direction::Left {
                    c.checked_sub(1)
                } else {
                    Some(c + 1).filter(|c| *c < columns.len())
                }
            };
            let mut c = col;
            while let Some(next) = step(c) {
                if let Some(last) = columns[next].len().checked_sub(1) {
                    return Some(columns[next][row.min(last)]);
                }
                c = next;
            }
            Some(cur)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn moves_within_and_across_columns() {
        let cols = vec![
            vec![id(1), id(2), id(3)],
            vec![],
            vec![id(4)],
            vec![id(5), id(6)],
        ];
        assert_eq!(move_selection(&cols, None, Direction::Down), Some(id(1)));
        assert_eq!(
            move_selection(&cols, Some(id(1)), Direction::Down),
            Some(id(2))
        );
        assert_eq!(
            move_selection(&cols, Some(id(3)), Direction::Down),
            Some(id(3))
        );
        assert_eq!(
            move_selection(&cols, Some(id(1)), Direction::Up),
            Some(id(1))
        );
        assert_eq!(
            move_selection(&cols, Some(id(3)), Direction::Right),
            Some(id(4)),
            "skips the empty column"
        );
        assert_eq!(
            move_selection(&cols, Some(id(4)), Direction::Right),
            Some(id(5))
        );
        assert_eq!(
            move_selection(&cols, Some(id(6)), Direction::Right),
            Some(id(6))
        );
        assert_eq!(
            move_selection(&cols, Some(id(6)), Direction::Left),
            Some(id(4))
        );
        assert_eq!(
            move_selection(&cols, Some(id(99)), Direction::Left),
            Some(id(1))
        );
        assert_eq!(move_selection(&[vec![], vec![]], None, Direction::Up), None);
    }

    #[test]
    fn keys_map_to_shortcuts() {
        assert_eq!(shortcut_for("Enter", false), Some(Shortcut::Advance));
        assert_eq!(shortcut_for("c", false), Some(Shortcut::Cancel));
        assert_eq!(shortcut_for("c", true), None);
        assert_eq!(shortcut_for("x", false), None);
    }
}
