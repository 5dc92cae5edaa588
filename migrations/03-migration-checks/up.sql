-- Migration status checklist runs (issue #6): the last result is shown offline, with its age.
-- `result` is the checklist as JSON: statuses, evidence and fix-it hints. It never holds a
-- secret: evidence names tables, columns, accounts and key names, never a key's value.
CREATE TABLE migration_checks (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    run_at INTEGER NOT NULL,
    result TEXT    NOT NULL CHECK (json_valid(result))
) STRICT;

CREATE INDEX migration_checks_run_at ON migration_checks (run_at, id);
