// The fleet at a glance, in the real window: the dashboard over a cache seeded with one machine
// in every state (e2e/seed.py --every-state) shows the right counts and the right action for
// each machine that needs attention; a site is revoked in bulk behind one typed confirmation,
// offline, so each revoke waits in the outbox; the fleet table is driven by the keyboard; and
// screenshots of the dashboard and the fleet at 800×600 and 1920×1080, light and dark. Then an
// ATM is paired from the keyboard alone, through the full-screen code (focus trapped, Escape
// closes it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { artifacts, atmBinary, launch, root } from "./harness.mjs";
import { Key, until } from "./webdriver.mjs";

// What seed.py --every-state holds (its EVERY comment).
const COUNTS = {
  machines: 12, paired: 7, expiring: 1, expired: 1, silent: 1, revoke_pending: 1, revoke_failed: 1,
  revoked: 1, legacy: 1, unpaired: 1, pairing: 0, live_codes: 2, repair_queued: 0,
};
// Machine → [why, the action the core picks].
const ATTENTION = {
  Refused: ["revoke_failed", "retry_revoke"],
  Expired: ["expired", "renew"],
  Silent: ["silent", "check_machine"],
  Expiring: ["expiring", "renew"],
  Legacy: ["legacy", "pair"],
  Waiting: ["revoke_pending", "sync"],
};

async function counts(s) {
  const out = {};
  for (const key of Object.keys(COUNTS)) {
    if (key === "machines") {
      out[key] = Number(await attr(s, '[data-testid="dashboard-counts"]', "data-machines"));
      continue;
    }
    out[key] = Number(await s.cmd("GET", `/element/${await s.find(`[data-testid="count-${key}"]`)}/attribute/data-count`));
  }
  return out;
}

async function attr(s, css, name) {
  return s.cmd("GET", `/element/${await s.find(css)}/attribute/${name}`);
}

/** Waits two animation frames, so a relayout (a resize, larger text) is painted before a shot. */
function painted(s) {
  return s.cmd("POST", "/execute/async", { script: "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)))", args: [] });
}

/** Screenshots of the current screen at both sizes, in the light and the dark theme. */
async function shots(s, name) {
  for (const dark of [false, true]) {
    await s.run(`document.documentElement.dataset.theme = ${JSON.stringify(dark ? "dark" : "light")}`);
    for (const [w, h] of [[800, 600], [1920, 1080]]) {
      await s.resize(w, h);
      await until(`the window at ${w} px`, async () => Math.abs((await s.run("return window.innerWidth")) - w) < 40, 5000);
      await painted(s);
      await s.screenshot(artifacts, `${name}-${w}x${h}-${dark ? "dark" : "light"}`);
    }
  }
  await s.run("document.documentElement.dataset.theme = 'light'");
  // Large text, at the smallest size.
  await s.resize(800, 600);
  await until("the window at 800 px", async () => Math.abs((await s.run("return window.innerWidth")) - 800) < 40, 5000);
  await s.click('[data-testid="toggle-large"]');
  await until("large text is on", async () => (await s.run("return document.documentElement.dataset.large")) === "true", 5000);
  await painted(s);
  await s.screenshot(artifacts, `${name}-800x600-large`);
  await s.click('[data-testid="toggle-large"]');
}

