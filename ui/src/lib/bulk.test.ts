import { describe, expect, it } from "vitest";
import { bulkConfirmation, bulkConfirmed, bulkSelection, bulkStepText, bulkSummary } from "./bulk";

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

describe("the typed confirmation", () => {
  it("is the site's name for a site", () => expect(bulkConfirmation({ by: "site", site: "Main St" }).expected).toBe("Main St"));
  it("is the count for names", () => expect(bulkConfirmation({ by: "names", names: ["A", "C"] }).expected).toBe("2"));
  it("accepts the exact text with spaces around", () => expect(bulkConfirmed({ by: "site", site: "Main St" }, " Main St ")).toBe(true));
  it("refuses another case (as the core does)", () => expect(bulkConfirmed({ by: "site", site: "Main St" }, "main st")).toBe(false));
  it("refuses a wrong count and an empty field", () => {
    expect(bulkConfirmed({ by: "names", names: ["A"] }, "2")).toBe(false);
    expect(bulkConfirmed({ by: "names", names: [] }, "")).toBe(false);
  });
  it("says what to type", () => expect(bulkConfirmation({ by: "names", names: ["A", "C"] }).prompt).toMatch(/number of machines, 2/));
});

describe("bulk steps and summary", () => {
  it("says an offline revoke waits in the outbox", () => expect(bulkStepText({ step: "pending", reason: "bunker unreachable" })).toBe("waits in the outbox: runs at the next sync (bunker unreachable)"));
  it("says a revoked machine is refused now", () => expect(bulkStepText({ step: "revoked", detail: "x" })).toMatch(/refuses it now/));
  it("sums up only what happened", () => {
    expect(bulkSummary({ revoked: 3, pending: 0, failed: 0, skipped: [] })).toBe("3 revoked");
    expect(bulkSummary({ revoked: 0, pending: 2, failed: 1, skipped: [1] })).toBe("0 revoked, 2 waiting in the outbox (sent at the next sync), 1 refused by the bunker, 1 skipped");
  });
});
