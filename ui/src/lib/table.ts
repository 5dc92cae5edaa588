// Pure logic of the fleet table (tested in table.test.ts): one row per machine, sorting by a
// column, and the windowing math that renders only the rows in view.

/** A machine as the fleet table shows it. */
export interface FleetRow {
  id: number;
  name: string;
  site: string | null;
  state: string;
  label: string;
  days_left: number | null;
  /** End of the access term (unix seconds), while one counts. */
  access_expires_at: number | null;
  /** When the machine was last seen (unix seconds); null: never. */
  last_seen_at: number | null;
  /** Paired and not seen for longer than the silent setting. */
  silent: boolean;
}

/** The sortable columns. */
export type SortKey = "name" | "site" | "state" | "term" | "seen";
export interface Sort {
  key: SortKey;
  dir: "asc" | "desc";
}

// One collator for every comparison: `localeCompare` with options builds one per call, which
// made sorting 10,000 machines take most of a second.
const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
const text = (a: string, b: string): number => collator.compare(a, b);

/** Compares nullable numbers; a missing value sorts after every value in either direction. */
function nullable(a: number | null, b: number | null, dir: number): number {
  if (a === null && b === null) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return (a - b) * dir;
}

/**
 * The rows sorted by `sort` (a new array; the input is untouched). Ties fall back to the name, so
 * the order is the same on every render. Empty sites, terms and never-seen machines go last.
 */
export function sortRows<T extends FleetRow>(rows: readonly T[], sort: Sort): T[] {
  const dir = sort.dir === "asc" ? 1 : -1;
  const byName = (a: T, b: T): number => text(a.name, b.name);
  const primary = (a: T, b: T): number => {
    switch (sort.key) {
      case "name":
        return byName(a, b) * dir;
      case "site":
        if (!a.site || !b.site) return (a.site ? -1 : 0) + (b.site ? 1 : 0);
        return text(a.site, b.site) * dir;
      case "state":
        return text(a.label, b.label) * dir;
      case "term":
        return nullable(a.access_expires_at, b.access_expires_at, dir);
      case "seen":
        return nullable(a.last_seen_at, b.last_seen_at, dir);
    }
  };
  return [...rows].sort((a, b) => primary(a, b) || byName(a, b));
}

/** The next sort after a click on `key`: the same column flips, another starts ascending. */
export function nextSort(current: Sort, key: SortKey): Sort {
  return current.key === key ? { key, dir: current.dir === "asc" ? "desc" : "asc" } : { key, dir: "asc" };
}

/** The rows a scrolled viewport shows, plus the blank space above and below them. */
export interface RowWindow {
  /** First row index to render. */
  start: number;
  /** One past the last row index to render. */
  end: number;
  /** Pixels of blank space above the first rendered row. */
  padTop: number;
  /** Pixels of blank space below the last rendered row. */
  padBottom: number;
}

/**
 * Which of `total` rows of `rowHeight` px to render for a viewport `height` px tall scrolled to
 * `scrollTop`, with `overscan` extra rows on each side so a fast scroll shows no gap.
 */
export function rowWindow(scrollTop: number, height: number, rowHeight: number, total: number, overscan = 8): RowWindow {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0, padTop: 0, padBottom: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const start = Math.min(total, Math.max(0, first - overscan));
  const end = Math.min(total, first + Math.ceil(Math.max(0, height) / rowHeight) + 1 + overscan);
  return { start, end, padTop: start * rowHeight, padBottom: (total - end) * rowHeight };
}

/**
 * The scroll position that brings row `index` fully into view, or `scrollTop` when it already is.
 */
export function scrollToShow(index: number, scrollTop: number, height: number, rowHeight: number): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + height) return top + rowHeight - height;
  return scrollTop;
}

/** A machine from the core with or without its liveness fields, as a table row. */
export function toRow<T extends Omit<FleetRow, "last_seen_at" | "silent"> & Partial<Pick<FleetRow, "last_seen_at" | "silent">>>(
  m: T,
): T & FleetRow {
  return { ...m, last_seen_at: m.last_seen_at ?? null, silent: m.silent ?? false };
}
