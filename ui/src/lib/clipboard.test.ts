import { describe, expect, it, vi } from "vitest";
import { CLEAR_AFTER_MS, copyThenClear } from "./clipboard";

describe("copyThenClear", () => {
  it("clears the clipboard 60 s after copying a secret", async () => {
    vi.useFakeTimers();
    const writes: string[] = [];
    await copyThenClear({ writeText: async (t) => void writes.push(t) }, "bunker://secret");
    expect(writes).toEqual(["bunker://secret"]);
    vi.advanceTimersByTime(CLEAR_AFTER_MS - 1);
    expect(writes).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(writes).toEqual(["bunker://secret", ""]);
    vi.useRealTimers();
  });

  it("clears at once when asked", async () => {
    const writes: string[] = [];
    const clear = await copyThenClear({ writeText: async (t) => void writes.push(t) }, "x");
    clear();
    expect(writes).toEqual(["x", ""]);
  });
});
