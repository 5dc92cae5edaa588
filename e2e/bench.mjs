// Benchmark (not a test; prints figures): with 10,000 cached machines, cold start to the
// dashboard fully rendered (median of runs); the fleet table: time to render it and to scroll it
// end to end; idle RSS of the app process and with its WebKit processes, against the same binary
// showing an empty page (SATOP_BLANK_PAGE=1, src-tauri/src/memory.rs) measured in the same run,
// as a ratio; installer sizes. Run under the same Xvfb + D-Bus set-up as the e2e tests:
// `e2e/run.sh bench`. The app runs as shipped (WebKit's compositing off: no screenshots here).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appBinary, root } from "./harness.mjs";
import { Session, startDriver, until } from "./webdriver.mjs";

const MACHINES = Number(process.env.BENCH_MACHINES ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
// How long the app is left alone before its memory is read (WebKit's memory-pressure handler
// looks every 5 s).
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 10_000);
// How often the screen is looked at while waiting: the start-up figures are this coarse.
const POLL_MS = 20;

const dataDir = mkdtempSync(join(tmpdir(), "satop-bench-"));
const base = { ...process.env, SATOP_DATA_DIR: dataDir };
delete base.SATOP_WEBKIT_COMPOSITING;

/** Starts the app under its own driver with `env`; returns the session, the start and a stop. */
async function open(env = {}) {
  const driver = await startDriver({ env: { ...base, ...env } }); // its output is dropped: this prints figures
  const t0 = performance.now();
  const s = await Session.start(driver.base, appBinary);
  return {
    s,
    t0,
    stop: async () => {
      await s.end();
      await driver.stop();
      await until("the app to exit", () => !pids().length, 10_000).catch(() => undefined);
    },
  };
}

/** True once the dashboard is complete: its counts cover every cached machine. */
async function dashboardRendered(s) {
  const id = await s.find('[data-testid="dashboard-counts"]').catch(() => null);
  if (!id) return false;
  return (await s.cmd("GET", `/element/${id}/attribute/data-machines`)) === String(MACHINES);
}

/** Scrolls the fleet table a screen per frame to its end; returns what the page measured. */
function scrollEndToEnd(s) {
  return s.cmd("POST", "/execute/async", {
    script: `const done = arguments[arguments.length - 1];
      const v = document.querySelector('[data-testid="fleet-table"]').parentElement;
      const t0 = performance.now();
      let frames = 0, worst = 0, last = t0, most = 0;
      function step() {
        const now = performance.now();
        worst = Math.max(worst, now - last); last = now; frames++;
        most = Math.max(most, document.querySelectorAll('[data-testid="machine-row"]').length);
        if (v.scrollTop + v.clientHeight >= v.scrollHeight - 1) {
          const rows = [...document.querySelectorAll('[data-testid="machine-row"]')];
          done({ ms: now - t0, frames, worst, most, last: rows[rows.length - 1]?.dataset.name ?? "" });
          return;
        }
        v.scrollTop += v.clientHeight;
        requestAnimationFrame(step);
      }
      requestAnimationFrame(step);`,
    args: [],
  });
}

