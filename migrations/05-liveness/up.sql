-- Machine liveness (issue 14 item 1): when each paired machine was last seen on the ATM relays,
-- from its signed heartbeat (kind 30078, d `satmachine:heartbeat`) or its NIP-46 requests
-- (kind 24133). Public metadata only. One row per machine; `last_seen_at` never moves backwards.
-- Forward-only: never edit this file once released; add a new numbered directory instead.
CREATE TABLE machine_liveness (
    machine_id    INTEGER PRIMARY KEY,                 -- machines.id; no foreign key: a record
    last_seen_at  INTEGER NOT NULL,                    -- the newest event's created_at (unix seconds)
    seen_by       TEXT    NOT NULL CHECK (seen_by IN ('heartbeat', 'nip46')),
    atm_pubkey    TEXT    NOT NULL,                    -- the ATM client key (hex) that signed it
    software      TEXT,                                -- from the newest heartbeat
    status        TEXT,                                -- ok | refused | unreachable, from the heartbeat
    updated_at    INTEGER NOT NULL
) STRICT;
