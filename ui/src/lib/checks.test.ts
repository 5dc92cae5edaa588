import { describe, expect, it } from "vitest";
import { checkClass, checkLabel, checklistHeadline, filterActivity } from "./checks";

describe("check badges", () => {
  it("never shows an unknown as a pass", () => {
    expect(checkLabel("unknown")).toBe("Unknown");
    expect(checkClass("unknown")).not.toBe(checkClass("pass"));
    expect(checkLabel("fail")).toBe("Fail");
  });
});

describe("checklistHeadline", () => {
  it("counts what is left", () => {
    expect(checklistHeadline({ passed: true, checks: [{ status: "pass" }] })).toContain("complete");
    const h = checklistHeadline({ passed: false, checks: [{ status: "fail" }, { status: "unknown" }, { status: "unknown" }, { status: "pass" }] });
    expect(h).toBe("Not complete: 1 failing, 2 not verified.");
  });
  it("says a warning is complete but not clean", () => {
    expect(checkLabel("warn")).toBe("Warning");
    expect(checkClass("warn")).not.toBe(checkClass("pass"));
    const h = checklistHeadline({ passed: true, checks: [{ status: "pass" }, { status: "warn" }] });
    expect(h).toBe("The move to the bunker is complete, with 1 warning: see the fix.");
  });
});

describe("filterActivity", () => {
  const rows = [
    { action: "pair", machine: "Lobby ATM", outcome: "ok", detail: "token #3" },
    { action: "publish_event", machine: null, outcome: "queued", detail: "satmachine:super-fee; outbox #9" },
  ];
  it("matches any column, ignoring case, and keeps everything for an empty filter", () => {
    expect(filterActivity(rows, "")).toHaveLength(2);
    expect(filterActivity(rows, "lobby")).toEqual([rows[0]]);
    expect(filterActivity(rows, "SUPER-FEE")).toEqual([rows[1]]);
    expect(filterActivity(rows, "queued")).toEqual([rows[1]]);
    expect(filterActivity(rows, "nothing")).toHaveLength(0);
  });
});