test("the dashboard counts every state, offers the right action for each problem, and a site is revoked in bulk offline", async () => {
  let app = await launch();
  const dataDir = app.dataDir;
  await app.session.waitFor('[data-testid="console-npub"]', 30_000);
  await app.stop();
  execFileSync("python3", [join(root, "e2e", "seed.py"), join(dataDir, "fleet.sqlite3"), "--every-state"]);

  app = await launch({}, dataDir);
  const s = app.session;
  try {
    // Home is the dashboard, from the cache, offline.
    await s.waitFor('[data-testid="dashboard-counts"]', 30_000);
    assert.deepEqual(await counts(s), COUNTS, "every state is counted once");
    const rows = await s.findAll('[data-testid="attention-row"]');
    const seen = {};
    for (const id of rows) {
      const get = (n) => s.cmd("GET", `/element/${id}/attribute/${n}`);
      seen[await get("data-machine")] = [await get("data-concern"), await get("data-action")];
    }
    assert.deepEqual(seen, ATTENTION, "each machine that needs attention has the core's action");
    // Waiting's revoke, and the roster publication the seeded machines' changes queued (the
    // cache has a bunker profile, so every change the roster carries queues one).
    assert.equal(await attr(s, '[data-testid="health-outbox"]', "data-pending"), "2");
    assert.equal(await attr(s, '[data-testid="health-outbox"]', "data-failed"), "1");
    assert.equal(await attr(s, '[data-testid="health-bunker"]', "data-reach"), "unknown", "no sync yet: not 'reachable'");
    await shots(s, "20-dashboard");

    // A tile opens the fleet filtered to its state.
    await s.click('[data-testid="count-expired"]');
    await until("the fleet shows only the expired machine", async () => (await s.text('[data-testid="fleet-count"]')) === "1 of 12 machines");
    assert.equal(await attr(s, '[data-testid="machine-row"]', "data-name"), "Expired");

    // The fleet table from the keyboard: g f, /, the search, then the rows.
    await s.run("document.activeElement?.blur()");
    await s.press("g", "f");
    await until("every machine is listed", async () => (await s.text('[data-testid="fleet-count"]')) === "12 of 12 machines");
    await s.press("/");
    await until("/ focuses the search", async () => (await s.focused()) === "fleet-search");
    await s.press(..."harbour");
    await until("the search keeps the Harbour site", async () => (await s.text('[data-testid="fleet-count"]')) === "3 of 12 machines");
    await s.run("document.querySelector('[data-testid=\"fleet-table\"]').focus()");
    await s.press(Key.Space, { key: Key.Down, shift: true }, { key: Key.Down, shift: true });
    await until("Space and Shift+Down select three rows", async () => (await s.text('[data-testid="selection-count"]')) === "3 selected");
    await s.screenshot(artifacts, "21-fleet-keyboard");
    // g f again starts the fleet afresh: every machine, nothing selected.
    await s.run("document.activeElement?.blur()");
    await s.press("g", "f");
    await until("the fleet starts afresh", async () => (await s.text('[data-testid="fleet-count"]')) === "12 of 12 machines");
    assert.equal((await s.findAll('[data-testid="selection-bar"]')).length, 0, "nothing is selected");

    // "?" lists the shortcuts; Escape closes the overlay.
    await s.run("document.activeElement?.blur()");
    await s.press("?");
    await s.waitFor('[data-testid="shortcuts-help"]');
    await s.screenshot(artifacts, "22-shortcuts");
    await s.press(Key.Escape);
    await until("Escape closes the overlay", async () => (await s.findAll('[data-testid="shortcuts-help"]')).length === 0);

    // Bulk revoke of the Harbour site: every machine at it, confirmed by the site's name.
    await s.click('[data-testid="select-site"] option[value="Harbour"]');
    await until("the site's three machines are selected", async () => (await s.text('[data-testid="selection-count"]')) === "3 selected");
    await shots(s, "23-fleet");
    await s.click('[data-testid="bulk-open"]');
    await s.waitFor('[data-testid="bulk-dialog"]');
    await until("the confirmation field has focus", async () => (await s.focused()) === "bulk-confirm");
    await s.type('[data-testid="bulk-confirm"]', "harbour");
    assert.equal(await s.enabled('[data-testid="bulk-submit"]'), false, "another case does not confirm");
    await s.type('[data-testid="bulk-confirm"]', "3");
    assert.equal(await s.enabled('[data-testid="bulk-submit"]'), false, "a whole site is confirmed by its name, not the count");
    await s.type('[data-testid="bulk-confirm"]', "Harbour");
    await until("the site's name enables Revoke", () => s.enabled('[data-testid="bulk-submit"]'));
    await s.screenshot(artifacts, "24-bulk-confirm");
    await s.click('[data-testid="bulk-submit"]');
    await s.waitFor('[data-testid="bulk-result"]', 90_000);
    assert.equal(await attr(s, '[data-testid="bulk-result"]', "data-pending"), "3", "offline, each revoke waits in the outbox");
    assert.match(await s.text('[data-testid="bulk-result"]'), /3 waiting in the outbox/);
    for (const n of [1, 2, 3]) await s.waitFor(`[data-testid="bulk-line"][data-machine="Harbour ${n}"][data-step="pending"]`);
    await s.screenshot(artifacts, "25-bulk-progress");
    await s.click('[data-testid="bulk-done"]');

    await s.click('[data-testid="nav-dashboard"]');
    await until("the dashboard counts the three revokes as pending", async () =>
      (await attr(s, '[data-testid="count-revoke_pending"]', "data-count")) === "4");
    assert.equal(await attr(s, '[data-testid="count-paired"]', "data-count"), "4");
  } catch (e) {
    await s.screenshot(artifacts, "99-glance-failed").catch(() => {});
    throw e;
  } finally {
    await app.stop();
  }
});

