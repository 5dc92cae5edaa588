// The admin key leaves the laptop (issue #11), in the real window: with the sandbox running,
// Settings → Admin key → "Use my phone" shows a nostrconnect:// QR; a test signer
// (tests/src/bin/test-phone.rs: rust-nostr's NostrConnectRemoteSigner) decodes it from a
// screenshot, as a phone camera would, and connects through it; the screen then shows the
// signer's npub and the admin.npubs line, and probes the bunker (which does not list the
// phone's key yet: "Not yet"). The code's secret joins the known secrets e2e/run.sh scans the
// app's log for.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { artifacts, launch } from "./harness.mjs";
import { until } from "./webdriver.mjs";

const target = process.env.CARGO_TARGET_DIR ?? join(import.meta.dirname, "..", "target");
const phoneBinary = process.env.E2E_PHONE ?? join(target, "debug", "test-phone");

test("a phone scans the nostrconnect QR on screen and becomes the admin signer", async () => {
  const app = await launch();
  const s = app.session;
  let phone;
  try {
    await s.waitFor('[data-testid="console-npub"]', 30_000);
    await s.click('[data-testid="try-sandbox"]');
    await s.waitFor('[data-testid="sandbox-banner"]', 30_000);
    // Connected (home is the dashboard): the bunker's admin relay is where the phone and the
    // console meet.
    await s.waitFor('[data-testid="dashboard-counts"]', 30_000);
    await s.click('[data-testid="nav-settings"]');
    await s.waitFor('[data-testid="admin-key"]', 30_000);
    await s.click('[data-testid="signer-phone"]');
    await s.click('[data-testid="signer-show-code"]');
    await until("the code or an error", async () => (await s.findAll('[data-testid="signer-qr"], [data-testid="admin-key"] [role="alert"]')).length > 0, 30_000);
    const shown = await s.text('[data-testid="admin-key"]');
    await s.screenshot(artifacts, "20-signer-code");
    assert.ok((await s.findAll('[data-testid="signer-qr"]')).length > 0, `the code is shown:\n${shown}`);
    assert.match(await s.text('[data-testid="signer-status"]'), /Waiting for your signer/);
    const shot = await s.screenshot(artifacts, "20-signer-qr");

    let printed = "";
    phone = spawn(phoneBinary, ["--qr-image", shot, "--seconds", "60"]);
    phone.stdout.on("data", (d) => (printed += d));
    phone.stderr.on("data", (d) => (printed += d));
    const npub = await until("the phone decoded the QR", () => printed.match(/^npub: (npub1\w+)$/m)?.[1], 30_000);
    const secret = await until("the phone read the code's secret", () => printed.match(/^connection-secret: (\S+)$/m)?.[1], 30_000);
    // e2e/run.sh scans the app's log for it: the code's secret is shown, never logged.
    if (process.env.E2E_KNOWN_SECRETS) appendFileSync(process.env.E2E_KNOWN_SECRETS, `nostrconnect connection secret=${secret}\n`, { mode: 0o600 });

    await s.waitFor('[data-testid="signer-setup"]', 60_000);
    const setup = await s.text('[data-testid="signer-setup"]');
    assert.ok(setup.includes(npub), `the screen shows the signer's npub ${npub}:\n${setup}`);
    assert.ok(setup.includes('"admin"'), "and the admin.npubs line");
    await until("the bunker was probed", async () => /Not yet|accepts/.test(await s.text('[data-testid="signer-probe"]')), 30_000);
    await s.screenshot(artifacts, "21-signer-connected");
  } finally {
    phone?.kill();
    await app.stop();
  }
});
