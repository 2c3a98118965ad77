//! Kitchen printers (ESC/POS over raw TCP, port 9100). So far: the ticket
//! an order prints ([`ticket`]) and its ESC/POS bytes ([`escpos`]); the
//! printers' registration and their durable queue (a cursor over the event
//! log, as webhooks have) are to follow.

pub mod escpos;
pub mod ticket;
