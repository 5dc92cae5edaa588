import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { launch, root } from "./harness.mjs";
const out = "/tmp/h14u/look";
const app = await launch();
let s = app.session;
await s.waitFor('[data-testid="console-npub"]', 30_000);
await s.screenshot(out, "welcome");
await app.stop();
execFileSync("python3", [join(root, "e2e", "seed.py"), join(app.dataDir, "fleet.sqlite3"), "10000"]);
const { startDriver, Session } = await import("./webdriver.mjs");
const { appBinary } = await import("./harness.mjs");
const driver = await startDriver({ env: { ...process.env, SATOP_DATA_DIR: app.dataDir } });
s = await Session.start(driver.base, appBinary);
try {
  await s.waitFor('[data-testid="fleet-count"]', 30_000);
  for (const [w, h] of [[800, 600], [1920, 1080]]) {
    await s.resize(w, h);
    await new Promise((r) => setTimeout(r, 500));
    await s.screenshot(out, `fleet-${w}`);
  }
  await s.click('[data-testid="toggle-dark"]');
  await s.screenshot(out, `fleet-dark`);
  console.log("rows", (await s.findAll('[data-testid="machine-row"]')).length);
  await s.press("?");
  await new Promise((r) => setTimeout(r, 300));
  await s.screenshot(out, `help`);
} finally {
  await s.end();
  await driver.stop();
}
