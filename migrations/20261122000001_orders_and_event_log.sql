-- Orderboard's schema: current orders, their stage history, and the
-- append-only event log whose sequence numbers are the SSE event ids.

CREATE TABLE orders (
    id             TEXT    PRIMARY KEY NOT NULL,
    number         INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999),
    customer       TEXT,
    channel        TEXT    NOT NULL CHECK (channel IN ('pickup', 'delivery')),
    -- JSON array of {"name": ..., "qty": ...}; items never change after creation.
    items          TEXT    NOT NULL,
    note           TEXT,
    stage          TEXT    NOT NULL CHECK (stage IN ('received', 'preparing', 'ready', 'out_for_delivery',
                                                    'collected', 'delivered', 'cancelled')),
    version        INTEGER NOT NULL CHECK (version >= 1),
    -- Milliseconds since the Unix epoch, UTC.
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    tracking_token TEXT    NOT NULL UNIQUE
) STRICT;

-- Two active orders never share a display number.
CREATE UNIQUE INDEX orders_active_number ON orders (number)
    WHERE stage NOT IN ('collected', 'delivered', 'cancelled');
CREATE INDEX orders_active_by_age ON orders (created_at)
    WHERE stage NOT IN ('collected', 'delivered', 'cancelled');
CREATE INDEX orders_by_update ON orders (updated_at);

CREATE TABLE stage_history (
    order_id TEXT    NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position >= 0),
    stage    TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (order_id, position)
) STRICT, WITHOUT ROWID;

-- Append-only. AUTOINCREMENT: a sequence number is never handed out twice,
-- even after old events are pruned.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id   TEXT    NOT NULL REFERENCES orders (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('created', 'advance', 'recall', 'cancel')),
    from_stage TEXT,
    to_stage   TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    -- The order's full state after this change, as JSON: replayed as it was.
    order_json TEXT    NOT NULL
) STRICT;
CREATE INDEX events_by_order ON events (order_id, seq);

-- The last display number handed out; numbers go round 1..999.
CREATE TABLE display_number (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    last      INTEGER NOT NULL
) STRICT;
INSERT INTO display_number (singleton, last) VALUES (1, 0);
