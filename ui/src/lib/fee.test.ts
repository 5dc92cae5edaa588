import { describe, expect, it } from "vitest";
import { fieldLabel, fieldValue, percentText } from "./fee";

describe("percentText", () => {
  it("writes basis points as the shortest percent", () => {
    expect(percentText(250)).toBe("2.5");
    expect(percentText(75)).toBe("0.75");
    expect(percentText(0)).toBe("0");
    expect(percentText(10000)).toBe("100");
    expect(percentText(305)).toBe("3.05");
  });
});

describe("diff wording", () => {
  it("names the fee fields in words and shows units", () => {
    expect(fieldLabel("super_fee_bps")).toBe("Super fee");
    expect(fieldValue("super_fee_bps", "250")).toBe("2.5 %");
    expect(fieldValue("fixed_fee_sats", "1500")).toBe("1,500 sats");
    expect(fieldValue("fixed_fee_sats", null)).toBe("—");
    expect(fieldLabel("other")).toBe("other");
    expect(fieldValue("other", "\"x\"")).toBe("\"x\"");
  });
});
