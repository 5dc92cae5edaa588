-- PLACEHOLDER added on branch h7 only so that the loader (consecutive ids) accepts 06 in this branch.
-- DROP this directory at merge: the real 05 migration replaces it.
SELECT 1;
