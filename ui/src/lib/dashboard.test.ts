import { describe, expect, it } from "vitest";
import { moveOf, reachText, TILES, toneOf } from "./dashboard";

const row = { machine: "ATM 1", outbox_id: 7, code_id: 3 };

describe("moveOf (the core's fix onto the app)", () => {
  it("pairs or renews on the Pair screen", () => {
    expect(moveOf("renew", row)).toEqual({ kind: "pair", machine: "ATM 1" });
    expect(moveOf("pair", row)).toEqual({ kind: "pair", machine: "ATM 1" });
  });
  it("opens the machine to check it", () => expect(moveOf("check_machine", row)).toEqual({ kind: "open", machine: "ATM 1" }));
  it("retries the outbox row", () => {
    expect(moveOf("retry_revoke", row)).toEqual({ kind: "retry", outboxId: 7 });
    expect(moveOf("retry_action", row)).toEqual({ kind: "retry", outboxId: 7 });
  });
  it("burns or revokes a code's client", () => {
    expect(moveOf("burn_code", row)).toEqual({ kind: "burn", codeId: 3 });
    expect(moveOf("revoke_code_client", row)).toEqual({ kind: "revoke_code_client", codeId: 3 });
  });
  it("syncs", () => expect(moveOf("sync", row)).toEqual({ kind: "sync" }));
  it("does nothing when the row lacks what the action needs", () => {
    expect(moveOf("retry_revoke", { ...row, outbox_id: null })).toEqual({ kind: "none" });
    expect(moveOf("pair", { ...row, machine: null })).toEqual({ kind: "none" });
  });
});

describe("tiles", () => {
  it("has every count once", () => expect(new Set(TILES.map((t) => t.key)).size).toBe(TILES.length));
  it("is calm when a trouble count is zero", () => {
    const expired = TILES.find((t) => t.key === "expired");
    expect(expired && toneOf(expired, 0)).toBe("plain");
    expect(expired && toneOf(expired, 2)).toBe("bad");
  });
  it("says when a peer was never tried", () => expect(reachText("unknown")).toBe("not tried yet"));
});
