"""Seeds an app data directory (run with the app closed) with an (unreachable) bunker profile and
cached machines, so the app shows them from its cache, offline.

  seed.py DB N              N machines for the benchmark: half paired (most seen within the
                            hour, every 50th silent), half unpaired, over 97 sites
  seed.py DB --every-state  the dashboard test's fleet: one machine in every state (see EVERY
                            below for the counts the test expects), a site of three paired
                            machines to revoke in bulk, two live prepared codes
"""
import json
import secrets
import sqlite3
import sys
import time

DAY = 86400
now = int(time.time())


def profile(c):
    """A stock nsecbunkerd 0.10 profile (ping answered `ok` on kind 24134) on a closed port."""
    c.execute(
        "INSERT OR REPLACE INTO bunker_profile (id, admin_pubkey, admin_relays, key_name, atm_relays, admin_reply_kind,"
        " ping_reply, encryption, probed_at, updated_at)"
        " VALUES (1, ?, ?, 'operator', ?, 24134, 'ok', 'nip04', ?, ?)",
        ("11" * 32, json.dumps(["ws://127.0.0.1:9"]), json.dumps(["ws://127.0.0.1:9"]), now - 3600, now),
    )


# Machine ids as the app makes them (migration 06): 10 random Crockford base32 characters.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def machine(c, name, site, state="unpaired", term_end=None, seen=None, legacy=0):
    paired = state in ("active", "revoke_pending", "revoked") or term_end is not None
    uid = "".join(secrets.choice(ALPHABET) for _ in range(10))
    cur = c.execute(
        "INSERT INTO machines (name, site, state, bunker_connection_id, atm_client_pubkey, paired_at,"
        " bunker_token_expires_at, legacy, created_at, updated_at, uid, client_name, changed_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (name, site, state, None, None, now - 3 * DAY if paired else None, term_end, legacy, now - 4 * DAY, now - 4 * DAY,
         uid, f"satmachine-{uid}", now - 4 * DAY),
    )
    mid = cur.lastrowid
    if paired:
        c.execute("UPDATE machines SET bunker_connection_id = ?, atm_client_pubkey = ? WHERE id = ?", (mid, "%064x" % mid, mid))
    if seen is not None:
        c.execute(
            "INSERT INTO machine_liveness (machine_id, last_seen_at, seen_by, atm_pubkey, updated_at) VALUES (?,?,?,?,?)",
            (mid, seen, "heartbeat", "%064x" % mid, now),
        )
    return mid


def revoke_row(c, mid, failed):
    (client_name,) = c.execute("SELECT client_name FROM machines WHERE id = ?", (mid,)).fetchone()
    payload = {"scope": "machine", "key_user_id": mid, "atm_pubkey": "%064x" % mid, "client_name": client_name, "reason": "operator"}
    c.execute(
        "INSERT INTO outbox (action, machine_id, payload, status, attempts, last_error, next_attempt_at, created_at, updated_at)"
        " VALUES ('revoke', ?, ?, ?, ?, ?, ?, ?, ?)",
        (mid, json.dumps(payload), "failed" if failed else "pending", 3 if failed else 0,
         "the bunker refused: no such client" if failed else None, now + 30 * DAY if not failed else now, now - DAY, now - DAY),
    )


# The dashboard test's fleet. Counts it expects (CountsView): machines 12, paired 7 (active 5,
# expiring 1, expired 1), silent 1, revoke_pending 1, revoke_failed 1, revoked 1, legacy 1,
# unpaired 1, pairing 0, live_codes 2, repair_queued 0.
def every_state(c):
    # The test drives the clock-free states itself: no automatic revoke of the expired machine.
    c.execute("INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES ('term.auto_revoke', 'false', ?)", (now,))
    for i in (1, 2, 3):
        machine(c, f"Harbour {i}", "Harbour", "active", now + 20 * DAY, now - 300)
    machine(c, "Lobby", "Main St", "active", now + 20 * DAY, now - 60)
    machine(c, "Expiring", "Main St", "active", now + 3 * DAY, now - 60)
    machine(c, "Expired", "Main St", "active", now - DAY, now - 60)
    machine(c, "Silent", "Airport", "active", now + 20 * DAY, now - 3 * DAY)
    revoke_row(c, machine(c, "Waiting", "Airport", "revoke_pending", now + 20 * DAY, now - 60), failed=False)
    revoke_row(c, machine(c, "Refused", "Airport", "revoke_pending", now + 20 * DAY, now - 60), failed=True)
    machine(c, "Revoked", "Airport", "revoked", now + 20 * DAY)
    machine(c, "Legacy", "Mall", "legacy", legacy=1)
    machine(c, "Unpaired", "Mall")
    for i in (1, 2):
        c.execute(
            "INSERT INTO prepared_codes (client_name, bunker_token_id, created_at, expires_at, site, state, updated_at)"
            " VALUES (?, ?, ?, ?, 'Harbour', 'live', ?)",
            (f"satmachine-code-{i}", 100 + i, now - 3600, now + DAY, now),
        )


def many(c, n):
    for i in range(n):
        active = i % 2 == 0
        seen = None if not active else (now - 3 * DAY if i % 100 == 0 else now - (i % 3600))
        machine(c, f"ATM {i:05d}", f"Site {i % 97}", "active" if active else "unpaired",
                now + 29 * DAY if active else None, seen)


db, what = sys.argv[1], sys.argv[2]
c = sqlite3.connect(db)
profile(c)
if what == "--every-state":
    every_state(c)
    print(f"seeded one machine in every state into {db}")
else:
    many(c, int(what))
    print(f"seeded {what} machines into {db}")
c.commit()
