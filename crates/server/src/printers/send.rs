//! Sending one ticket to a printer: one TCP connection per ticket.
//!
//! The ticket counts as taken once its bytes are written and flushed, our
//! side of the connection is shut down, and the printer has closed its
//! side (it read everything, up to our end of stream). A printer that
//! accepts a connection and never reads never closes it: the attempt
//! fails after the write timeout, whether or not the ticket's bytes still
//! fitted in the sockets' buffers, and is retried later (at least once: a
//! printer that read it late prints it twice).
//!
//! **Memory**: the socket's send buffer is asked to be [`SEND_BUFFER`]
//! (the kernel doubles it for its own bookkeeping), so a printer that
//! never reads holds at most that much in the kernel, plus the ticket
//! itself (a few KiB; an order is bounded by the API's 64 KiB body limit),
//! per printer; nothing more is read or kept.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;
use tokio::time::timeout;

/// The send buffer asked of the kernel for each printer connection.
pub const SEND_BUFFER: u32 = 16 * 1024;

/// How long connecting and sending may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendTimeouts {
    /// Resolving the name and connecting.
    pub connect: Duration,
    /// Writing the ticket until the printer closed the connection.
    pub write: Duration,
}

/// Sends `ticket` to `address` (`host:port`); why not, if it was not taken.
pub async fn send(address: &str, ticket: &[u8], t: SendTimeouts) -> Result<(), String> {
    let secs = |d: Duration| format!("{} s", d.as_secs_f32());
    let mut stream = timeout(t.connect, async {
        let addr: SocketAddr = tokio::net::lookup_host(address)
            .await
            .map_err(|e| format!("cannot resolve {address}: {e}"))?
            .next()
            .ok_or_else(|| format!("{address} resolves to no address"))?;
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .map_err(|e| format!("no socket: {e}"))?;
        // Best effort: the kernel's default stands if it refuses.
        let _ = socket.set_send_buffer_size(SEND_BUFFER);
        socket
            .connect(addr)
            .await
            .map_err(|e| format!("cannot connect to {addr}: {e}"))
    })
    .await
    .map_err(|_| format!("no connection within {}", secs(t.connect)))??;
    timeout(t.write, async {
        stream.write_all(ticket).await?;
        stream.flush().await?;
        stream.shutdown().await?;
        // Whatever the printer says is read and dropped, until it closes.
        let mut scrap = [0u8; 256];
        while stream.read(&mut scrap).await? > 0 {}
        Ok::<_, std::io::Error>(())
    })
    .await
    .map_err(|_| {
        format!(
            "the printer did not take the ticket within {} (out of paper, or not reading)",
            secs(t.write)
        )
    })?
    .map_err(|e| format!("the connection broke: {e}"))
}
