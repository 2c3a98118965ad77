//! The one raw write: frames sent to a parked socket with `sendmsg`.
//!
//! The sweep writes with socket2's vectored `send` on the socket's file
//! descriptor, not with tokio's write. A socket's `writev` also passes
//! through the file layer (`vfs_writev`, `fdget_pos`), and tokio's own write
//! first reads the socket's readiness, a cache miss per socket. Together
//! they were about a seventh of a sweep's time.
//!
//! Writing beside tokio's readiness tracking is sound here because:
//! - there is one writer: the fan-out owns the socket's write half while the
//!   stream is parked (it was moved here, see [`super::parking`]), so no
//!   other write can interleave with this one. The read half, which stays
//!   with the writer, only reads;
//! - the descriptor stays open: the write half owns its share of the
//!   socket, so the descriptor cannot be closed, or reused, while the
//!   fan-out writes to it;
//! - nothing waits: the socket is non-blocking (tokio made it so), so a full
//!   socket answers `WouldBlock` at once and the thread never blocks in the
//!   kernel;
//! - no wake-up is lost: this write does not touch tokio's readiness, so
//!   after it filled the socket, tokio may still say "writable". The
//!   writer's own first write once the half is handed back then finds the
//!   socket full, tokio clears its readiness, and the writer waits for the
//!   kernel's next "writable", as after any full write of its own. At worst
//!   that is one write that takes nothing.

use bytes::{Bytes, BytesMut};
use std::io;
use tokio::net::tcp::OwnedWriteHalf;

/// At most this many frames go to one socket in one write.
pub(super) const FRAMES_PER_WRITE: usize = 64;

/// What one write of frames to a socket came to.
pub(super) enum Took {
    All,
    /// The socket is full: the bytes it did not take (maybe all of them).
    Part(Bytes),
    /// The socket failed (the client is gone).
    Broken,
}

/// Writes `frames` (at most [`FRAMES_PER_WRITE`]) to `write`'s socket in one
/// `sendmsg`, without waiting.
pub(super) fn offer<'a>(
    write: &OwnedWriteHalf,
    frames: impl Iterator<Item = &'a Bytes> + Clone,
) -> Took {
    let mut slices = [io::IoSlice::new(&[]); FRAMES_PER_WRITE];
    let mut count = 0;
    let mut total = 0;
    for (slice, frame) in slices.iter_mut().zip(frames.clone()) {
        *slice = io::IoSlice::new(frame);
        count += 1;
        total += frame.len();
    }
    let written = match socket2::SockRef::from(write.as_ref()).send_vectored(&slices[..count]) {
        Ok(n) => n,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
        Err(_) => return Took::Broken,
    };
    if written == total {
        return Took::All;
    }
    let mut unsent = BytesMut::with_capacity(total - written);
    let mut skip = written;
    for frame in frames.take(count) {
        unsent.extend_from_slice(&frame[skip.min(frame.len())..]);
        skip -= skip.min(frame.len());
    }
    Took::Part(unsent.freeze())
}
