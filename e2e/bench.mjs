// Benchmark (not a test; prints figures): cold start to the fleet screen fully rendered with
// 10,000 cached machines (its whole first page of rows and the machine count on screen; median of
// runs), idle RSS of the running app, installer sizes. Run under the same Xvfb + D-Bus set-up as
// the e2e tests: `e2e/run.sh bench`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appBinary, root } from "./harness.mjs";
import { Session, startDriver, until } from "./webdriver.mjs";

const MACHINES = Number(process.env.BENCH_MACHINES ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
// The fleet screen shows its first 200 rows, then "Show more" (ui/src/screens/Fleet.svelte).
const FIRST_PAGE = 200;
const ROWS = Math.min(FIRST_PAGE, MACHINES);
// How often the screen is looked at while waiting: the figures are this coarse.
const POLL_MS = 20;

/** True once the first screen is complete: every row of the first page and the count line. */
async function firstScreenRendered(s) {
  const rows = await s.findAll('[data-testid="machine-row"]');
  if (rows.length < ROWS) return false;
  const count = await s.text('[data-testid="fleet-count"]').catch(() => "");
  return count === `${MACHINES} of ${MACHINES} machines`;
}
const dataDir = mkdtempSync(join(tmpdir(), "satop-bench-"));
const env = { ...process.env, SATOP_DATA_DIR: dataDir };
const driver = await startDriver({ env });  // its output is dropped: this prints figures

async function open() {
  const t0 = performance.now();
  const s = await Session.start(driver.base, appBinary);
  return { s, t0 };
}

try {
  // First run creates the database and the console key; then the cache is filled offline.
  {
    const { s } = await open();
    await s.waitFor('[data-testid="console-npub"]', 30_000);
    await s.end();
  }
  execFileSync("python3", [join(root, "e2e", "seed.py"), join(dataDir, "fleet.sqlite3"), String(MACHINES)], { stdio: "inherit" });

  const times = [];
  let rss = null;
  for (let i = 0; i < RUNS; i++) {
    const { s, t0 } = await open();
    await until("the fleet screen fully rendered", () => firstScreenRendered(s), 60_000, POLL_MS);
    const ms = performance.now() - t0;
    times.push(ms);
    if (i === RUNS - 1) {
      // Idle: the list is on screen and nothing is asked of the app for a few seconds.
      await new Promise((r) => setTimeout(r, 5000));
      rss = memory();
    }
    await s.end();
    await until("the app to exit", () => !pids().length, 10_000).catch(() => undefined);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `cold start to the fleet screen fully rendered (from the WebDriver session request that launches the app until WebDriver sees all ${ROWS} rows of its first page and "${MACHINES} of ${MACHINES} machines"; ${MACHINES} cached machines, checked every ${POLL_MS} ms, ${RUNS} runs): median ${median.toFixed(0)} ms; all: ${times.map((t) => t.toFixed(0)).join(", ")} ms`,
  );
  if (rss) console.log(`idle RSS: app process ${rss.app} MiB; with its WebKit web/network processes ${rss.total} MiB`);
  const bundle = join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "debug", "bundle");
  for (const kind of ["deb", "rpm"]) {
    try {
      for (const f of readdirSync(join(bundle, kind)).filter((f) => f.endsWith(`.${kind}`)))
        console.log(`installer ${f}: ${(statSync(join(bundle, kind, f)).size / 1048576).toFixed(1)} MiB (debug build)`);
    } catch {
      console.log(`installer .${kind}: not built`);
    }
  }
} finally {
  await driver.stop();
}

function pids() {
  const out = execFileSync("ps", ["-eo", "pid=,ppid=,rss=,args="], { encoding: "utf8" });
  return out.split("\n").map((l) => l.trim().split(/\s+/)).filter((p) => p[3] === appBinary);
}

function memory() {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid=,rss=,args="], { encoding: "utf8" })
    .split("\n").map((l) => l.trim().split(/\s+/)).filter((p) => p.length >= 4);
  const app = rows.find((p) => p[3] === appBinary);
  if (!app) return null;
  const kids = rows.filter((p) => p[1] === app[0]);
  const mib = (kb) => (kb / 1024).toFixed(0);
  return { app: mib(Number(app[2])), total: mib([app, ...kids].reduce((a, p) => a + Number(p[2]), 0)) };
}
