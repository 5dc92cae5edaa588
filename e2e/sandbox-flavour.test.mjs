// "Try the sandbox" in its nsecbunkerd 0.11 flavour: the sandbox starts, the banner says which
// nsecbunkerd it behaves like, and the console connects to it: Settings names the line the probe
// found (admin kind 24133, NIP-44).
import { test } from "node:test";
import assert from "node:assert/strict";
import { artifacts, launch } from "./harness.mjs";

test("the sandbox started as nsecbunkerd 0.11 says so in its banner and the console connects to its line", async () => {
  const app = await launch();
  const s = app.session;
  try {
    await s.waitFor('[data-testid="console-npub"]', 30_000);
    await s.click('[data-testid="sandbox-flavour"] option[value="0.11"]');
    await s.click('[data-testid="try-sandbox"]');
    await s.waitFor('[data-testid="sandbox-banner"][data-flavour="0.11"]', 30_000);
    assert.match(await s.text('[data-testid="sandbox-banner"]'), /^SANDBOX · nsecbunkerd 0\.11: .*test keys only/);
    await s.screenshot(artifacts, "13-sandbox-0.11");
    await s.waitFor('[data-testid="nav-settings"]', 30_000);
    await s.click('[data-testid="nav-settings"]');
    await s.waitFor('[data-testid="settings-line"]', 15_000);
    assert.equal(await s.text('[data-testid="settings-line"]'), "nsecbunkerd 0.11 · admin kind 24133 · NIP-44");
    await s.screenshot(artifacts, "14-settings-line-0.11");
  } finally {
    await app.stop();
  }
});
