-- One fleet, many consoles (issue 13): a machine's identity travels with it.
-- `uid` is a random 10-character Crockford base32 id made when the machine is added; the bunker
-- knows the machine by `client_name` (`satmachine-<uid>` for machines added from now on). Rows
-- added before keep the name their tokens and KeyUsers already carry (`satmachine-<row id>`).
-- `changed_at` / `changed_by` say when and by which console (npub; NULL = this console) the
-- machine last changed in a way the roster carries; the roster merge writes them explicitly.
-- Forward-only: never edit this file once released; add a new numbered directory instead.
ALTER TABLE machines ADD COLUMN uid TEXT;
ALTER TABLE machines ADD COLUMN client_name TEXT;
ALTER TABLE machines ADD COLUMN changed_at INTEGER;
ALTER TABLE machines ADD COLUMN changed_by TEXT;

-- Existing machines: a random id each (SQLite's randomness, seeded from the OS), their old
-- bunker name kept.
UPDATE machines SET
    uid = substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (abs(random()) % 32) + 1, 1)
       || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (abs(random()) % 32) + 1, 1)
       || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (abs(random()) % 32) + 1, 1)
       || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (abs(random()) % 32) + 1, 1)
       || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (abs(random()) % 32) + 1, 1)
       || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (abs(random()) % 32) + 1, 1)
       || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (abs(random()) % 32) + 1, 1)
       || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (abs(random()) % 32) + 1, 1)
       || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (abs(random()) % 32) + 1, 1)
       || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (abs(random()) % 32) + 1, 1),
    client_name = 'satmachine-' || id,
    changed_at = updated_at;

CREATE UNIQUE INDEX machines_uid ON machines (uid);
CREATE UNIQUE INDEX machines_client_name ON machines (client_name);

-- A change the roster carries marks the row as changed here, now, unless the statement itself
-- set `changed_at` (the roster merge, which records another console's change). Moving between
-- active, expiring and expired is the clock's doing, not a change: every console derives it from
-- the access term's end, which the roster carries.
CREATE TRIGGER machines_changed_here AFTER UPDATE ON machines
WHEN NEW.changed_at IS OLD.changed_at
 AND (NEW.name IS NOT OLD.name OR NEW.site IS NOT OLD.site
      OR NEW.atm_client_pubkey IS NOT OLD.atm_client_pubkey OR NEW.paired_at IS NOT OLD.paired_at
      OR NEW.bunker_token_expires_at IS NOT OLD.bunker_token_expires_at
      OR (NEW.state IS NOT OLD.state
          AND NOT (NEW.state IN ('active', 'expiring', 'expired')
                   AND OLD.state IN ('active', 'expiring', 'expired'))))
BEGIN
    UPDATE machines SET changed_at = NEW.updated_at, changed_by = NULL WHERE id = NEW.id;
END;

-- The roster is the fleet's shared record: a change it carries, made here, queues one roster
-- publication in the same transaction (coalesced: one pending row at a time; its content is built
-- from the cache when it runs). Only once connected: a console that has no bunker publishes
-- nothing, and a merge of another console's change (explicit `changed_at`) queues nothing.
CREATE TRIGGER machines_roster_on_insert AFTER INSERT ON machines
WHEN NEW.changed_by IS NULL
 AND EXISTS (SELECT 1 FROM bunker_profile)
 AND NOT EXISTS (SELECT 1 FROM outbox WHERE action = 'publish_roster' AND status = 'pending')
BEGIN
    INSERT INTO outbox (action, payload, status, attempts, next_attempt_at, created_at, updated_at)
    VALUES ('publish_roster', '{}', 'pending', 0, NEW.updated_at, NEW.updated_at, NEW.updated_at);
END;

CREATE TRIGGER machines_roster_on_update AFTER UPDATE ON machines
WHEN NEW.changed_at IS OLD.changed_at
 AND (NEW.name IS NOT OLD.name OR NEW.site IS NOT OLD.site
      OR NEW.atm_client_pubkey IS NOT OLD.atm_client_pubkey OR NEW.paired_at IS NOT OLD.paired_at
      OR NEW.bunker_token_expires_at IS NOT OLD.bunker_token_expires_at
      OR (NEW.state IS NOT OLD.state
          AND NOT (NEW.state IN ('active', 'expiring', 'expired')
                   AND OLD.state IN ('active', 'expiring', 'expired'))))
 AND EXISTS (SELECT 1 FROM bunker_profile)
 AND NOT EXISTS (SELECT 1 FROM outbox WHERE action = 'publish_roster' AND status = 'pending')
BEGIN
    INSERT INTO outbox (action, payload, status, attempts, next_attempt_at, created_at, updated_at)
    VALUES ('publish_roster', '{}', 'pending', 0, NEW.updated_at, NEW.updated_at, NEW.updated_at);
END;

-- Which console acted (npub: public, and never mistaken for a stray 64-hex secret by the
-- migration check's scan), for entries written from now on.
ALTER TABLE audit_log ADD COLUMN console TEXT;
