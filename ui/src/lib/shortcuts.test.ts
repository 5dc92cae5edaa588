import { describe, expect, it } from "vitest";
import { ignored, KeySequence, keysOf, SHORTCUTS } from "./shortcuts";

describe("KeySequence", () => {
  it("reads a two-key sequence", () => {
    const k = new KeySequence();
    expect(k.press("g")).toBeNull();
    expect(k.press("f")).toBe("fleet");
  });
  it("reads single keys", () => {
    const k = new KeySequence();
    expect(k.press("p")).toBe("pair");
    expect(k.press("/")).toBe("search");
    expect(k.press("?")).toBe("help");
  });
  it("starts over after a wrong second key, reading it afresh", () => {
    const k = new KeySequence();
    k.press("g");
    expect(k.press("p")).toBe("pair");
    k.press("g");
    expect(k.press("x")).toBeNull();
    expect(k.press("d")).toBeNull();
  });
  it("forgets a half sequence on reset", () => {
    const k = new KeySequence();
    k.press("g");
    k.reset();
    expect(k.press("d")).toBeNull();
  });
});

describe("the shortcut table", () => {
  it("has no key sequence twice", () => expect(new Set(SHORTCUTS.map((s) => s.keys)).size).toBe(SHORTCUTS.length));
  it("has no single key that is also the start of a sequence", () => {
    for (const s of SHORTCUTS) expect(SHORTCUTS.some((o) => o.keys.startsWith(`${s.keys} `))).toBe(false);
  });
  it("names the keys of a move", () => expect(keysOf("dashboard")).toBe("g d"));
});

describe("ignored", () => {
  const base = { key: "p", ctrlKey: false, metaKey: false, altKey: false };
  it("leaves typing in a field alone", () => expect(ignored({ ...base, target: { tagName: "input" } })).toBe(true));
  it("leaves chords alone", () => expect(ignored({ ...base, ctrlKey: true, target: null })).toBe(true));
  it("takes keys on the page", () => expect(ignored({ ...base, target: { tagName: "DIV" } })).toBe(false));
});
