-- Kitchen printers and their durable queue. Adds only.
--
-- The event log is the queue of new orders: a printer's `after_seq` is its
-- durable cursor (every order made up to it was printed, or had nothing
-- for the printer's stations), moved only after the printer took the
-- ticket. Reprints and test tickets are not log events: they are rows of
-- `print_jobs` (the ticket's ESC/POS bytes), printed in `id` order and
-- deleted once taken. `stations` is the station ids, separated by spaces
-- (empty: every item). `state` is unknown, online or offline, since
-- `state_since`; `last_error` says why. `lease_owner` and `lease_until`
-- name the node that prints for the printer (several nodes on
-- PostgreSQL); times are Unix milliseconds.
CREATE TABLE printers (
    id          TEXT    PRIMARY KEY NOT NULL,
    name        TEXT    NOT NULL,
    address     TEXT    NOT NULL,
    stations    TEXT    NOT NULL,
    after_seq   INTEGER NOT NULL,
    state       TEXT    NOT NULL,
    state_since INTEGER,
    last_error  TEXT,
    lease_owner TEXT,
    lease_until INTEGER,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE print_jobs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    printer_id TEXT    NOT NULL,
    ticket     BLOB    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX print_jobs_by_printer ON print_jobs (printer_id, id);
