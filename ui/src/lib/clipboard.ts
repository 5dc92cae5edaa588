// Copy a secret to the clipboard and clear it again after a while (DESIGN.md §3 "Pair" step 5).

export interface ClipboardLike {
  writeText(text: string): Promise<void>;
}

/** How long a copied pairing URL stays on the clipboard. */
export const CLEAR_AFTER_MS = 60_000;

/** Copies `text`; after `ms` the clipboard is cleared. Returns a function that clears now. */
export async function copyThenClear(
  clipboard: ClipboardLike,
  text: string,
  ms: number = CLEAR_AFTER_MS,
  timers: { set: typeof setTimeout; clear: typeof clearTimeout } = { set: setTimeout, clear: clearTimeout },
): Promise<() => void> {
  await clipboard.writeText(text);
  const wipe = () => void clipboard.writeText("").catch(() => undefined);
  const handle = timers.set(wipe, ms);
  return () => {
    timers.clear(handle);
    wipe();
  };
}
