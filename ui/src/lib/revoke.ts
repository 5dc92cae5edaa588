// Pure logic of the revoke confirmation (tested in revoke.test.ts): the operator types the
// machine's name; the command applies the same rule (src-tauri/src/commands/machine.rs).

/** True when `typed` confirms revoking `name`: exact case, spaces around ignored. */
export function confirmMatches(name: string, typed: string): boolean {
  return name !== "" && typed.trim() === name;
}

/** A revoke's result as the UI shows it. */
export interface RevokeResult {
  outcome: "revoked" | "pending" | "failed";
}

/** Badge words and class for a revoke's result. */
export function revokeBadge(r: RevokeResult): { text: string; cls: string } {
  switch (r.outcome) {
    case "revoked":
      return { text: "revoked", cls: "revoked" };
    case "pending":
      return { text: "revoke pending", cls: "revoke_pending" };
    case "failed":
      return { text: "revoke failed", cls: "revoked" };
  }
}

/** A revoke step in words. */
export function revokeStepText(step: string): string {
  switch (step) {
    case "queued":
      return "Revoke queued on this computer (the machine is revoke pending)…";
    case "running":
      return "Asking the bunker to revoke the ATM's access…";
    default:
      return "Working…";
  }
}

/** Machines in these states have access that a revoke can end. */
export function canRevoke(state: string): boolean {
  return ["active", "expiring", "expired", "pairing", "revoke_pending"].includes(state);
}
