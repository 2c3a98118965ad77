-- API keys for integrations, the answers kept for Idempotency-Key retries,
-- and an order's reference in another system. Adds only: every existing
-- order, history entry and event stays as it was.

-- A key is kept only as the SHA-256 of its text (hex); `hint` is its first
-- characters, to tell keys apart. Scopes are space-separated names
-- ("orders:read orders:write"). Revoking a key deletes its row.
CREATE TABLE api_keys (
    id           TEXT    PRIMARY KEY NOT NULL,
    name         TEXT    NOT NULL,
    scopes       TEXT    NOT NULL,
    key_hash     TEXT    NOT NULL UNIQUE,
    hint         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
) STRICT;

-- The answer given to a request that carried an Idempotency-Key, per
-- caller ("staff", or "key:<id>"), written in the same transaction as the
-- change it answered; kept at least 24 hours. `request_hash` is the SHA-256
-- of the request (method, path and canonical JSON body). `status` 0 marks
-- a claim whose change is still being written (PostgreSQL).
CREATE TABLE idempotency_records (
    caller       TEXT    NOT NULL,
    idem_key     TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       INTEGER NOT NULL,
    location     TEXT,
    body         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (caller, idem_key)
) STRICT;
CREATE INDEX idempotency_records_by_age ON idempotency_records (created_at);

-- An order's reference in the system it came from (a till, a platform):
-- unique per source.
ALTER TABLE orders ADD COLUMN external_source TEXT;
ALTER TABLE orders ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX orders_external_ref ON orders (external_source, external_id)
    WHERE external_source IS NOT NULL;
