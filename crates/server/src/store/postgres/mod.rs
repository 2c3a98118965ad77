//! The order store's writer and log tailer on PostgreSQL: several nodes,
//! one database.
//!
//! Every node runs the same two tasks. Its [`writer`] applies the node's
//! writes, handing sequence numbers out under the `log_head` row lock, and
//! sends `NOTIFY` with the new head in the same transaction. Its
//! [`tailer`] `LISTEN`s, reads the log after the last change it published,
//! in order, and publishes those changes into the node's feed: the only way
//! changes reach the node's streams, its own writes included.

pub mod tailer;
pub mod writer;

/// The channel the writers notify and the tailers listen on.
pub const CHANNEL: &str = "orderboard_log";
