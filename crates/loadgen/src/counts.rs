//! The server's own counts of each transport's bytes (headers included, which
//! a client library hides) and of the database queries it made for the
//! transport's clients, read before and after a run: the difference is what
//! the run cost on the wire and in the database.

use crate::accounting::ServerCounts;
use orderboard_model::{Transport, TransportCountsReport};
use std::time::Duration;

/// `GET /api/workshop/counts`, or `None` if it cannot be read (an older
/// server, or an error): the bytes columns then stay empty.
pub async fn read(http: &reqwest::Client, base: &str) -> Option<TransportCountsReport> {
    let res = http
        .get(format!("{base}/api/workshop/counts"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()?;
    if !res.status().is_success() {
        return None;
    }
    res.json::<TransportCountsReport>().await.ok()
}

/// One transport's bytes and queries between two readings; `None` if either is missing
/// or the server restarted in between (its counts went back).
pub fn delta(
    before: Option<&TransportCountsReport>,
    after: Option<&TransportCountsReport>,
    transport: Transport,
) -> Option<ServerCounts> {
    let (b, a) = (before?.get(transport)?, after?.get(transport)?);
    Some(ServerCounts {
        sent: a.bytes_sent.checked_sub(b.bytes_sent)?,
        received: a.bytes_received.checked_sub(b.bytes_received)?,
        db_queries: a.db_queries.checked_sub(b.db_queries)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderboard_model::TransportCounts;

    fn report(sent: u64, received: u64) -> TransportCountsReport {
        TransportCountsReport {
            uptime_ms: 1,
            transports: vec![TransportCounts {
                transport: Transport::Sse,
                bytes_sent: sent,
                bytes_received: received,
                db_queries: received / 10,
                ..Default::default()
            }],
        }
    }

    #[test]
    fn deltas() {
        let (b, a) = (report(100, 10), report(350, 40));
        assert_eq!(
            delta(Some(&b), Some(&a), Transport::Sse),
            Some(ServerCounts {
                sent: 250,
                received: 30,
                db_queries: 3,
            })
        );
        assert_eq!(delta(Some(&b), Some(&a), Transport::Ws), None);
        assert_eq!(delta(None, Some(&a), Transport::Sse), None);
        assert_eq!(
            delta(Some(&a), Some(&b), Transport::Sse),
            None,
            "a restart in between"
        );
    }
}
