"""Seeds an app data directory with N cached machines and an (unreachable) bunker profile, for the
start-up benchmark: the app must show the fleet from its cache, offline. Run with the app closed."""
import json
import secrets
import sqlite3
import sys
import time

db, n = sys.argv[1], int(sys.argv[2])
now = int(time.time())
c = sqlite3.connect(db)
c.execute(
    "INSERT OR REPLACE INTO bunker_profile (id, admin_pubkey, admin_relays, key_name, atm_relays, encryption, probed_at, updated_at)"
    " VALUES (1, ?, ?, 'operator', ?, 'nip04', ?, ?)",
    ("11" * 32, json.dumps(["ws://127.0.0.1:9"]), json.dumps(["ws://127.0.0.1:9"]), now - 3600, now),
)
# Machine ids as the app makes them (migration 06): 10 random Crockford base32 characters.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
uids = set()
while len(uids) < n:
    uids.add("".join(secrets.choice(ALPHABET) for _ in range(10)))
rows = []
for i, uid in enumerate(sorted(uids)):
    active = i % 2 == 0
    rows.append(
        (f"ATM {i:05d}", f"Site {i % 97}", "active" if active else "unpaired",
         i if active else None, ("%064x" % (i + 1)) if active else None,
         now - 86400 if active else None, now + 29 * 86400 if active else None, now - i, now - i,
         uid, f"satmachine-{uid}", now - i)
    )
c.executemany(
    "INSERT INTO machines (name, site, state, bunker_connection_id, atm_client_pubkey, paired_at,"
    " bunker_token_expires_at, created_at, updated_at, uid, client_name, changed_at)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
    rows,
)
c.commit()
print(f"seeded {n} machines into {db}")
