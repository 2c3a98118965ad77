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
    after_seq     BIGINT  NOT NULL,
    failing_since BIGINT,
    disabled_at   BIGINT,
    lease_owner   TEXT,
    lease_until   BIGINT,
    created_at    BIGINT  NOT NULL
);

-- Every attempt to deliver a message, for `GET /api/webhooks/{id}/deliveries`.
CREATE TABLE webhook_attempts (
    endpoint_id TEXT    NOT NULL,
    seq         BIGINT  NOT NULL,
    attempt     BIGINT  NOT NULL,
    event_type  TEXT    NOT NULL,
    at          BIGINT  NOT NULL,
    status      BIGINT,
    error       TEXT,
    delivered   BIGINT  NOT NULL,
    PRIMARY KEY (endpoint_id, seq, attempt)
);
CREATE INDEX webhook_attempts_by_age ON webhook_attempts (at);
