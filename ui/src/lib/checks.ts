// Pure logic of the Migration and Activity screens (tested in checks.test.ts).

/** Badge words for a check's status. */
export function checkLabel(status: string): string {
  switch (status) {
    case "pass":
      return "Pass";
    case "fail":
      return "Fail";
    case "warn":
      return "Warning";
    default:
      return "Unknown";
  }
}

/** Badge class: the same colours as machine states (green, red, amber). */
export function checkClass(status: string): string {
  switch (status) {
    case "pass":
      return "active";
    case "fail":
      return "revoked";
    default:
      return "pairing";
  }
}

/** The checklist's headline. */
export function checklistHeadline(list: { passed: boolean; checks: { status: string }[] }): string {
  const warn = list.checks.filter((c) => c.status === "warn").length;
  if (list.passed && warn === 0) return "The move to the bunker is complete: every check passes.";
  if (list.passed) return `The move to the bunker is complete, with ${warn} warning${warn === 1 ? "" : "s"}: see the fix.`;
  const fail = list.checks.filter((c) => c.status === "fail").length;
  const unknown = list.checks.filter((c) => c.status === "unknown").length;
  const parts = [fail > 0 ? `${fail} failing` : "", unknown > 0 ? `${unknown} not verified` : ""].filter((p) => p !== "");
  return `Not complete: ${parts.join(", ")}.`;
}

/** An audit entry as the filter sees it. */
export interface Searchable {
  action: string;
  machine: string | null;
  outcome: string;
  detail: string | null;
}

/** Entries whose action, machine, outcome or detail contains `text` (ignoring case). */
export function filterActivity<T extends Searchable>(entries: T[], text: string): T[] {
  const needle = text.trim().toLowerCase();
  if (needle === "") return entries;
  return entries.filter((e) =>
    [e.action, e.machine ?? "", e.outcome, e.detail ?? ""].some((f) => f.toLowerCase().includes(needle)),
  );
}
