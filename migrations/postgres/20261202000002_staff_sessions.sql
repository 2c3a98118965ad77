-- Staff sessions and failed sign-ins, shared by every node: a session made
-- on one node is valid on all of them and survives restarts, and the
-- back-off after failed sign-ins holds whichever node a client tries.
-- A session is kept only as the SHA-256 of its token.
CREATE TABLE staff_sessions (
    token_hash TEXT   PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX staff_sessions_by_expiry ON staff_sessions (expires_at);

CREATE TABLE sign_in_failures (
    client     TEXT   PRIMARY KEY NOT NULL,
    count      BIGINT NOT NULL,
    wait_until BIGINT NOT NULL
);
