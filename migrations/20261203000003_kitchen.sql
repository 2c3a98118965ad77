-- The kitchen: dine-in orders (a table, and the `served` stage), scheduled
-- orders (a due time, the `scheduled` stage and the time they fire), item
-- bumps and settings changes in the event log, the shared settings, and
-- the menu. Every order, its history and the whole event log are kept.
--
-- `orders.channel`, `orders.stage` and `events.kind` have CHECK
-- constraints, which SQLite cannot alter: both tables are rebuilt by
-- SQLite's procedure for schema changes (https://sqlite.org/lang_altertable.html,
-- "Making Other Kinds Of Table Schema Changes"): in one transaction, with
-- foreign keys off (the server migrates on a connection opened so,
-- `db::migrate_sqlite`: dropping `orders` with them on would first delete
-- every row, and with it, by cascade, every stage history), a new table
-- filled from the old, the old dropped, the new renamed, every index made
-- again, and the foreign keys checked. The event log keeps its
-- AUTOINCREMENT counter, so that no sequence number is ever handed out
-- twice, even after pruning.

CREATE TABLE orders_new (
    id             TEXT    PRIMARY KEY NOT NULL,
    number         INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999),
    customer       TEXT,
    channel        TEXT    NOT NULL CHECK (channel IN ('pickup', 'delivery', 'dine_in')),
    -- JSON array of {"name", "qty", "modifiers"?, "note"?, "station"?,
    -- "done_at"?}; rewritten when an item is bumped.
    items          TEXT    NOT NULL,
    note           TEXT,
    stage          TEXT    NOT NULL CHECK (stage IN ('scheduled', 'received', 'preparing', 'ready',
                                                    'out_for_delivery', 'collected', 'delivered',
                                                    'served', 'cancelled')),
    version        INTEGER NOT NULL CHECK (version >= 1),
    -- Milliseconds since the Unix epoch, UTC.
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    tracking_token TEXT    NOT NULL UNIQUE,
    external_source TEXT,
    external_id    TEXT,
    -- A dine-in order's table.
    dine_table     TEXT,
    -- A scheduled order's due time, and when it enters `received` (its
    -- fire time: the due time less its stations' preparation time).
    due_at         INTEGER,
    fire_at        INTEGER
) STRICT;

INSERT INTO orders_new (id, number, customer, channel, items, note, stage, version,
                        created_at, updated_at, tracking_token, external_source, external_id)
    SELECT id, number, customer, channel, items, note, stage, version,
           created_at, updated_at, tracking_token, external_source, external_id
    FROM orders ORDER BY rowid;

DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;

-- Two active orders never share a display number.
CREATE UNIQUE INDEX orders_active_number ON orders (number)
    WHERE stage NOT IN ('collected', 'delivered', 'served', 'cancelled');
CREATE INDEX orders_active_by_age ON orders (created_at)
    WHERE stage NOT IN ('collected', 'delivered', 'served', 'cancelled');
CREATE INDEX orders_by_update ON orders (updated_at);
CREATE UNIQUE INDEX orders_external_ref ON orders (external_source, external_id)
    WHERE external_source IS NOT NULL;
-- The scheduled orders, by the time they fire.
CREATE INDEX orders_to_fire ON orders (fire_at) WHERE stage = 'scheduled';

-- The event log. An order's change has an `order_id`, its stages and the
-- order's full state after it (`order_json`); an item bump also says which
-- item (`item_index`) and whether it is now done (`item_done`). A settings
-- change has no order: `settings_json` holds the new settings, and
-- `board_json`, when the change alters which orders customer boards show
-- (dine-in orders on or off), the boards' new state. `board` is 0 for an
-- order's change that customer boards do not show (a dine-in order while
-- dine-in orders are off the board).
CREATE TABLE events_new (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id      TEXT    REFERENCES orders (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('created', 'advance', 'recall', 'cancel',
                                                   'item', 'settings')),
    from_stage    TEXT,
    to_stage      TEXT,
    at            INTEGER NOT NULL,
    order_json    TEXT,
    item_index    INTEGER,
    item_done     INTEGER,
    board         INTEGER NOT NULL DEFAULT 1,
    settings_json TEXT,
    board_json    TEXT,
    CHECK ((order_id IS NOT NULL AND to_stage IS NOT NULL AND order_json IS NOT NULL)
           OR (kind = 'settings' AND settings_json IS NOT NULL))
) STRICT;

INSERT INTO events_new (seq, order_id, kind, from_stage, to_stage, at, order_json)
    SELECT seq, order_id, kind, from_stage, to_stage, at, order_json FROM events ORDER BY seq;

-- The counter goes on from where the old log's stopped (not from its
-- newest remaining event: older events may have been pruned to none).
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'events_new', 0
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events_new');
UPDATE sqlite_sequence
    SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0))
    WHERE name = 'events_new';

DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_by_order ON events (order_id, seq);

-- The kitchen's settings, as JSON (orderboard_model::Settings); no row
-- means the defaults.
CREATE TABLE kitchen_settings (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    json      TEXT    NOT NULL
) STRICT;

-- The menu, as JSON (orderboard_model::Menu); no row means an empty menu.
CREATE TABLE menu (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    json      TEXT    NOT NULL
) STRICT;

-- Every order's history and events still name an order that exists (the
-- insert fails, and the migration with it, if any does not).
CREATE TEMP TABLE kitchen_migration_check (
    foreign_keys_hold INTEGER NOT NULL CHECK (foreign_keys_hold = 1)
);
INSERT INTO kitchen_migration_check
    SELECT NOT EXISTS (SELECT 1 FROM pragma_foreign_key_check);
DROP TABLE kitchen_migration_check;
