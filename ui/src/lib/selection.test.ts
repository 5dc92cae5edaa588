import { describe, expect, it } from "vitest";
import { allShownSelected, moveCursor, selectRange, selectSite, sitesOf, toggle, toggleShown } from "./selection";

const shown = ["a", "b", "c", "d", "e"].map((name, i) => ({ name, site: i < 2 ? "Berlin" : i < 4 ? "berlin " : null }));
const set = (...n: string[]): Set<string> => new Set(n);

describe("toggle", () => {
  it("adds then removes", () => {
    const once = toggle(set(), "a");
    expect([...once]).toEqual(["a"]);
    expect([...toggle(once, "a")]).toEqual([]);
  });
});

describe("selectRange (shift-click)", () => {
  it("selects every row between the anchor and the click, as shown", () => expect([...selectRange(set("b"), shown, "b", "d", true)].sort()).toEqual(["b", "c", "d"]));
  it("works upwards", () => expect([...selectRange(set(), shown, "d", "b", true)].sort()).toEqual(["b", "c", "d"]));
  it("clears a range when the clicked row ends unchecked", () => expect([...selectRange(set("a", "b", "c", "d"), shown, "a", "c", false)]).toEqual(["d"]));
  it("without an anchor takes the clicked row alone", () => expect([...selectRange(set(), shown, null, "c", true)]).toEqual(["c"]));
  it("with an anchor filtered away takes the clicked row alone", () => expect([...selectRange(set(), shown, "zz", "c", true)]).toEqual(["c"]));
});

describe("selectSite", () => {
  it("adds every machine at the site, ignoring case and spaces", () => expect([...selectSite(set("e"), shown, "BERLIN")].sort()).toEqual(["a", "b", "c", "d", "e"]));
  it("adds nothing for an empty site", () => expect([...selectSite(set(), shown, " ")]).toEqual([]));
});

describe("sitesOf", () => {
  it("lists the distinct sites, sorted", () => expect(sitesOf([{ site: "B" }, { site: null }, { site: "A" }, { site: "B" }])).toEqual(["A", "B"]));
});

describe("the header checkbox", () => {
  it("selects every shown row, keeping others", () => expect([...toggleShown(set("z"), shown.slice(0, 2))].sort()).toEqual(["a", "b", "z"]));
  it("clears the shown rows when all are selected", () => expect([...toggleShown(set("a", "b", "z"), shown.slice(0, 2))]).toEqual(["z"]));
  it("is unchecked for no rows", () => expect(allShownSelected(set("a"), [])).toBe(false));
});

describe("moveCursor", () => {
  it("moves down and up within the list", () => {
    expect(moveCursor("ArrowDown", 0, 3, 10)).toBe(1);
    expect(moveCursor("ArrowUp", 0, 3, 10)).toBe(0);
    expect(moveCursor("ArrowDown", 2, 3, 10)).toBe(2);
  });
  it("pages and jumps", () => {
    expect(moveCursor("PageDown", 0, 100, 10)).toBe(10);
    expect(moveCursor("End", 0, 100, 10)).toBe(99);
    expect(moveCursor("Home", 50, 100, 10)).toBe(0);
  });
  it("ignores other keys and empty lists", () => {
    expect(moveCursor("x", 0, 3, 10)).toBeNull();
    expect(moveCursor("ArrowDown", 0, 0, 10)).toBeNull();
  });
});
