// Pure logic of the fleet table's multi-select (tested in selection.test.ts): click, shift-click
// ranges over the rows as shown, every machine at a site. Selections hold machine names, the
// key the bulk revoke takes.

/** What a click on a row's checkbox does to `selected` (a new set). */
export function toggle(selected: ReadonlySet<string>, name: string): Set<string> {
  const next = new Set(selected);
  if (next.has(name)) next.delete(name);
  else next.add(name);
  return next;
}

/**
 * A shift-click: every row between the `anchor` (the last plain click) and `name`, in the order
 * shown, takes the state the clicked row ends with (`on`). Without an anchor shown, the
 * clicked row alone.
 */
export function selectRange(
  selected: ReadonlySet<string>,
  shown: readonly { name: string }[],
  anchor: string | null,
  name: string,
  on: boolean,
): Set<string> {
  const next = new Set(selected);
  const to = shown.findIndex((r) => r.name === name);
  const from = anchor === null ? -1 : shown.findIndex((r) => r.name === anchor);
  if (to < 0) return next;
  const [lo, hi] = from < 0 ? [to, to] : [Math.min(from, to), Math.max(from, to)];
  for (let i = lo; i <= hi; i++) {
    const row = shown[i];
    if (!row) continue;
    if (on) next.add(row.name);
    else next.delete(row.name);
  }
  return next;
}

/** Every machine at `site` (exact, case-insensitive) added to the selection. */
export function selectSite(selected: ReadonlySet<string>, rows: readonly { name: string; site: string | null }[], site: string): Set<string> {
  const want = site.trim().toLowerCase();
  const next = new Set(selected);
  for (const r of rows) if ((r.site ?? "").trim().toLowerCase() === want && want !== "") next.add(r.name);
  return next;
}

/** The distinct sites among `rows`, sorted, for the "select every machine at site" menu. */
export function sitesOf(rows: readonly { site: string | null }[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) if (r.site && r.site.trim() !== "") seen.add(r.site);
  return [...seen].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

/** Whether every row shown is selected (the header checkbox), false for no rows. */
export function allShownSelected(selected: ReadonlySet<string>, shown: readonly { name: string }[]): boolean {
  return shown.length > 0 && shown.every((r) => selected.has(r.name));
}

/** The header checkbox: selects every row shown, or clears them when all are selected. */
export function toggleShown(selected: ReadonlySet<string>, shown: readonly { name: string }[]): Set<string> {
  const next = new Set(selected);
  const on = !allShownSelected(selected, shown);
  for (const r of shown) {
    if (on) next.add(r.name);
    else next.delete(r.name);
  }
  return next;
}

/** The cursor after a key press in a list of `total` rows (`page` rows per screen), or null. */
export function moveCursor(key: string, cursor: number, total: number, page: number): number | null {
  if (total === 0) return null;
  const clamp = (i: number): number => Math.max(0, Math.min(total - 1, i));
  switch (key) {
    case "ArrowDown":
    case "j":
      return clamp(cursor + 1);
    case "ArrowUp":
    case "k":
      return clamp(cursor - 1);
    case "PageDown":
      return clamp(cursor + page);
    case "PageUp":
      return clamp(cursor - page);
    case "Home":
      return 0;
    case "End":
      return total - 1;
    default:
      return null;
  }
}
