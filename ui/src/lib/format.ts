// Pure UI logic: wording, countdowns, filters. Tested with vitest (format.test.ts).

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "24 Dec 2026" for a unix time (seconds), in the local time zone. */
export function day(unix: number): string {
  const d = new Date(unix * 1000);
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

/** "24 Dec 2026, 14:05". */
export function dayTime(unix: number): string {
  const d = new Date(unix * 1000);
  const hh = String(d.getHours()).padStart(2, "0");
  const mm = String(d.getMinutes()).padStart(2, "0");
  return `${day(unix)}, ${hh}:${mm}`;
}

/** A countdown: "59:07", "1:02:03", or "expired". */
export function countdown(secondsLeft: number): string {
  if (secondsLeft <= 0) return "expired";
  const s = Math.floor(secondsLeft);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/**
 * The access term left, in words, from the core's whole days left (`days_left`, null while no
 * term counts): "29 days left", "1 day left", "less than a day left", "ended", "—".
 */
export function daysLeftText(daysLeft: number | null): string {
  if (daysLeft === null) return "—";
  if (daysLeft < 0) return "ended";
  if (daysLeft === 0) return "less than a day left";
  return plural(daysLeft, "day") + " left";
}

/** The words of a machine's pair button, from the core's choice. */
export function pairButtonText(choice: "pair" | "renew"): string {
  return choice === "renew" ? "Re-pair" : "Pair";
}

/** How old something is: "just now", "5 minutes ago", "3 days ago". */
export function ago(unix: number, now: number): string {
  const s = now - unix;
  if (s < 60) return "just now";
  if (s < 3600) return plural(Math.floor(s / 60), "minute") + " ago";
  if (s < 86400) return plural(Math.floor(s / 3600), "hour") + " ago";
  return plural(Math.floor(s / 86400), "day") + " ago";
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** The scope of a pairing in plain words. */
export function scopeSentence(accessTermDays: number, now: number): string {
  return `May sign ATM events (kind 21000) only; access ends on ${day(now + accessTermDays * 86400)}`;
}

/** A machine as the filter sees it. */
export interface Filterable {
  name: string;
  site: string | null;
  state: string;
}

/** Machines whose name or site contains `text` (ignoring case), in `state` unless "all". */
export function filterMachines<T extends Filterable>(machines: T[], text: string, state: string): T[] {
  const needle = text.trim().toLowerCase();
  return machines.filter(
    (m) =>
      (state === "all" || m.state === state) &&
      (needle === "" || m.name.toLowerCase().includes(needle) || (m.site ?? "").toLowerCase().includes(needle)),
  );
}

/** Splits the ATM relays field (comma, space or newline separated). */
export function splitRelays(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((r) => r.trim())
    .filter((r) => r !== "");
}

/** Pixels per module for showing a QR at its natural integer scale, never below 5. */
export function qrScale(modules: number, availablePx: number): number {
  return Math.max(5, Math.floor(availablePx / modules));
}
