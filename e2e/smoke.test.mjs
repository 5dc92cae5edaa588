// Smoke: the app starts in a real window, makes its console key in the keyring and shows the
// Welcome/Connect screen. Run against the installed .deb too (E2E_APP=/usr/bin/satmachine-operator).
import { test } from "node:test";
import assert from "node:assert/strict";
import { artifacts, launch } from "./harness.mjs";

test("the app opens on Welcome with a console npub from the keyring", async () => {
  const app = await launch();
  try {
    await app.session.waitFor('[data-testid="console-npub"]', 30_000);
    const npub = await app.session.text('[data-testid="console-npub"]');
    assert.match(npub, /^npub1[0-9a-z]{58}$/, "the console npub is shown to add to admin.npubs");
    await app.session.waitFor('[data-testid="try-sandbox"]');
    await app.session.screenshot(artifacts, process.env.E2E_SMOKE_NAME ?? "00-smoke-welcome");
  } finally {
    await app.stop();
  }
});
