-- Staff sessions and failed sign-ins, kept in the database: a session
-- survives a restart, and (on PostgreSQL) is valid on every node; the
-- back-off after failed sign-ins holds whichever node a client tries.
-- A session is kept only as the SHA-256 of its token.
CREATE TABLE staff_sessions (
    token_hash TEXT    PRIMARY KEY NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX staff_sessions_by_expiry ON staff_sessions (expires_at);

CREATE TABLE sign_in_failures (
    client     TEXT    PRIMARY KEY NOT NULL,
    count      INTEGER NOT NULL,
    wait_until INTEGER NOT NULL
) STRICT;
