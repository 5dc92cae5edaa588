import { describe, expect, it } from "vitest";
import { FLAVOURS, flavourName, sandboxBanner } from "./sandbox";

describe("sandbox flavour words", () => {
  it("offers both nsecbunkerd lines, 0.10 first", () => {
    expect(FLAVOURS).toEqual(["0.10", "0.11"]);
  });

  it("the banner says which nsecbunkerd the sandbox behaves like", () => {
    expect(sandboxBanner("0.11")).toMatch(/^SANDBOX · nsecbunkerd 0\.11: /);
    expect(sandboxBanner("0.10")).toMatch(/^SANDBOX · nsecbunkerd 0\.10: /);
    expect(sandboxBanner("0.10")).toContain("test keys only");
    expect(flavourName("0.11")).toBe("nsecbunkerd 0.11");
  });
});
