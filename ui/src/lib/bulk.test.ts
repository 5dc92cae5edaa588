import { describe, expect, it } from "vitest";
import { bulkConfirmed, bulkSelection, bulkStepText, bulkSummary } from "./bulk";

const rows = [
  { name: "A", site: "Main St" },
  { name: "B", site: "main st " },
  { name: "C", site: "Harbour" },
  { name: "D", site: null },
];

describe("bulkSelection", () => {
  it("sends a whole site when exactly its machines are selected", () => expect(bulkSelection(new Set(["A", "B"]), rows)).toEqual({ by: "site", site: "Main St" }));
  it("sends names when only part of a site is selected", () => expect(bulkSelection(new Set(["A"]), rows)).toEqual({ by: "names", names: ["A"] }));
  it("sends names when machines of two sites are selected", () => expect(bulkSelection(new Set(["A", "B", "C"]), rows)).toEqual({ by: "names", names: ["A", "B", "C"] }));
  it("sends names for machines without a site", () => expect(bulkSelection(new Set(["D"]), rows)).toEqual({ by: "names", names: ["D"] }));
});

describe("bulkConfirmed (the text the core asked for)", () => {
  it("accepts the exact text with spaces around", () => expect(bulkConfirmed("Main St", " Main St ")).toBe(true));
  it("refuses another case", () => expect(bulkConfirmed("Main St", "main st")).toBe(false));
  it("refuses a wrong count", () => expect(bulkConfirmed("1", "2")).toBe(false));
  it("refuses everything before the core has answered", () => expect(bulkConfirmed("", "")).toBe(false));
});

describe("bulk steps and summary", () => {
  it("says an offline revoke waits in the outbox", () => expect(bulkStepText({ step: "pending", reason: "bunker unreachable" })).toBe("waits in the outbox: runs at the next sync (bunker unreachable)"));
  it("says a revoked machine is refused now", () => expect(bulkStepText({ step: "revoked", detail: "x" })).toMatch(/refuses it now/));
  it("sums up only what happened", () => {
    expect(bulkSummary({ revoked: 3, pending: 0, failed: 0, skipped: [] })).toBe("3 revoked");
    expect(bulkSummary({ revoked: 0, pending: 2, failed: 1, skipped: [1] })).toBe("0 revoked, 2 waiting in the outbox (sent at the next sync), 1 refused by the bunker, 1 skipped");
  });
});
