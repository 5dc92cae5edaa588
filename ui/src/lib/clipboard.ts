// Copy a secret to the clipboard and clear it again after a while (DESIGN.md §3 "Pair" step 5),
// without destroying what the operator copied since.

export interface ClipboardLike {
  writeText(text: string): Promise<void>;
  readText(): Promise<string>;
}

/** How long a copied pairing URL stays on the clipboard. */
export const CLEAR_AFTER_MS = 60_000;

/**
 * Empties the clipboard if it still holds `ours`. Something copied since is left alone. When the
 * clipboard cannot be read, it is emptied: a live pairing code must not stay there unseen.
 */
export async function wipeIfOurs(clipboard: ClipboardLike, ours: string): Promise<void> {
  let now: string | null;
  try {
    now = await clipboard.readText();
  } catch {
    now = null;
  }
  if (now === null || now === ours) await clipboard.writeText("");
}

/** Copies `text`; after `ms` the clipboard is cleared if it still holds it. Returns a function that does that now. */
export async function copyThenClear(
  clipboard: ClipboardLike,
  text: string,
  ms: number = CLEAR_AFTER_MS,
  timers: { set: typeof setTimeout; clear: typeof clearTimeout } = { set: setTimeout, clear: clearTimeout },
): Promise<() => Promise<void>> {
  await clipboard.writeText(text);
  const wipe = () => wipeIfOurs(clipboard, text).catch(() => undefined);
  const handle = timers.set(() => void wipe(), ms);
  return () => {
    timers.clear(handle);
    return wipe();
  };
}
