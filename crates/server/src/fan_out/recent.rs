//! The ring of recent board frames, shared by every socket of one thread.

use crate::feed::Committed;
use crate::feed::LogEvent;
use crate::wire::Encoding;
use bytes::Bytes;
use std::collections::VecDeque;

/// What the fan-out writes: customer boards' SSE frames. The one place that
/// names the encoding, for changes from the feed and events read back from
/// the log alike.
const BOARD_FRAMES: Encoding = Encoding::BoardSse;

/// The latest board frames, oldest first, with their sequence numbers.
pub(super) struct Recent {
    frames: VecDeque<(u64, Bytes)>,
    /// How many are kept.
    keep: usize,
}

impl Recent {
    pub(super) fn new(keep: usize) -> Recent {
        Recent {
            frames: VecDeque::with_capacity(keep),
            keep,
        }
    }

    /// Whether the recent frames hold everything after `sent`.
    pub(super) fn reaches(&self, sent: u64) -> bool {
        self.frames.front().is_some_and(|(seq, _)| *seq <= sent + 1)
    }

    /// Keeps a change from the feed, the newest, encoded (once for every
    /// stream that needs that encoding).
    pub(super) fn remember_change(&mut self, change: &Committed) {
        self.remember(change.seq(), BOARD_FRAMES.change(change));
    }

    /// Keeps an event read back from the log, the newest, encoded here.
    pub(super) fn remember_event(&mut self, event: &LogEvent) {
        self.remember(event.seq(), BOARD_FRAMES.event(event));
    }

    /// Keeps the frame of `seq`, the newest; the oldest goes if there are
    /// already as many as are kept.
    fn remember(&mut self, seq: u64, frame: Bytes) {
        if self.frames.len() == self.keep {
            self.frames.pop_front();
        }
        self.frames.push_back((seq, frame));
    }

    pub(super) fn clear(&mut self) {
        self.frames.clear();
    }

    /// At most `most` frames after `sent`, and the sequence number of the
    /// last of them. Only for a stream behind the newest frame that the
    /// ring reaches ([`Self::reaches`]): there is at least one.
    pub(super) fn after(
        &self,
        sent: u64,
        most: usize,
    ) -> (impl Iterator<Item = &Bytes> + Clone + '_, u64) {
        let from = self.frames.partition_point(|(seq, _)| *seq <= sent);
        let to = self.frames.len().min(from + most);
        let up_to = self.frames[to - 1].0;
        (self.frames.range(from..to).map(|(_, frame)| frame), up_to)
    }
}
