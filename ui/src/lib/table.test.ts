import { describe, expect, it } from "vitest";
import { type FleetRow, nextSort, rowWindow, scrollToShow, sortRows } from "./table";

const row = (name: string, o: Partial<FleetRow> = {}): FleetRow => ({
  id: 0, name, site: null, state: "unpaired", label: "unpaired", days_left: null,
  access_expires_at: null, last_seen_at: null, silent: false, ...o,
});
const names = (rows: FleetRow[]): string[] => rows.map((r) => r.name);

describe("sortRows", () => {
  const rows = [
    row("ATM 10", { site: "Berlin", label: "revoked", access_expires_at: 300, last_seen_at: 50 }),
    row("atm 2", { site: null, label: "active", access_expires_at: null, last_seen_at: null }),
    row("ATM 1", { site: "amsterdam", label: "active", access_expires_at: 100, last_seen_at: 90 }),
  ];
  it("sorts names naturally and ignoring case", () => expect(names(sortRows(rows, { key: "name", dir: "asc" }))).toEqual(["ATM 1", "atm 2", "ATM 10"]));
  it("reverses on desc", () => expect(names(sortRows(rows, { key: "name", dir: "desc" }))).toEqual(["ATM 10", "atm 2", "ATM 1"]));
  it("puts machines without a site last both ways", () => {
    expect(names(sortRows(rows, { key: "site", dir: "asc" }))).toEqual(["ATM 1", "ATM 10", "atm 2"]);
    expect(names(sortRows(rows, { key: "site", dir: "desc" }))).toEqual(["ATM 10", "ATM 1", "atm 2"]);
  });
  it("sorts by the state's label, ties by name", () => expect(names(sortRows(rows, { key: "state", dir: "asc" }))).toEqual(["ATM 1", "atm 2", "ATM 10"]));
  it("sorts term ends with no term last", () => expect(names(sortRows(rows, { key: "term", dir: "desc" }))).toEqual(["ATM 10", "ATM 1", "atm 2"]));
  it("sorts last seen with never-seen last", () => expect(names(sortRows(rows, { key: "seen", dir: "asc" }))).toEqual(["ATM 10", "ATM 1", "atm 2"]));
  it("leaves its input alone", () => {
    sortRows(rows, { key: "name", dir: "asc" });
    expect(names(rows)).toEqual(["ATM 10", "atm 2", "ATM 1"]);
  });
});

describe("nextSort", () => {
  it("flips the same column", () => expect(nextSort({ key: "name", dir: "asc" }, "name")).toEqual({ key: "name", dir: "desc" }));
  it("starts another column ascending", () => expect(nextSort({ key: "name", dir: "desc" }, "seen")).toEqual({ key: "seen", dir: "asc" }));
});

describe("rowWindow", () => {
  it("renders only what a viewport shows, plus overscan", () => {
    const w = rowWindow(0, 300, 30, 10_000, 5);
    expect(w).toEqual({ start: 0, end: 16, padTop: 0, padBottom: (10_000 - 16) * 30 });
  });
  it("keeps the total height constant while scrolling", () => {
    const w = rowWindow(150_000, 300, 30, 10_000, 5);
    expect(w.start).toBe(4995);
    expect(w.end).toBe(5016);
    expect(w.padTop + (w.end - w.start) * 30 + w.padBottom).toBe(300_000);
  });
  it("stops at the end of the list", () => {
    const w = rowWindow(299_700, 300, 30, 10_000, 5);
    expect(w.end).toBe(10_000);
    expect(w.padBottom).toBe(0);
  });
  it("is empty for no rows", () => expect(rowWindow(0, 300, 30, 0)).toEqual({ start: 0, end: 0, padTop: 0, padBottom: 0 }));
  it("treats an overscrolled viewport as the end", () => expect(rowWindow(1e9, 300, 30, 100, 2).end).toBe(100));
});

describe("scrollToShow", () => {
  it("scrolls up to a row above the view", () => expect(scrollToShow(2, 300, 300, 30)).toBe(60));
  it("scrolls down just enough for a row below", () => expect(scrollToShow(20, 0, 300, 30)).toBe(330));
  it("stays for a row in view", () => expect(scrollToShow(5, 0, 300, 30)).toBe(0));
});
