import { describe, expect, it } from "vitest";
import { nextFocus } from "./focus";

describe("nextFocus (Tab inside a dialog)", () => {
  it("moves forward and wraps at the end", () => {
    expect(nextFocus(0, 3, false)).toBe(1);
    expect(nextFocus(2, 3, false)).toBe(0);
  });
  it("moves back and wraps at the start", () => {
    expect(nextFocus(1, 3, true)).toBe(0);
    expect(nextFocus(0, 3, true)).toBe(2);
  });
  it("brings focus from outside to the first or last", () => {
    expect(nextFocus(-1, 3, false)).toBe(0);
    expect(nextFocus(-1, 3, true)).toBe(2);
  });
  it("has nowhere to go without focusable elements", () => expect(nextFocus(-1, 0, false)).toBeNull());
});
