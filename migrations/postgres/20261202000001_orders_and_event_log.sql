-- Orderboard's schema on PostgreSQL (several nodes sharing one database).
-- The same tables and columns as on SQLite (migrations/*.sql), with the same
-- types: ids and JSON as text, times as Unix milliseconds in a BIGINT. So
-- rows are read by the same code on both.

CREATE TABLE orders (
    -- Insertion order, the tie-break of equal creation times (SQLite's rowid).
    rowid          BIGINT  GENERATED ALWAYS AS IDENTITY,
    id             TEXT    PRIMARY KEY NOT NULL,
    number         BIGINT  NOT NULL CHECK (number BETWEEN 1 AND 999),
    customer       TEXT,
    channel        TEXT    NOT NULL CHECK (channel IN ('pickup', 'delivery')),
    -- JSON array of {"name": ..., "qty": ...}; items never change after creation.
    items          TEXT    NOT NULL,
    note           TEXT,
    stage          TEXT    NOT NULL CHECK (stage IN ('received', 'preparing', 'ready', 'out_for_delivery',
                                                    'collected', 'delivered', 'cancelled')),
    version        BIGINT  NOT NULL CHECK (version >= 1),
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    tracking_token TEXT    NOT NULL UNIQUE
);

-- Two active orders never share a display number, whichever node made them.
CREATE UNIQUE INDEX orders_active_number ON orders (number)
    WHERE stage NOT IN ('collected', 'delivered', 'cancelled');
CREATE INDEX orders_active_by_age ON orders (created_at, rowid)
    WHERE stage NOT IN ('collected', 'delivered', 'cancelled');
CREATE INDEX orders_by_update ON orders (updated_at);

CREATE TABLE stage_history (
    order_id TEXT   NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position BIGINT NOT NULL CHECK (position >= 0),
    stage    TEXT   NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (order_id, position)
);

-- Append-only. A sequence number is handed out by the writer that holds
-- the log_head row lock, so numbers commit in order and without gaps: a
-- reader that has seen seq N never finds a smaller one committed later.
CREATE TABLE events (
    seq        BIGINT PRIMARY KEY,
    order_id   TEXT   NOT NULL REFERENCES orders (id),
    kind       TEXT   NOT NULL CHECK (kind IN ('created', 'advance', 'recall', 'cancel')),
    from_stage TEXT,
    to_stage   TEXT   NOT NULL,
    at         BIGINT NOT NULL,
    -- The order's full state after this change, as JSON: replayed as it was.
    order_json TEXT   NOT NULL
);
CREATE INDEX events_by_order ON events (order_id, seq);
CREATE INDEX events_by_time ON events (at);

-- The last sequence number handed out. Every write transaction reads it
-- FOR UPDATE first: the one serial point of the cluster.
CREATE TABLE log_head (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    seq       BIGINT  NOT NULL
);
INSERT INTO log_head (singleton, seq) VALUES (1, 0);

-- The last display number handed out; numbers go round 1..999.
CREATE TABLE display_number (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    last      BIGINT  NOT NULL
);
INSERT INTO display_number (singleton, last) VALUES (1, 0);

-- The staff passphrase, as an argon2 hash in PHC form.
CREATE TABLE staff_passphrase (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    phc       TEXT    NOT NULL,
    set_at    BIGINT  NOT NULL
);
