import { describe, expect, it } from "vitest";
import { canRevoke, confirmMatches, revokeBadge, revokeStepText } from "./revoke";

describe("confirmMatches", () => {
  it("accepts the exact name", () => expect(confirmMatches("Lobby ATM", "Lobby ATM")).toBe(true));
  it("forgives spaces around the name", () => expect(confirmMatches("Lobby ATM", "  Lobby ATM ")).toBe(true));
  it("refuses another case", () => expect(confirmMatches("Lobby ATM", "lobby atm")).toBe(false));
  it("refuses a prefix", () => expect(confirmMatches("Lobby ATM", "Lobby")).toBe(false));
  it("refuses inner spacing changes", () => expect(confirmMatches("Lobby ATM", "Lobby  ATM")).toBe(false));
  it("refuses empty input", () => expect(confirmMatches("Lobby ATM", "")).toBe(false));
  it("never matches an unknown (empty) name", () => expect(confirmMatches("", "  ")).toBe(false));
});

describe("revokeBadge", () => {
  it("says revoked when the bunker confirmed", () => expect(revokeBadge({ outcome: "revoked" }).text).toBe("revoked"));
  it("says revoke pending offline", () => expect(revokeBadge({ outcome: "pending" })).toEqual({ text: "revoke pending", cls: "revoke_pending" }));
  it("says revoke failed when refused", () => expect(revokeBadge({ outcome: "failed" }).text).toBe("revoke failed"));
});

describe("revoke steps and states", () => {
  it("describes the queued step", () => expect(revokeStepText("queued")).toMatch(/queued/));
  it("allows revoking a paired machine", () => expect(canRevoke("active")).toBe(true));
  it("does not offer revoke for an unpaired, legacy or revoked machine", () => {
    expect(canRevoke("legacy")).toBe(false);
    expect(canRevoke("unpaired")).toBe(false);
    expect(canRevoke("revoked")).toBe(false);
  });
});
