// "Try the sandbox" in its nsecbunkerd 0.11 flavour: the sandbox starts and the banner says
// which nsecbunkerd it behaves like. (Connecting the console to a 0.11 bunker needs the 0.11
// client work; this test does not depend on whether connecting succeeds.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { artifacts, launch } from "./harness.mjs";

test("the sandbox started as nsecbunkerd 0.11 says so in its banner", async () => {
  const app = await launch();
  const s = app.session;
  try {
    await s.waitFor('[data-testid="console-npub"]', 30_000);
    await s.click('[data-testid="sandbox-flavour"] option[value="0.11"]');
    await s.click('[data-testid="try-sandbox"]');
    await s.waitFor('[data-testid="sandbox-banner"][data-flavour="0.11"]', 30_000);
    assert.match(await s.text('[data-testid="sandbox-banner"]'), /^SANDBOX · nsecbunkerd 0\.11: .*test keys only/);
    await s.screenshot(artifacts, "13-sandbox-0.11");
  } finally {
    await app.stop();
  }
});
