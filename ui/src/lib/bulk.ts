// Pure logic of the bulk revoke (tested in bulk.test.ts): which selection the command gets,
// whether the typed text is what the core asked for, and each machine's step in words. The core
// says what to type (revoke_many_preview) and checks it again (revoke_many).
import type { SelectionInput } from "./ipc";

interface Sited {
  name: string;
  site: string | null;
}

const norm = (s: string | null): string => (s ?? "").trim().toLowerCase();

/**
 * The selection to send: a whole site when the selected machines are exactly every machine at
 * one site (the emergency stop for a compromised site, confirmed by its name), else the names.
 */
export function bulkSelection(selected: ReadonlySet<string>, rows: readonly Sited[]): SelectionInput {
  const picked = rows.filter((r) => selected.has(r.name));
  const site = picked[0]?.site ?? null;
  if (site !== null && norm(site) !== "" && picked.length === selected.size) {
    const atSite = rows.filter((r) => norm(r.site) === norm(site));
    if (atSite.length === picked.length && picked.every((r) => norm(r.site) === norm(site))) return { by: "site", site };
  }
  return { by: "names", names: [...selected] };
}

/** True when `typed` is the text the core asks for (revoke_many_preview), spaces around ignored. */
export function bulkConfirmed(expected: string, typed: string): boolean {
  return expected !== "" && typed.trim() === expected;
}

/** One machine's step as a line. */
export type BulkStep =
  | { step: "queued" }
  | { step: "running" }
  | { step: "skipped"; reason: string }
  | { step: "revoked"; detail: string }
  | { step: "pending"; reason?: string | null }
  | { step: "failed"; reason: string };

/** One machine's step in words. */
export function bulkStepText(s: BulkStep): string {
  switch (s.step) {
    case "queued":
      return "queued on this computer (revoke pending)";
    case "running":
      return "asking the bunker…";
    case "skipped":
      return `skipped: ${s.reason}`;
    case "revoked":
      return "revoked: the bunker refuses it now";
    case "pending":
      return `waits in the outbox: runs at the next sync${s.reason ? ` (${s.reason})` : ""}`;
    case "failed":
      return `the bunker refused the revoke: ${s.reason}`;
  }
}

/** The end of a bulk revoke in one line. */
export function bulkSummary(r: { revoked: number; pending: number; failed: number; skipped: readonly unknown[] }): string {
  const parts = [`${r.revoked} revoked`];
  if (r.pending > 0) parts.push(`${r.pending} waiting in the outbox (sent at the next sync)`);
  if (r.failed > 0) parts.push(`${r.failed} refused by the bunker`);
  if (r.skipped.length > 0) parts.push(`${r.skipped.length} skipped`);
  return parts.join(", ");
}