test("an ATM is paired from the keyboard alone: p, its name, Enter through the wizard, the full-screen code traps focus and Escape closes it", async () => {
  const app = await launch();
  const s = app.session;
  try {
    await s.waitFor('[data-testid="console-npub"]', 30_000);
    await s.click('[data-testid="try-sandbox"]');
    await s.waitFor('[data-testid="sandbox-banner"]', 30_000);
    await s.waitFor('[data-testid="dashboard-counts"]', 30_000);
    // The shortcuts that need a bunker wait for the app to know it has one.
    await until("the app knows its bunker", () => s.enabled('[data-testid="nav-pair"]'), 30_000);

    await s.run("document.activeElement?.blur()");
    await s.press("p");
    await until("p opens the wizard on its name field", async () => (await s.focused()) === "pair-name");
    await s.press(..."Kiosk ATM", Key.Enter);
    await until("Enter goes on to the scope, focus on its button", async () => (await s.focused()) === "pair-show-qr");
    assert.match(await s.text('[data-testid="pair-scope"]'), /May sign ATM events \(kind 21000\) only/);
    await s.press(Key.Enter);
    await s.waitFor('[data-testid="pair-qr"]', 30_000);
    await until("focus is on Full screen", async () => (await s.focused()) === "pair-full");
    await s.press(Key.Enter);
    await s.waitFor('[data-testid="pair-qr-full"]', 10_000);
    await until("focus moves into the full-screen code", async () => (await s.focused()) === "pair-qr-full-close");
    for (const key of [Key.Tab, Key.Tab, { key: Key.Tab, shift: true }]) {
      await s.press(key);
      assert.equal(await s.focused(), "pair-qr-full-close", `${key.shift ? "Shift+Tab" : "Tab"} stays inside the full-screen code`);
    }
    const shot = await s.screenshot(artifacts, "26-pair-qr-fullscreen");

    // The ATM reads the full-screen code, as its camera would.
    const atmState = mkdtempSync(join(tmpdir(), "satop-e2e-atm-"));
    const out = execFileSync(atmBinary, ["--state-dir", atmState, "pair", "--qr-image", shot], { encoding: "utf8" });
    if (process.env.E2E_KNOWN_SECRETS)
      appendFileSync(process.env.E2E_KNOWN_SECRETS, `ATM client key (keyboard pairing)=${readFileSync(join(atmState, "client.key"), "utf8").trim()}\n`, { mode: 0o600 });
    const atmFingerprint = out.match(/^fingerprint: (.+)$/m)?.[1]?.trim();
    assert.ok(atmFingerprint, `the ATM printed its fingerprint:\n${out}`);

    await s.press(Key.Escape);
    await until("Escape leaves full screen", async () => (await s.findAll('[data-testid="pair-qr-full"]')).length === 0);
    await s.waitFor('[data-testid="pair-done"]', 60_000);
    assert.equal(await s.text('[data-testid="paired-fingerprint"]'), atmFingerprint, "the app shows the fingerprint the ATM shows");
    await until("focus is on Back to the fleet", async () => (await s.focused()) === "pair-finish");
    await s.press(Key.Enter);
    await s.waitFor('[data-testid="machine-row"][data-name="Kiosk ATM"]', 30_000);
    await until("the machine shows as paired", async () => (await s.text('[data-testid="machine-row"][data-name="Kiosk ATM"] [data-testid="machine-state"]')) === "active");
    await s.screenshot(artifacts, "27-keyboard-paired");
  } catch (e) {
    await s.screenshot(artifacts, "99-keyboard-pairing-failed").catch(() => {});
    throw e;
  } finally {
    await app.stop();
  }
});
