//! How the workshop page presents each transport: its colour (a CSS class
//! used by the charts, the legend, the tiles and the table alike, so a
//! transport is the same colour everywhere) and a short, plain note on what it
//! costs and when it is the right choice.
//!
//! The notes are the point of the workshop: the charts show the numbers, the
//! notes say what the numbers mean for a real restaurant.

use orderboard_model::Transport;

/// The CSS class that gives a transport its colour (`--tx` in style.css).
pub fn transport_class(t: Transport) -> &'static str {
    match t {
        Transport::Poll => "tx-poll",
        Transport::Longpoll => "tx-longpoll",
        Transport::Sse => "tx-sse",
        Transport::Ws => "tx-ws",
        Transport::SseDbPoll => "tx-sse-db-poll",
    }
}

/// A transport's note: what it is, what it costs, when to choose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransportNote {
    pub transport: Transport,
    /// One line: how the client follows an order.
    pub how: &'static str,
    /// What it costs the server, the network and the developer.
    pub costs: &'static str,
    /// When it is the right choice.
    pub choose_when: &'static str,
}

pub fn note(t: Transport) -> TransportNote {
    let (how, costs, choose_when) = match t {
        Transport::Poll => (
            "The phone asks “anything new?” every few seconds, with an ETag so an unchanged order costs a 304.",
            "Every customer costs a request per interval whether or not anything happened. \
             10,000 customers asking every 5 s make 120,000 requests a minute, and almost all \
             of them are answered “no change”. Updates arrive up to one interval late.",
            "A handful of clients, data that changes rarely, or when the answers can be cached \
             by a CDN. It is the simplest thing that works, and every proxy understands it.",
        ),
        Transport::Longpoll => (
            "The phone asks, and the server holds the question open until the order changes (or a timeout), then the phone asks again.",
            "One request is parked on the server per client, and every update costs a fresh \
             request with its headers. Changes that land between two requests are folded into \
             one answer.",
            "When you need near-instant updates through old proxies or clients that cannot \
             keep a stream open: it is plain request and response, so it works everywhere.",
        ),
        Transport::Sse => (
            "The phone opens one long HTTP response and the server writes each change into it as an event.",
            "One open connection per client and a few bytes per change; nothing is sent when \
             nothing happens but a small keep-alive. The browser reconnects by itself and \
             resumes with Last-Event-ID, so no change is lost.",
            "Server-to-client updates such as order status, boards and dashboards. It is plain \
             HTTP, so logs, proxies and authentication work as they do for any request. It is \
             one-way: the client still sends its own actions as normal requests.",
        ),
        Transport::Ws => (
            "The phone upgrades a request to a WebSocket: one two-way channel of messages.",
            "As cheap as SSE on the wire, but you write the protocol yourself: there is no \
             built-in reconnect or resume, and every proxy on the way must allow the upgrade.",
            "When the client talks a lot too: chatting with the kitchen, editing a shared cart \
             live, games. For status that only flows from the server, SSE does the same job \
             with less to build.",
        ),
        Transport::SseDbPoll => (
            "The tutorials' sample: an SSE stream whose server loop asks the database for the \
             order every few seconds and sends it when it changed.",
            "SSE on the wire, polling underneath: a change waits half an interval on average, \
             and every open stream costs a database query per interval whether or not anything \
             happened (10,000 phones at 3 s: 3,333 queries a second). It cannot resume, so a \
             change made while a phone reconnects is simply missed.",
            "Never in production: it is here to be measured. Publish each change once, after \
             its commit, to the streams that wait for it (the SSE lane).",
        ),
    };
    TransportNote {
        transport: t,
        how,
        costs,
        choose_when,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_transport_has_its_own_colour_and_a_note() {
        let classes: HashSet<_> = Transport::ALL.iter().map(|t| transport_class(*t)).collect();
        assert_eq!(classes.len(), Transport::ALL.len());
        for t in Transport::ALL {
            let n = note(t);
            assert_eq!(n.transport, t);
            assert!(!n.how.is_empty() && !n.costs.is_empty() && !n.choose_when.is_empty());
        }
    }

    #[test]
    fn the_polling_note_does_its_sums() {
        // 10,000 clients, one request each every 5 s, for 60 s.
        assert_eq!(10_000 * 60 / 5, 120_000);
        assert!(note(Transport::Poll)
            .costs
            .contains("120,000 requests a minute"));
    }
}
