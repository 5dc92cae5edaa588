// Prepared pairing codes in words. The core decides every rule (count, validity, which code is
// given, what a state means); this only formats what it returns. Tested in codes.test.ts.
import { day, dayTime } from "./format";

/** The core's live-code summary (StatusView.prepared_codes). */
export type CodesSummary = { live: number; nearest_expiry: number | null };

/** "3 live codes · nearest expiry 5 Dec 2026, 14:05", or null when none is live. */
export function liveCodesLine(s: CodesSummary): string | null {
  if (s.live <= 0) return null;
  const n = s.live === 1 ? "1 live code" : `${s.live} live codes`;
  return s.nearest_expiry === null ? n : `${n} · nearest expiry ${dayTime(s.nearest_expiry)}`;
}

/** "prepared on 3 Dec 2026, valid until 10 Dec 2026, 09:30". */
export function preparedLine(createdAt: number, expiresAt: number): string {
  return `prepared on ${day(createdAt)}, valid until ${dayTime(expiresAt)}`;
}

/** What the list needs of a code row. */
export type CodeLike = {
  state: string;
  machine: string | null;
  burn_pending: boolean;
  detail: string | null;
};

/** A code's state for the list: the core's state, with the machine, a pending burn, or the reason. */
export function codeStateText(c: CodeLike): string {
  if (c.burn_pending) return "burn pending (runs at the next sync)";
  switch (c.state) {
    case "shown":
      return c.machine ? `shown to “${c.machine}”: pairing (offline)` : "shown";
    case "redeemed":
      return c.machine ? `redeemed by “${c.machine}”` : "redeemed";
    case "flagged":
      return c.detail ? `FLAGGED: ${c.detail}` : "FLAGGED";
    default:
      return c.state;
  }
}

/** Failures of the Pair wizard after which a prepared code may be offered instead. */
export function offersPreparedCode(kind: string): boolean {
  return kind === "unreachable" || kind === "timeout";
}

/** What a burn did, in one line. */
export function burnLine(r: { burned: number[]; expired: number[]; already_redeemed: number[]; pending: number[]; offline_reason: string | null }): string {
  const parts: string[] = [];
  if (r.burned.length > 0) parts.push(`${r.burned.length} burned`);
  if (r.expired.length > 0) parts.push(`${r.expired.length} already expired`);
  if (r.already_redeemed.length > 0) parts.push(`${r.already_redeemed.length} redeemed by someone first (flagged)`);
  if (r.pending.length > 0) parts.push(`${r.pending.length} burn at the next sync${r.offline_reason ? ` (${r.offline_reason})` : ""}`);
  return parts.length === 0 ? "Nothing to burn." : `${parts.join(", ")}.`;
}

/** The machines a prepared code is shown to (the core's state `shown`): "pairing (offline)". */
export function pairingOffline(codes: { state: string; machine: string | null; burn_pending: boolean }[]): Set<string> {
  return new Set(codes.filter((c) => c.state === "shown" && !c.burn_pending && c.machine !== null).map((c) => c.machine as string));
}
