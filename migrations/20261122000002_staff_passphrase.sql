-- The staff passphrase, as an argon2 hash in PHC form: set on first run from
-- the restaurant's own machine (or by --staff-passphrase), kept across restarts.
CREATE TABLE staff_passphrase (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    phc       TEXT    NOT NULL,
    set_at    INTEGER NOT NULL
) STRICT;
