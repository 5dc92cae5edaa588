-- Satmachine Operator: initial schema.
-- Timestamps are INTEGER unix seconds. No secret ever goes into this database (DESIGN.md §1):
-- pairing secrets stay in memory, keys stay in the OS keyring or the bunker.
-- Forward-only: never edit this file once released; add a new numbered directory instead.

-- The one bunker this console administers (single row, id = 1).
CREATE TABLE bunker_profile (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    admin_pubkey     TEXT    NOT NULL,
    admin_relays     TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(admin_relays)),
    key_name         TEXT    NOT NULL,
    key_pubkey       TEXT,
    atm_relays       TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(atm_relays)),
    admin_reply_kind INTEGER,
    ping_reply       TEXT,
    encryption       TEXT    NOT NULL DEFAULT 'nip04' CHECK (encryption IN ('nip04', 'nip44')),
    capabilities     TEXT    CHECK (capabilities IS NULL OR json_valid(capabilities)),
    probed_at        INTEGER,
    updated_at       INTEGER NOT NULL
) STRICT;

CREATE TABLE machines (
    id                      INTEGER PRIMARY KEY,
    -- Unique ignoring case, so "ATM 1" and "atm 1" can't both exist (DESIGN.md §3 Pair step 1).
    name                    TEXT    NOT NULL COLLATE NOCASE UNIQUE
                            CHECK (length(name) BETWEEN 1 AND 50 AND name = trim(name)),
    site                    TEXT,
    state                   TEXT    NOT NULL DEFAULT 'unpaired'
                            CHECK (state IN ('unpaired', 'pairing', 'active', 'expiring', 'expired',
                                             'revoke_pending', 'revoked', 'legacy')),
    bunker_connection_id    INTEGER,
    atm_client_pubkey       TEXT,
    paired_at               INTEGER,
    bunker_token_expires_at INTEGER,
    legacy                  INTEGER NOT NULL DEFAULT 0 CHECK (legacy IN (0, 1)),
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL
) STRICT;

-- Work that needs the network, written in the same transaction as its local effect.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    action          TEXT    NOT NULL,
    machine_id      INTEGER REFERENCES machines (id),
    payload         TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX outbox_due ON outbox (status, next_attempt_at, id);
CREATE INDEX outbox_machine ON outbox (machine_id);

-- What was done, when, with which outcome. machine_id has no foreign key on purpose: the record
-- must outlive the machine row.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    action     TEXT    NOT NULL,
    machine_id INTEGER,
    outcome    TEXT    NOT NULL,
    detail     TEXT
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
