// Pure wording of queued network actions (tested in outbox.test.ts): the steps of an outbox run
// (revoke, fee change, sync) and the rows waiting to run.

/** One step of an outbox run, in words. */
export function outboxStepText(step: { step: string; action?: string; detail?: string; reason?: string }): string {
  switch (step.step) {
    case "started":
      switch (step.action) {
        case "publish_event":
          return "Asking the bunker to sign the event (kind 30078), then verifying and publishing it…";
        case "revoke":
          return "Asking the bunker to revoke an ATM's access…";
        default:
          return `Running ${step.action ?? "a queued action"}…`;
      }
    case "done":
      return `Done: ${step.detail ?? ""}`;
    case "waiting":
      return `The bunker or relay is not reachable; it waits in the outbox (${step.reason ?? "no reason given"}).`;
    case "failed":
      return `Failed: ${step.reason ?? "no reason given"}.`;
    default:
      return "Working…";
  }
}

/** A sync's outcome in one line. */
export function syncHeadline(r: { done: number; failed: number; waiting: string | null; compared: [number, number] | null; reconcile_error: string | null }): string {
  const parts: string[] = [];
  parts.push(r.done === 0 && r.failed === 0 ? "No queued action ran" : `${r.done} queued action${r.done === 1 ? "" : "s"} done${r.failed > 0 ? `, ${r.failed} failed` : ""}`);
  if (r.waiting) parts.push(`the rest waits: ${r.waiting}`);
  if (r.compared) parts.push(`compared ${count(r.compared[0], "machine")} with ${count(r.compared[1], "bunker client")}`);
  else if (r.reconcile_error) parts.push(`not compared with the bunker: ${r.reconcile_error}`);
  return parts.join("; ") + ".";
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}
