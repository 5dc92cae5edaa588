// The app's keyboard shortcuts (tested in shortcuts.test.ts): one table, shown in the sidebar
// and the "?" overlay, and a matcher for two-key sequences such as "g f".

/** Where a shortcut goes or what it does. */
export type Move = "dashboard" | "fleet" | "pair" | "activity" | "fee" | "migration" | "connect" | "settings" | "search" | "help";

/** One shortcut: the keys as typed (space-separated for a sequence) and what it does. */
export interface Shortcut {
  keys: string;
  move: Move;
  what: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: "g d", move: "dashboard", what: "Dashboard" },
  { keys: "g f", move: "fleet", what: "Fleet" },
  { keys: "p", move: "pair", what: "Pair a machine" },
  { keys: "g a", move: "activity", what: "Activity" },
  { keys: "g e", move: "fee", what: "Fee policy" },
  { keys: "g m", move: "migration", what: "Migration" },
  { keys: "g c", move: "connect", what: "Connect" },
  { keys: "g s", move: "settings", what: "Settings" },
  { keys: "/", move: "search", what: "Search the fleet" },
  { keys: "?", move: "help", what: "Show these shortcuts" },
];

/** The keys of `move`'s shortcut ("g f"), for a hint next to a button. */
export function keysOf(move: Move): string {
  return SHORTCUTS.find((s) => s.move === move)?.keys ?? "";
}

/** True when a key press belongs to a text field or a modifier chord, not to the shortcuts. */
export function ignored(e: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; target: unknown }): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey) return true;
  const t = e.target as { tagName?: string; isContentEditable?: boolean } | null;
  const tag = (t?.tagName ?? "").toUpperCase();
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || t?.isContentEditable === true;
}

/**
 * Reads keys one at a time: returns the move a complete sequence names, null otherwise. A
 * prefix ("g") waits for the next key; an unknown key starts over.
 */
export class KeySequence {
  private pending = "";

  press(key: string): Move | null {
    const typed = this.pending === "" ? key : `${this.pending} ${key}`;
    const exact = SHORTCUTS.find((s) => s.keys === typed);
    if (exact) {
      this.pending = "";
      return exact.move;
    }
    if (SHORTCUTS.some((s) => s.keys.startsWith(`${typed} `))) {
      this.pending = typed;
      return null;
    }
    // A wrong second key: try it as the start of a new sequence.
    const second = this.pending !== "";
    this.pending = "";
    return second ? this.press(key) : null;
  }

  /** Forgets a half-typed sequence (e.g. after a pause). */
  reset(): void {
    this.pending = "";
  }
}

/** The fleet table's own keys, listed in the "?" overlay (handled in parts/FleetTable.svelte). */
export const TABLE_KEYS: readonly { keys: string; what: string }[] = [
  { keys: "↑ ↓ / j k", what: "Move between machines" },
  { keys: "PgUp PgDn Home End", what: "Jump" },
  { keys: "Space", what: "Select or clear the machine" },
  { keys: "Shift + ↑ ↓", what: "Extend the selection" },
  { keys: "Enter", what: "Open the machine" },
  { keys: "Esc", what: "Close a dialog or full-screen code" },
];
