-- Satmachine Operator: fleet lifecycle (issue #4): settings, the last-seen bunker clients,
-- the last published operator-authored events, and indexes the lifecycle queries use.
-- Forward-only: never edit this file once released; add a new numbered directory instead.

-- Small operator preferences (e.g. whether the app revokes machines at the end of their term).
CREATE TABLE settings (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- The bunker's KeyUsers as last seen by reconcile (get_key_users, protocol §2.3.3), so that
-- clients the app does not know stay visible offline. Replaced wholesale at each reconcile.
CREATE TABLE bunker_clients (
    id          INTEGER PRIMARY KEY,          -- KeyUser.id, what revoke_user takes
    pubkey      TEXT    NOT NULL,              -- client pubkey (hex)
    description TEXT,                          -- token client name copied at redemption
    revoked_at  TEXT,                          -- the bunker's ISO time, NULL if active
    machine_id  INTEGER,                       -- no foreign key: a snapshot, not a relation
    role        TEXT    NOT NULL
                CHECK (role IN ('machine', 'stale', 'console', 'burned', 'unknown')),
    seen_at     INTEGER NOT NULL
) STRICT;

-- The last verified, published version of each operator-authored event, by its d tag: what a
-- new version is diffed against. Holds only public, signed data.
CREATE TABLE operator_events (
    d_tag        TEXT    PRIMARY KEY,
    kind         INTEGER NOT NULL,
    event_id     TEXT    NOT NULL,
    content      TEXT    NOT NULL,
    event_json   TEXT    NOT NULL CHECK (json_valid(event_json)),
    created_at   INTEGER NOT NULL,
    published_at INTEGER NOT NULL,
    relays       TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(relays))
) STRICT;

CREATE INDEX machines_state ON machines (state);
CREATE INDEX machines_client ON machines (atm_client_pubkey);
CREATE INDEX audit_log_machine ON audit_log (machine_id, id);
