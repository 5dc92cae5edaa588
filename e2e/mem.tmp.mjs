import { execFileSync } from "node:child_process";
import { appBinary } from "./harness.mjs";
import { Session, startDriver } from "./webdriver.mjs";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { root } from "./harness.mjs";
const dataDir = mkdtempSync("/tmp/h14u/mem-");
{
  const d = await startDriver({ env: { ...process.env, SATOP_DATA_DIR: dataDir, SATOP_BLANK_PAGE: "" } });
  const s = await Session.start(d.base, appBinary);
  await s.waitFor('[data-testid="console-npub"]', 30_000);
  await s.end();
  await d.stop();
  execFileSync("python3", [join(root, "e2e", "seed.py"), join(dataDir, "fleet.sqlite3"), "10000"]);
}
const driver = await startDriver({ env: { ...process.env, SATOP_DATA_DIR: dataDir } });
const s = await Session.start(driver.base, appBinary);
try {
  if (!process.env.SATOP_BLANK_PAGE) await s.waitFor('[data-testid="fleet-count"]', 60_000);
  await new Promise((r) => setTimeout(r, 6000));
  const rows = execFileSync("ps", ["-eo", "pid=,ppid=,rss=,args="], { encoding: "utf8" }).split("\n").map((l) => l.trim().split(/\s+/)).filter((p) => p.length >= 4);
  const app = rows.find((p) => p[3] === appBinary);
  const kids = rows.filter((p) => p[1] === app[0]);
  console.log("app", (app[2] / 1024).toFixed(0), "kids", kids.map((k) => `${k[3].split("/").pop()}=${(k[2] / 1024).toFixed(0)}`).join(" "), "total", ([app, ...kids].reduce((a, p) => a + Number(p[2]), 0) / 1024).toFixed(0));
  if (process.env.PMAP) {
    console.log(execFileSync("bash", ["-c", `pmap -x ${app[0]} | sort -k3 -n -r | head -25; grep -E 'Rss|Anon|Threads' /proc/${app[0]}/status /proc/${app[0]}/smaps_rollup`], { encoding: "utf8" }));
    for (const k of kids) console.log(execFileSync("bash", ["-c", `pmap -x ${k[0]} | sort -k3 -n -r | head -12`], { encoding: "utf8" }));
  }
} finally {
  await s.end();
  await driver.stop();
}
