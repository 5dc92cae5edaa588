import { describe, expect, it } from "vitest";
import { burnLine, codeStateText, liveCodesLine, offersPreparedCode, pairingOffline, preparedLine } from "./codes";
import { day, dayTime } from "./format";

const T = 1_796_000_000;

describe("liveCodesLine (StatusView.prepared_codes)", () => {
  it("is absent with no live code", () => expect(liveCodesLine({ live: 0, nearest_expiry: null })).toBeNull());
  it("is singular for one", () => expect(liveCodesLine({ live: 1, nearest_expiry: T })).toBe(`1 live code · nearest expiry ${dayTime(T)}`));
  it("counts several", () => expect(liveCodesLine({ live: 3, nearest_expiry: T })).toBe(`3 live codes · nearest expiry ${dayTime(T)}`));
});

describe("preparedLine", () => {
  it("says when it was prepared and until when it is valid", () =>
    expect(preparedLine(T, T + 7 * 86_400)).toBe(`prepared on ${day(T)}, valid until ${dayTime(T + 7 * 86_400)}`));
});

describe("codeStateText", () => {
  const base = { state: "live", machine: null, burn_pending: false, detail: null };
  it("shows the core's state", () => expect(codeStateText(base)).toBe("live"));
  it("names the machine a code is shown to", () =>
    expect(codeStateText({ ...base, state: "shown", machine: "Pier" })).toBe("shown to “Pier”: pairing (offline)"));
  it("puts a pending burn first", () => expect(codeStateText({ ...base, state: "shown", burn_pending: true })).toBe("burn pending (runs at the next sync)"));
  it("gives the flag reason", () => expect(codeStateText({ ...base, state: "flagged", detail: "unexpected redeem" })).toBe("FLAGGED: unexpected redeem"));
});

describe("offersPreparedCode", () => {
  it("offers one when the bunker cannot be reached", () => {
    expect(offersPreparedCode("unreachable")).toBe(true);
    expect(offersPreparedCode("timeout")).toBe(true);
  });
  it("does not for other failures", () => expect(offersPreparedCode("invalid_input")).toBe(false));
});

describe("burnLine", () => {
  const none = { burned: [], expired: [], already_redeemed: [], pending: [], offline_reason: null };
  it("says nothing was burned", () => expect(burnLine(none)).toBe("Nothing to burn."));
  it("lists burned and pending", () =>
    expect(burnLine({ ...none, burned: [1, 2], pending: [3], offline_reason: "relay down" })).toBe("2 burned, 1 burn at the next sync (relay down)."));
});

describe("pairingOffline", () => {
  it("names the machines a code is shown to, not those whose code is burning or done", () => {
    const set = pairingOffline([
      { state: "shown", machine: "Pier", burn_pending: false },
      { state: "shown", machine: "Dock", burn_pending: true },
      { state: "redeemed", machine: "Gate", burn_pending: false },
      { state: "live", machine: null, burn_pending: false },
    ]);
    expect([...set]).toEqual(["Pier"]);
  });
});
