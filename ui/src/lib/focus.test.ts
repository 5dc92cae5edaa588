import { describe, expect, it } from "vitest";
import { isTab, nextFocus } from "./focus";

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

describe("isTab", () => {
  it("knows Tab", () => expect(isTab({ key: "Tab", code: "Tab" })).toBe(true));
  it("knows Shift+Tab as WebKitGTK reports it (ISO_Left_Tab)", () => expect(isTab({ key: "Unidentified", code: "Tab" })).toBe(true));
  it("ignores other keys", () => expect(isTab({ key: "a", code: "KeyA" })).toBe(false));
});
