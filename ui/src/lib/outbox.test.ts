import { describe, expect, it } from "vitest";
import { outboxStepText, syncHeadline } from "./outbox";

describe("outboxStepText", () => {
  it("names what is sent and says a change waits when the bunker is unreachable", () => {
    expect(outboxStepText({ step: "started", action: "publish_event" })).toContain("bunker to sign");
    expect(outboxStepText({ step: "started", action: "revoke" })).toContain("revoke");
    expect(outboxStepText({ step: "waiting", reason: "relay down" })).toContain("waits in the outbox (relay down)");
    expect(outboxStepText({ step: "failed", reason: "refused" })).toBe("Failed: refused.");
    expect(syncHeadline({ done: 1, failed: 0, waiting: null, compared: [1, 1], reconcile_error: null })).toBe(
      "1 queued action done; compared 1 machine with 1 bunker client.",
    );
  });
});

describe("syncHeadline", () => {
  it("says what ran, what waits and what was compared", () => {
    expect(syncHeadline({ done: 2, failed: 0, waiting: null, compared: [3, 5], reconcile_error: null })).toBe(
      "2 queued actions done; compared 3 machines with 5 bunker clients.",
    );
    expect(syncHeadline({ done: 0, failed: 0, waiting: "relay down", compared: null, reconcile_error: "unreachable" })).toBe(
      "No queued action ran; the rest waits: relay down; not compared with the bunker: unreachable.",
    );
    expect(syncHeadline({ done: 1, failed: 0, waiting: null, compared: [1, 1], reconcile_error: null })).toBe(
      "1 queued action done; compared 1 machine with 1 bunker client.",
    );
  });
});