try {
  // First run creates the database and the console key; then the cache is filled offline.
  {
    const { s, stop } = await open();
    await s.waitFor('[data-testid="console-npub"]', 30_000);
    await stop();
  }
  execFileSync("python3", [join(root, "e2e", "seed.py"), join(dataDir, "fleet.sqlite3"), String(MACHINES)], { stdio: "inherit" });

  const starts = [];
  let table = null;
  let rss = null;
  let used = null;
  for (let i = 0; i < RUNS; i++) {
    const { s, t0, stop } = await open();
    await until("the dashboard fully rendered", () => dashboardRendered(s), 60_000, POLL_MS);
    starts.push(performance.now() - t0);
    if (i === RUNS - 1) {
      // Idle after start: the dashboard on screen and nothing asked of the app.
      await new Promise((r) => setTimeout(r, IDLE_MS));
      rss = memory();
      // The fleet table: from the click until its rows and the count are on screen.
      const c0 = performance.now();
      await s.click('[data-testid="nav-fleet"]');
      await until("the fleet table rendered", async () =>
        (await s.text('[data-testid="fleet-count"]').catch(() => "")) === `${MACHINES} of ${MACHINES} machines` &&
        (await s.findAll('[data-testid="machine-row"]')).length > 0, 60_000, POLL_MS);
      const render = performance.now() - c0;
      const scroll = await scrollEndToEnd(s);
      table = { render, scroll };
      // Idle again after that use: back on the dashboard.
      await s.click('[data-testid="nav-dashboard"]');
      await new Promise((r) => setTimeout(r, IDLE_MS));
      used = memory();
    }
    await stop();
  }
  // The same binary on an empty page, same WebKit settings, same idle time.
  let blank = null;
  {
    const { stop } = await open({ SATOP_BLANK_PAGE: "1" });
    await new Promise((r) => setTimeout(r, IDLE_MS));
    blank = memory();
    await stop();
  }

  starts.sort((a, b) => a - b);
  const median = starts[Math.floor(starts.length / 2)];
  console.log(
    `cold start to the dashboard fully rendered (from the WebDriver session request that launches the app until WebDriver sees the counts of all ${MACHINES} cached machines; checked every ${POLL_MS} ms, ${RUNS} runs): median ${median.toFixed(0)} ms; all: ${starts.map((t) => t.toFixed(0)).join(", ")} ms`,
  );
  if (table) {
    console.log(`fleet table render (${MACHINES} machines, from the click on Fleet until WebDriver sees its rows and count): ${table.render.toFixed(0)} ms`);
    console.log(
      `fleet table scroll end to end (a screen per animation frame, measured in the page): ${table.scroll.ms.toFixed(0)} ms over ${table.scroll.frames} frames, slowest frame ${table.scroll.worst.toFixed(0)} ms; at most ${table.scroll.most} rows in the page at once; last row shown: ${table.scroll.last}`,
    );
  }
  if (rss && blank) {
    const ratio = (a, b) => (Number(a) / Number(b)).toFixed(2);
    console.log(`idle RSS ${IDLE_MS / 1000} s after start (dashboard, ${MACHINES} machines): app process ${rss.app} MiB; with its WebKit web/network processes ${rss.total} MiB (web ${rss.web} MiB, network ${rss.network} MiB)`);
    if (used) console.log(`idle RSS ${IDLE_MS / 1000} s after the fleet table was shown and scrolled end to end: app process ${used.app} MiB; with WebKit ${used.total} MiB (web ${used.web} MiB, network ${used.network} MiB)`);
    console.log(`idle RSS of the same binary on an empty page (SATOP_BLANK_PAGE=1): app process ${blank.app} MiB; with WebKit ${blank.total} MiB (web ${blank.web} MiB, network ${blank.network} MiB)`);
    console.log(`idle RSS ratio after start, app with ${MACHINES} machines / empty page: app process ${ratio(rss.app, blank.app)}; with WebKit ${ratio(rss.total, blank.total)}`);
  }
  const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
  for (const profile of ["release", "debug"]) {
    for (const kind of ["deb", "rpm"]) {
      const dir = join(target, profile, "bundle", kind);
      let found = false;
      try {
        for (const f of readdirSync(dir).filter((f) => f.endsWith(`.${kind}`))) {
          console.log(`installer ${f}: ${(statSync(join(dir, f)).size / 1048576).toFixed(1)} MiB (${profile} build)`);
          found = true;
        }
      } catch {}
      if (!found) console.log(`installer .${kind}: not built (${profile})`);
    }
  }
} catch (e) {
  console.error(e);
  process.exitCode = 1;
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
  const kb = (name) => kids.filter((p) => p[3].includes(name)).reduce((a, p) => a + Number(p[2]), 0);
  const mib = (k) => (k / 1024).toFixed(0);
  return { app: mib(Number(app[2])), web: mib(kb("WebKitWebProcess")), network: mib(kb("WebKitNetworkProcess")), total: mib([app, ...kids].reduce((a, p) => a + Number(p[2]), 0)) };
}
