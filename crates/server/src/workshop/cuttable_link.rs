//! A loopback TCP relay that can be cut: the drill's simulated customers
//! reach the server through it, and cutting it is their network going down.
//!
//! Each accepted connection is relayed byte for byte to the server. `cut`
//! closes every relayed connection at once and closes each new one as soon
//! as it is accepted, until `restore`; the server itself is untouched.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

pub struct CuttableLink {
    addr: SocketAddr,
    state: Arc<Mutex<LinkState>>,
    stop: CancellationToken,
}

struct LinkState {
    up: bool,
    /// Cancelled when the link is cut: ends the connections relayed so far.
    connections: CancellationToken,
}

impl CuttableLink {
    /// A relay to `target` on a loopback port of its own, working until
    /// `stop` is cancelled or the link is dropped.
    pub async fn open(target: SocketAddr, stop: CancellationToken) -> std::io::Result<Self> {
        let local: SocketAddr = if target.is_ipv4() {
            (Ipv4Addr::LOCALHOST, 0).into()
        } else {
            (Ipv6Addr::LOCALHOST, 0).into()
        };
        let listener = TcpListener::bind(local).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(LinkState {
            up: true,
            connections: stop.child_token(),
        }));
        tokio::spawn(accept(listener, target, state.clone(), stop.clone()));
        Ok(CuttableLink { addr, state, stop })
    }

    /// Where to connect instead of the server.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Closes every relayed connection, and each new one, until [`Self::restore`].
    pub fn cut(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.up = false;
        state.connections.cancel();
        state.connections = self.stop.child_token();
    }

    /// Relays new connections again.
    pub fn restore(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).up = true;
    }
}

impl Drop for CuttableLink {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn accept(
    listener: TcpListener,
    target: SocketAddr,
    state: Arc<Mutex<LinkState>>,
    stop: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => return,
            a = listener.accept() => a,
        };
        let Ok((client, _)) = accepted else {
            // Out of file descriptors, say: give the system a moment.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let connection = {
            let state = state.lock().unwrap_or_else(|e| e.into_inner());
            state.up.then(|| state.connections.clone())
        };
        // While the link is down, a connection is closed as soon as it is accepted.
        let Some(connection) = connection else {
            continue;
        };
        tokio::spawn(relay(client, target, connection));
    }
}

async fn relay(mut client: TcpStream, target: SocketAddr, connection: CancellationToken) {
    let Ok(mut server) = TcpStream::connect(target).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    tokio::select! {
        _ = connection.cancelled() => {}
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// An echo server; the link in front of it.
    async fn echo_behind_link() -> CuttableLink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = s.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        CuttableLink::open(target, CancellationToken::new())
            .await
            .unwrap()
    }

    async fn round_trip(s: &mut TcpStream) -> std::io::Result<usize> {
        s.write_all(b"ping").await?;
        let mut buf = [0u8; 4];
        s.read(&mut buf).await
    }

    #[tokio::test]
    async fn a_cut_ends_connections_and_refuses_new_ones_until_restored() {
        let link = echo_behind_link().await;
        let mut before = TcpStream::connect(link.addr()).await.unwrap();
        assert_eq!(round_trip(&mut before).await.unwrap(), 4);
        link.cut();
        // The relayed connection is closed: the read ends (0 bytes) or fails.
        assert!(round_trip(&mut before).await.map_or(true, |n| n == 0));
        let mut during = TcpStream::connect(link.addr()).await.unwrap();
        assert!(round_trip(&mut during).await.map_or(true, |n| n == 0));
        link.restore();
        let mut after = TcpStream::connect(link.addr()).await.unwrap();
        assert_eq!(round_trip(&mut after).await.unwrap(), 4);
    }
}
