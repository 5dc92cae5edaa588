// Launches the app under tauri-driver with a fresh data directory; the caller runs it under
// Xvfb and a private D-Bus session with an unlocked gnome-keyring (scripts/e2e.sh).
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Session, startDriver } from "./webdriver.mjs";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const artifacts = process.env.E2E_ARTIFACTS ?? join(root, "artifacts", "e2e");
const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
export const appBinary = process.env.E2E_APP ?? join(target, "debug", "satmachine-operator");
export const atmBinary = process.env.E2E_ATM ?? join(target, "debug", "satmachine-atm");

/**
 * Starts the app on a fresh data dir (or on `dataDir`, to start it again on the same cache);
 * returns the session and a stop function.
 */
export async function launch(extraEnv = {}, dataDir = mkdtempSync(join(tmpdir(), "satop-e2e-"))) {
  const env = { ...process.env, SATOP_DATA_DIR: dataDir, ...extraEnv };
  mkdirSync(artifacts, { recursive: true });
  const driver = await startDriver({ env, log: join(artifacts, "tauri-driver.log") });
  try {
    const session = await Session.start(driver.base, appBinary);
    return {
      session,
      dataDir,
      stop: async () => {
        await session.end();
        await driver.stop();
      },
    };
  } catch (e) {
    await driver.stop();
    throw e;
  }
}
