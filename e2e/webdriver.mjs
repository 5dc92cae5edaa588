// A small W3C WebDriver client over fetch, plus the tauri-driver process around it.
// Waits poll a condition with a deadline; nothing sleeps a fixed time to wait for readiness.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { closeSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

/** Polls `probe` until it returns a truthy value or `ms` pass. */
export async function until(what, probe, ms = 20_000, every = 100) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** A TCP port nobody listens on right now (the OS picks it). */
async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts tauri-driver, and the WebKitWebDriver behind it, on ports the OS says are free (the
 * default native port 4445 may still be held by the previous test's driver), and waits until it
 * answers /status.
 *
 * The driver runs in a process group of its own, with its output (and that of the app it
 * launches) going to `log`, never to this process's pipes: an app that outlives its session
 * must not keep `node --test` waiting on an open pipe. `stop()` ends the whole group: driver,
 * WebKitWebDriver, the app and its WebKit processes.
 */
export async function startDriver({ env = process.env, log } = {}) {
  const [port, nativePort] = [await freePort(), await freePort()];
  const out = log ? openSync(log, "a") : "ignore";
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    env,
    stdio: ["ignore", out, out],
    detached: true,
  });
  if (typeof out === "number") closeSync(out);
  const exited = new Promise((resolve) => driver.once("exit", resolve));
  const killGroup = (signal) => {
    try {
      process.kill(-driver.pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  const stop = async () => {
    killGroup("SIGTERM");
    let timer;
    const late = new Promise((resolve) => (timer = setTimeout(resolve, 15_000, false)));
    await Promise.race([exited.then(() => true), late]);
    clearTimeout(timer);
    // Whatever of the group is left (an app that did not exit with its session): gone.
    killGroup("SIGKILL");
  };
  const base = `http://127.0.0.1:${port}`;
  try {
    await until("tauri-driver", async () => (await fetch(`${base}/status`)).ok, 60_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { base, stop };
}

/** WebDriver's codes for keys that are not characters. */
export const Key = { Tab: "\uE004", Enter: "\uE007", Escape: "\uE00C", Space: "\uE00D", Shift: "\uE008", Up: "\uE013", Down: "\uE015", End: "\uE010", Home: "\uE011" };

export class Session {
  static async start(base, application) {
    const r = await call(base, "POST", "/session", {
      capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application } } },
    });
    return new Session(base, r.sessionId);
  }

  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  async find(css) {
    const r = await this.cmd("POST", "/element", { using: "css selector", value: css });
    return r[ELEMENT];
  }

  async findAll(css) {
    const r = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    return r.map((e) => e[ELEMENT]);
  }

  /** Waits for an element that is displayed; returns its id. */
  waitFor(css, ms) {
    return until(css, async () => {
      const id = await this.find(css);
      return (await this.cmd("GET", `/element/${id}/displayed`)) ? id : null;
    }, ms);
  }

  async text(css) {
    return this.cmd("GET", `/element/${await this.find(css)}/text`);
  }

  async value(css) {
    return this.cmd("GET", `/element/${await this.find(css)}/property/value`);
  }

  async enabled(css) {
    return this.cmd("GET", `/element/${await this.find(css)}/enabled`);
  }

  async click(css) {
    const id = await this.waitFor(css);
    await until(`${css} enabled`, () => this.cmd("GET", `/element/${id}/enabled`));
    // WebKitWebDriver's own scrolling leaves an element near the bottom edge where its click
    // does not land (seen on the Fee screen's lower cards): centre it first.
    await this.cmd("POST", "/execute/sync", {
      script: "arguments[0].scrollIntoView({block: 'center'})",
      args: [{ [ELEMENT]: id }],
    });
    await this.cmd("POST", `/element/${id}/click`, {});
  }

  async type(css, text) {
    const id = await this.waitFor(css);
    await this.cmd("POST", `/element/${id}/clear`, {});
    await this.cmd("POST", `/element/${id}/value`, { text });
  }

  /** Resizes the window (CSS pixels of the outer window). */
  async resize(width, height) {
    await this.cmd("POST", "/window/rect", { width, height });
  }

  /** Runs `script` in the page (its `arguments` are `args`); returns its value. */
  run(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  /**
   * Presses keys one after the other on whatever has focus, as a user would: each entry is one
   * key (a character, or a WebDriver key such as Key.Tab), optionally with Shift held.
   */
  async press(...keys) {
    const actions = [];
    for (const k of keys) {
      const shift = typeof k === "object" && k.shift;
      const key = typeof k === "object" ? k.key : k;
      if (shift) actions.push({ type: "keyDown", value: Key.Shift });
      actions.push({ type: "keyDown", value: key }, { type: "keyUp", value: key });
      if (shift) actions.push({ type: "keyUp", value: Key.Shift });
    }
    await this.cmd("POST", "/actions", { actions: [{ type: "key", id: "keyboard", actions }] });
    await this.cmd("DELETE", "/actions", undefined).catch(() => undefined);
  }

  /** The `data-testid` of the focused element ("" when it has none). */
  focused() {
    return this.run("return document.activeElement?.getAttribute('data-testid') ?? ''");
  }

  /** Saves a PNG of the window to `dir/name.png` and returns its path. */
  async screenshot(dir, name) {
    const b64 = await this.cmd("GET", "/screenshot");
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${name}.png`);
    writeFileSync(path, Buffer.from(b64, "base64"));
    return path;
  }

  end() {
    return this.cmd("DELETE", "", undefined).catch(() => undefined);
  }
}

async function call(base, method, path, body) {
  const r = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await r.json();
  if (!r.ok || json.value?.error) throw new Error(`${method} ${path}: ${json.value?.error} ${json.value?.message ?? ""}`);
  return json.value;
}
