// Pure logic of the dashboard (tested in dashboard.test.ts): the count tiles in order, and
// what each "needs attention" action does in the app. The core decides which rows need
// attention and which action fixes each; this maps its choice onto a screen or a command.
import type { CountsView, FixView, ReachView } from "./ipc";

/** One count tile: the count's key, its words, and how it reads (ok, warn, bad, plain). */
export interface Tile {
  key: keyof CountsView;
  label: string;
  tone: "ok" | "warn" | "bad" | "plain";
  /** The fleet filter this tile opens (a machine state), if any. */
  state?: string;
}

/** The tiles, most reassuring first, then what needs care. */
export const TILES: readonly Tile[] = [
  { key: "paired", label: "Paired", tone: "ok" },
  { key: "expiring", label: "Expiring ≤ 7 days", tone: "warn", state: "expiring" },
  { key: "expired", label: "Expired", tone: "bad", state: "expired" },
  { key: "silent", label: "Silent", tone: "warn" },
  { key: "revoke_pending", label: "Revoke pending", tone: "warn", state: "revoke_pending" },
  { key: "revoke_failed", label: "Revoke failed", tone: "bad" },
  { key: "revoked", label: "Revoked", tone: "plain", state: "revoked" },
  { key: "legacy", label: "Legacy pairing", tone: "warn", state: "legacy" },
  { key: "live_codes", label: "Live prepared codes", tone: "plain" },
  { key: "unpaired", label: "Unpaired", tone: "plain", state: "unpaired" },
  { key: "pairing", label: "Pairing", tone: "plain", state: "pairing" },
  { key: "repair_queued", label: "Queued for re-pair", tone: "plain" },
];

/** A tile's tone once its count is known: zero trouble is calm. */
export function toneOf(tile: Tile, count: number): Tile["tone"] {
  return count === 0 && tile.tone !== "ok" ? "plain" : tile.tone;
}

/** What an attention row's action does in the app. */
export type Move =
  | { kind: "pair"; machine: string }
  | { kind: "open"; machine: string }
  | { kind: "retry"; outboxId: number }
  | { kind: "burn"; codeId: number }
  | { kind: "revoke_code_client"; codeId: number }
  | { kind: "sync" }
  | { kind: "none" };

/** The move for `fix` on a row (its machine, outbox row or code); none when a field is missing. */
export function moveOf(fix: FixView, row: { machine: string | null; outbox_id: number | null; code_id: number | null }): Move {
  switch (fix) {
    case "renew":
    case "pair":
      return row.machine ? { kind: "pair", machine: row.machine } : { kind: "none" };
    case "check_machine":
      return row.machine ? { kind: "open", machine: row.machine } : { kind: "none" };
    case "retry_revoke":
    case "retry_action":
      return row.outbox_id !== null ? { kind: "retry", outboxId: row.outbox_id } : { kind: "none" };
    case "burn_code":
      return row.code_id !== null ? { kind: "burn", codeId: row.code_id } : { kind: "none" };
    case "revoke_code_client":
      return row.code_id !== null ? { kind: "revoke_code_client", codeId: row.code_id } : { kind: "none" };
    case "sync":
      return { kind: "sync" };
  }
}

/** A peer's reach in words. */
export function reachText(reach: ReachView): string {
  switch (reach) {
    case "reachable":
      return "reachable";
    case "unreachable":
      return "unreachable";
    case "unknown":
      return "not tried yet";
  }
}
