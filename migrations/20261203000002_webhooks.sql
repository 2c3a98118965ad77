-- Outbound webhooks. Adds only.
--
-- The event log is the outbox: an endpoint's `after_seq` is its durable
-- cursor (every change up to it was delivered, or was not of a type it
-- wants), and the message for change `seq` is `msg_<seq>` on every attempt.
-- `secret` is the signing key (`whsec_…`), needed to sign each message.
-- `failing_since` is when the message being sent first failed;
-- `disabled_at` is set once it has failed for too long. `lease_owner` and
-- `lease_until` name the node that delivers for the endpoint (several
-- nodes on PostgreSQL); times are Unix milliseconds.
CREATE TABLE webhook_endpoints (
    id            TEXT    PRIMARY KEY NOT NULL,
    url           TEXT    NOT NULL,
    events        TEXT    NOT NULL,
    secret        TEXT    NOT NULL,
    after_seq     INTEGER NOT NULL,
    failing_since INTEGER,
    disabled_at   INTEGER,
    lease_owner   TEXT,
    lease_until   INTEGER,
    created_at    INTEGER NOT NULL
) STRICT;

-- Every attempt to deliver a message, for `GET /api/webhooks/{id}/deliveries`.
CREATE TABLE webhook_attempts (
    endpoint_id TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    attempt     INTEGER NOT NULL,
    event_type  TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    status      INTEGER,
    error       TEXT,
    delivered   INTEGER NOT NULL,
    PRIMARY KEY (endpoint_id, seq, attempt)
) STRICT;
CREATE INDEX webhook_attempts_by_age ON webhook_attempts (at);
