//! The handshake between a board stream's loop, its writer and the fan-out.
//!
//! A parked stream's socket has one writer at a time, and which one is a
//! matter of ownership, not of convention: its write half is in exactly one
//! place.
//!
//! 1. The stream's loop, caught up with nothing left to yield, asks to park
//!    ([`Parking::request`]) and waits for a [`Resume`].
//! 2. The writer, with every frame written, takes the request
//!    ([`Parking::take_request`]) and moves its write half to the fan-out
//!    ([`Parking::hand_over`]). It keeps the read half, to notice at once
//!    that the client went away, and an [`Away`], through which the write
//!    half comes back.
//! 3. The fan-out writes to the socket until it hands it back in a
//!    [`Handback`]: the write half, the bytes the socket did not take, the
//!    sequence number they reach and whether to park again. The writer
//!    writes those bytes itself (waiting for the client as long as the stall
//!    timeout allows), then tells the loop where it now stands
//!    ([`Away::resume`]).
//!
//! If the client goes away while the stream is parked, the writer says so
//! ([`Parking::gone`]) and ends; the fan-out drops the write half. If the
//! fan-out ends (shutdown) or the socket fails, it drops the write half and
//! the writer hears nothing back: the stream ends.

use super::BoardFanOut;
use bytes::Bytes;
use std::future::poll_fn;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::{mpsc, oneshot};

/// What a parked stream's loop is told when its socket is back with its
/// writer, and every byte the fan-out did not send has been written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resume {
    /// The sequence number the stream has now been sent up to.
    pub from: u64,
    /// The socket was only full. The loop parks again, and the sweep sends
    /// the rest from the recent frames: a burst that fills many sockets at
    /// once must not send them all to the event log together. False when
    /// the stream must catch up from the log.
    pub park_again: bool,
}

/// A socket's write half, on its way back from the fan-out to its writer.
#[derive(Debug)]
pub struct Handback {
    pub write: OwnedWriteHalf,
    /// The sequence number the stream has been sent up to, counting
    /// `unsent`.
    pub from: u64,
    /// Bytes of frames the socket did not take: the writer writes them
    /// before the loop goes on.
    pub unsent: Bytes,
    /// See [`Resume::park_again`].
    pub park_again: bool,
}

/// The loop's request to park, sent up to `last`, as the writer takes it.
#[derive(Debug)]
pub struct ParkRequest {
    last: u64,
    resume: oneshot::Sender<Resume>,
}

/// The writer's side of a parked stream: it holds no write half, only the
/// way the write half comes back, and the loop's answer.
#[derive(Debug)]
pub struct Away {
    pub(super) handback: oneshot::Receiver<Handback>,
    resume: oneshot::Sender<Resume>,
}

impl Away {
    /// The write half coming back; `None` when the fan-out let go of it
    /// (the socket failed, or the fan-out ended): the stream is over.
    pub fn poll_back(&mut self, cx: &mut Context<'_>) -> Poll<Option<Handback>> {
        Pin::new(&mut self.handback).poll(cx).map(Result::ok)
    }

    /// [`Self::poll_back`], as a future.
    pub async fn back(&mut self) -> Option<Handback> {
        poll_fn(|cx| self.poll_back(cx)).await
    }

    /// The write half is back and `unsent` written: the loop goes on from
    /// `from`.
    pub fn resume(self, from: u64, park_again: bool) {
        let _ = self.resume.send(Resume { from, park_again });
    }
}

/// What a writer tells the fan-out.
pub(super) enum Command {
    Park(Arrival),
    Gone(u64),
}

/// A stream that parks, sent up to `last`.
pub(super) struct Arrival {
    pub(super) id: u64,
    pub(super) last: u64,
    pub(super) socket: HeldSocket,
}

/// A parked stream's write half while the fan-out holds it, with the way
/// back to its writer.
pub(super) struct HeldSocket {
    pub(super) write: OwnedWriteHalf,
    back: oneshot::Sender<Handback>,
}

impl HeldSocket {
    /// Hands the socket back; the stream catches up from the log after
    /// `from`.
    pub(super) fn give_back(self, from: u64) {
        self.hand_back(from, Bytes::new(), false);
    }

    /// Hands a full socket back: its writer writes `unsent`, and the stream
    /// parks again at `from`.
    pub(super) fn give_back_full(self, from: u64, unsent: Bytes) {
        self.hand_back(from, unsent, true);
    }

    fn hand_back(self, from: u64, unsent: Bytes, park_again: bool) {
        let _ = self.back.send(Handback {
            write: self.write,
            from,
            unsent,
            park_again,
        });
    }

    /// Whether the writer has ended (it no longer waits for the socket).
    pub(super) fn writer_gone(&self) -> bool {
        self.back.is_closed()
    }
}

/// Links one board stream's loop with its connection's writer, and both
/// with the fan-out.
#[derive(Clone)]
pub struct Parking(Arc<ParkingState>);

struct ParkingState {
    id: u64,
    commands: mpsc::UnboundedSender<Command>,
    /// Set by the writer: without one (a router served some other way),
    /// the loop never parks.
    attached: AtomicBool,
    request: Mutex<Option<ParkRequest>>,
}

impl Parking {
    pub fn new(fan_out: &BoardFanOut) -> Parking {
        let id = fan_out.next_id.fetch_add(1, Ordering::Relaxed);
        Parking(Arc::new(ParkingState {
            id,
            commands: fan_out.commands[id as usize % fan_out.commands.len()].clone(),
            attached: AtomicBool::new(false),
            request: Mutex::new(None),
        }))
    }

    /// The writer: it will hand the socket over when asked.
    pub fn attach(&self) {
        self.0.attached.store(true, Ordering::Release);
    }

    pub fn is_attached(&self) -> bool {
        self.0.attached.load(Ordering::Acquire)
    }

    /// The loop, caught up at `last` with nothing left to yield: asks to
    /// park. The answer comes when the socket is back with its writer; an
    /// error means the stream is over.
    pub fn request(&self, last: u64) -> oneshot::Receiver<Resume> {
        let (resume, resumed) = oneshot::channel();
        *self.0.request.lock().expect("parking lock") = Some(ParkRequest { last, resume });
        resumed
    }

    /// The writer, with every frame written: the loop's request to park, if
    /// it made one.
    pub fn take_request(&self) -> Option<ParkRequest> {
        self.0.request.lock().expect("parking lock").take()
    }

    /// The writer moves its write half to the fan-out. It gets back the
    /// way the write half returns.
    pub fn hand_over(&self, write: OwnedWriteHalf, request: ParkRequest) -> Away {
        let (back, handback) = oneshot::channel();
        let arrival = Arrival {
            id: self.0.id,
            last: request.last,
            socket: HeldSocket { write, back },
        };
        // If the task is gone (shutdown), the write half is dropped with the
        // command, and the writer hears nothing back: the stream ends.
        let _ = self.0.commands.send(Command::Park(arrival));
        Away {
            handback,
            resume: request.resume,
        }
    }

    /// The writer is done: the fan-out drops the write half if it has it.
    pub fn gone(&self) {
        let _ = self.0.commands.send(Command::Gone(self.0.id));
    }
}

/// A stream dropped without saying it was gone (its listener stopped, and
/// took its writer and its loop with it): the fan-out drops its write half.
impl Drop for ParkingState {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Gone(self.id));
    }
}
