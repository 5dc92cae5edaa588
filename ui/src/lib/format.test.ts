import { describe, expect, it } from "vitest";
import { ago, countdown, daysLeftText, filterMachines, pairButtonText, qrScale, scopeSentence, splitRelays } from "./format";

describe("countdown", () => {
  it("shows minutes and seconds under an hour", () => expect(countdown(3599)).toBe("59:59"));
  it("shows hours over an hour", () => expect(countdown(3723)).toBe("1:02:03"));
  it("says expired at zero", () => expect(countdown(0)).toBe("expired"));
});

describe("daysLeftText (the core's days_left in words)", () => {
  it("counts the core's days", () => expect(daysLeftText(30)).toBe("30 days left"));
  it("is singular for one day", () => expect(daysLeftText(1)).toBe("1 day left"));
  it("says less than a day on the last day", () => expect(daysLeftText(0)).toBe("less than a day left"));
  it("says ended after the end", () => expect(daysLeftText(-1)).toBe("ended"));
  it("shows a dash when no term counts", () => expect(daysLeftText(null)).toBe("—"));
});

describe("pairButtonText (the core's pairing choice)", () => {
  it("offers a re-pair when the core says renew (active, expiring or expired)", () => expect(pairButtonText("renew")).toBe("Re-pair"));
  it("offers a pairing otherwise", () => expect(pairButtonText("pair")).toBe("Pair"));
});

describe("ago", () => {
  it("is singular for one unit", () => expect(ago(0, 3600)).toBe("1 hour ago"));
  it("says just now under a minute", () => expect(ago(10, 20)).toBe("just now"));
});

describe("scopeSentence", () => {
  it("names kind 21000 and the end date in words", () => {
    const now = Date.UTC(2026, 10, 24, 12) / 1000;
    expect(scopeSentence(30, now)).toMatch(/^May sign ATM events \(kind 21000\) only; access ends on 24 Dec 2026$/);
  });
});

describe("filterMachines", () => {
  const fleet = [
    { name: "Lobby ATM", site: "Berlin", state: "active" },
    { name: "Airport", site: null, state: "unpaired" },
  ];
  it("matches the site ignoring case", () => expect(filterMachines(fleet, "berlin", "all")).toHaveLength(1));
  it("filters by state", () => expect(filterMachines(fleet, "", "unpaired")[0]?.name).toBe("Airport"));
  it("keeps all with no filter", () => expect(filterMachines(fleet, " ", "all")).toHaveLength(2));
});

describe("relays and QR", () => {
  it("splits relays on commas and spaces", () => expect(splitRelays("wss://a, wss://b\n")).toEqual(["wss://a", "wss://b"]));
  it("never scales a QR below 5 px per module", () => expect(qrScale(65, 100)).toBe(5));
});
