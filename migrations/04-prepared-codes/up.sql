-- Prepared pairing codes (issue 12, DESIGN.md "Prepared codes"): tokens minted ahead at the
-- desk, shown at the site with no network. Only what is not secret lives here: each code's
-- secret is in the secret store (entry `prepared-code-<id>`), never in this database.
-- Forward-only: never edit this file once released; add a new numbered directory instead.
CREATE TABLE prepared_codes (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    client_name          TEXT    NOT NULL UNIQUE,      -- the token's client name on the bunker
    bunker_token_id      INTEGER NOT NULL,              -- KeyToken.id
    created_at           INTEGER NOT NULL,
    expires_at           INTEGER NOT NULL,              -- end of the redeem window (unix seconds)
    site                 TEXT,
    machine_id           INTEGER,                       -- assigned at `show`; no foreign key: a record
    shown_at             INTEGER,
    state                TEXT    NOT NULL DEFAULT 'live'
                         CHECK (state IN ('live', 'shown', 'redeemed', 'burned', 'expired', 'flagged')),
    noted_fingerprint    TEXT,                          -- what the operator read off the ATM's screen
    redeemed_by          TEXT,                          -- client pubkey (hex) that redeemed it
    burn_requested_at    INTEGER,                       -- burn asked while offline: done at the next sync
    detail               TEXT,                          -- why flagged / how it ended, for people
    updated_at           INTEGER NOT NULL
) STRICT;

CREATE INDEX prepared_codes_state ON prepared_codes (state, expires_at);
CREATE UNIQUE INDEX prepared_codes_machine_shown ON prepared_codes (machine_id) WHERE state = 'shown';
