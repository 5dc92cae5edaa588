// Pure logic of the admin-key chooser (tested in signer.test.ts).

/** How long the screen waits for the phone to scan the nostrconnect code. */
export const SCAN_WAIT_SECS = 300;

/** How often the bunker is asked whether it accepts the new admin npub. */
export const PROBE_EVERY_MS = 5_000;

/** "4:05" for a countdown of `secs` seconds (never negative). */
export function countdown(secs: number): string {
  const s = Math.max(0, Math.floor(secs));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** The live status line while the phone has not answered yet. */
export function waitingLine(secsLeft: number): string {
  return secsLeft > 0
    ? `Waiting for your signer… ${countdown(secsLeft)} left. Open Amber, nsec.app or your signer and scan the code.`
    : "The code expired: show a new one.";
}

/** The relays to offer the phone: the typed ones, else the bunker's admin relays. */
export function signerRelays(typed: string, fallback: string[]): string[] {
  const own = typed
    .split(/[\s,]+/)
    .map((r) => r.trim())
    .filter((r) => r !== "");
  return own.length > 0 ? own : fallback;
}
