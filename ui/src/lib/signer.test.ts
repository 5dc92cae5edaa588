import { describe, expect, it } from "vitest";
import { countdown, signerRelays, waitingLine } from "./signer";

describe("admin key chooser", () => {
  it("counts down in minutes and seconds and never below zero", () => {
    expect(countdown(245)).toBe("4:05");
    expect(countdown(0)).toBe("0:00");
    expect(countdown(-3)).toBe("0:00");
  });
  it("says the code expired once the wait is over", () => {
    expect(waitingLine(10)).toContain("0:10 left");
    expect(waitingLine(0)).toContain("expired");
  });
  it("prefers the relays typed, else the bunker's", () => {
    expect(signerRelays(" wss://a.example, wss://b.example ", ["wss://bunker"])).toEqual(["wss://a.example", "wss://b.example"]);
    expect(signerRelays("  ", ["wss://bunker"])).toEqual(["wss://bunker"]);
  });
});
