import { describe, expect, it, vi } from "vitest";
import { CLEAR_AFTER_MS, copyThenClear, type ClipboardLike } from "./clipboard";

/** A clipboard that holds one text, like the system's. */
function board(): ClipboardLike & { text: string; writes: string[] } {
  const b = {
    text: "",
    writes: [] as string[],
    async writeText(t: string) {
      b.text = t;
      b.writes.push(t);
    },
    async readText() {
      return b.text;
    },
  };
  return b;
}

describe("copyThenClear", () => {
  it("clears the clipboard 60 s after copying a secret", async () => {
    vi.useFakeTimers();
    const b = board();
    await copyThenClear(b, "bunker://secret");
    expect(b.text).toBe("bunker://secret");
    await vi.advanceTimersByTimeAsync(CLEAR_AFTER_MS - 1);
    expect(b.text).toBe("bunker://secret");
    await vi.advanceTimersByTimeAsync(1);
    expect(b.text).toBe("");
    vi.useRealTimers();
  });

  it("leaves alone what the user copied since", async () => {
    vi.useFakeTimers();
    const b = board();
    await copyThenClear(b, "bunker://secret");
    b.text = "the user's own text";
    await vi.advanceTimersByTimeAsync(CLEAR_AFTER_MS);
    expect(b.text).toBe("the user's own text");
    expect(b.writes).toEqual(["bunker://secret"]);
    vi.useRealTimers();
  });

  it("clears at once when asked, only if it still holds the secret", async () => {
    const b = board();
    const clear = await copyThenClear(b, "x");
    await clear();
    expect(b.text).toBe("");
    const c = board();
    const clearC = await copyThenClear(c, "x");
    c.text = "mine";
    await clearC();
    expect(c.text).toBe("mine");
  });

  it("clears when the clipboard cannot be read: a live code must not stay there", async () => {
    const b = board();
    b.readText = async () => {
      throw new Error("not allowed");
    };
    const clear = await copyThenClear(b, "bunker://secret");
    await clear();
    expect(b.text).toBe("");
  });
});
