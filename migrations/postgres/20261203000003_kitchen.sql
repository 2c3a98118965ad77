-- The kitchen: dine-in orders (a table, and the `served` stage), scheduled
-- orders (a due time, the `scheduled` stage and the time they fire), item
-- bumps and settings changes in the event log, the shared settings, and
-- the menu. Every order, its history and the whole event log are kept.
-- See migrations/20261203000003_kitchen.sql for the columns.

ALTER TABLE orders DROP CONSTRAINT orders_channel_check;
ALTER TABLE orders ADD CONSTRAINT orders_channel_check
    CHECK (channel IN ('pickup', 'delivery', 'dine_in'));
ALTER TABLE orders DROP CONSTRAINT orders_stage_check;
ALTER TABLE orders ADD CONSTRAINT orders_stage_check
    CHECK (stage IN ('scheduled', 'received', 'preparing', 'ready', 'out_for_delivery',
                     'collected', 'delivered', 'served', 'cancelled'));
ALTER TABLE orders ADD COLUMN dine_table TEXT;
ALTER TABLE orders ADD COLUMN due_at BIGINT;
ALTER TABLE orders ADD COLUMN fire_at BIGINT;

DROP INDEX orders_active_number;
CREATE UNIQUE INDEX orders_active_number ON orders (number)
    WHERE stage NOT IN ('collected', 'delivered', 'served', 'cancelled');
DROP INDEX orders_active_by_age;
CREATE INDEX orders_active_by_age ON orders (created_at, rowid)
    WHERE stage NOT IN ('collected', 'delivered', 'served', 'cancelled');
CREATE INDEX orders_to_fire ON orders (fire_at) WHERE stage = 'scheduled';

ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check
    CHECK (kind IN ('created', 'advance', 'recall', 'cancel', 'item', 'settings'));
ALTER TABLE events ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE events ALTER COLUMN to_stage DROP NOT NULL;
ALTER TABLE events ALTER COLUMN order_json DROP NOT NULL;
ALTER TABLE events ADD COLUMN item_index BIGINT;
ALTER TABLE events ADD COLUMN item_done BOOLEAN;
ALTER TABLE events ADD COLUMN board BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE events ADD COLUMN settings_json TEXT;
ALTER TABLE events ADD COLUMN board_json TEXT;
ALTER TABLE events ADD CONSTRAINT events_order_or_settings
    CHECK ((order_id IS NOT NULL AND to_stage IS NOT NULL AND order_json IS NOT NULL)
           OR (kind = 'settings' AND settings_json IS NOT NULL));

CREATE TABLE kitchen_settings (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    json      TEXT    NOT NULL
);

CREATE TABLE menu (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    json      TEXT    NOT NULL
);
