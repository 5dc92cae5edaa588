import { describe, expect, it } from "vitest";
import { fieldLabel, fieldValue, percentText, signerText } from "./fee";

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

describe("signerText (the signer read from the verified event)", () => {
  it("says operator key only when the event's signer is the operator key", () => {
    expect(signerText("npub1op", "npub1op")).toBe("npub1op (operator key, verified)");
  });
  it("names another signer as not the operator key", () => {
    expect(signerText("npub1other", "npub1op")).toBe("npub1other (verified, but NOT the operator key npub1op)");
  });
  it("claims nothing when the stored event does not verify", () => {
    expect(signerText(null, "npub1op")).not.toContain("npub1op");
  });
});
