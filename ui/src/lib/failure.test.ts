import { describe, expect, it } from "vitest";
import { HEADLINE, headline } from "./failure";

describe("failure headlines", () => {
  it("a machine paired elsewhere says so", () => {
    expect(headline("busy")).toBe("The machine is being paired elsewhere.");
  });

  it("the kinds the core added have their own words, never the catch-all", () => {
    for (const kind of ["busy", "local_file", "read_only", "newer_database"] as const) {
      expect(headline(kind)).not.toBe(HEADLINE.other);
    }
    expect(headline(null)).toBe(HEADLINE.other);
  });
});
