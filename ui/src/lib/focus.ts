// Focus trapping for dialogs (tested in focus.test.ts): Tab and Shift+Tab cycle inside.

/** What a focus trap can tab between. */
export const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

/**
 * Where Tab (or Shift+Tab with `back`) moves focus among `count` focusable elements when focus is
 * on index `current` (-1: outside them all): wraps at both ends; null when there is nothing.
 */
export function nextFocus(current: number, count: number, back: boolean): number | null {
  if (count === 0) return null;
  if (current < 0) return back ? count - 1 : 0;
  return back ? (current - 1 + count) % count : (current + 1) % count;
}

/**
 * True for Tab and Shift+Tab. WebKitGTK can report Shift+Tab (GTK's ISO_Left_Tab) with key
 * "Unidentified" and code "Tab", so the code counts too.
 */
export function isTab(e: { key: string; code: string }): boolean {
  return e.key === "Tab" || e.code === "Tab";
}

/** Keeps Tab inside `root`; call from its keydown handler. Returns true when it moved focus. */
export function trapTab(root: HTMLElement, e: KeyboardEvent): boolean {
  if (!isTab(e)) return false;
  const items = [...root.querySelectorAll<HTMLElement>(FOCUSABLE)];
  const at = items.indexOf(document.activeElement as HTMLElement);
  const to = nextFocus(at, items.length, e.shiftKey);
  e.preventDefault();
  if (to !== null) items[to]?.focus();
  return to !== null;
}
