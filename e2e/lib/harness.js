// Orderboard's end-to-end harness: starts the real orderboard-server binary
// and Debian's Chromium (through playwright-core, which never downloads a
// browser), and offers the few helpers the tests share.
import { spawn } from "node:child_process";
import http from "node:http";
import { mkdtempSync, mkdirSync, existsSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const ARTIFACTS = path.join(ROOT, "target", "e2e-artifacts");
export const SCREENSHOTS = path.join(ROOT, "docs", "screenshots");

/** Script errors raised by any page; the last test checks there were none. */
export const pageErrors = [];

/** Generous: the tests wait for things to appear, they never time them. */
export const WAIT = 20_000;

export function serverBinary() {
  const candidates = [
    process.env.ORDERBOARD_SERVER_BIN,
    path.join(ROOT, "target", "debug", "orderboard-server"),
    path.join(ROOT, "target", "release", "orderboard-server"),
  ].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no orderboard-server binary; looked at ${candidates.join(", ")}`);
  return found;
}

/** A scratch folder with a database path, removed by `cleanup()`. */
export function scratch() {
  const dir = mkdtempSync(path.join(tmpdir(), "orderboard-e2e-"));
  return { dir, db: path.join(dir, "orders.db"), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts the server on `listen` (port 0 picks a free one) and resolves once it
 * logs its address. Returns { url, port, stop(signal) }.
 */
export function startServer({ db, listen = "127.0.0.1:0" }) {
  const bin = serverBinary();
  const child = spawn(bin, ["--db", db, "--listen", listen, "--heartbeat-secs", "2", "--retry-ms", "500"], {
    cwd: ROOT,
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), WAIT);
    const onData = (chunk) => {
      log += chunk.toString();
      const m = log.match(/listening on (http:\/\/127\.0\.0\.1:(\d+))/);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], port: Number(m[2]) });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${log}`));
    });
  });
  return ready.then(({ url, port }) => ({
    url,
    port,
    log: () => log,
    /** Ends the server; SIGKILL simulates a crash. */
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  }));
}

const UI_TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css", ".svg": "image/svg+xml" };

/** A file of the UI build (frontend/dist) for `pathname`, as the server maps pages; or null. */
function uiFile(pathname) {
  const dist = path.join(ROOT, "frontend", "dist");
  const name = pathname.startsWith("/track/") || pathname === "/board" ? "customer/index.html"
    : pathname === "/" ? "index.html" : pathname.slice(1);
  const file = path.join(dist, name);
  if (!file.startsWith(dist + path.sep) || !existsSync(file)) return null;
  return { body: readFileSync(file), type: UI_TYPES[path.extname(file)] ?? "application/octet-stream" };
}

/**
 * Stands in on `port` while the server is down, answering every request with
 * 503, as a reverse proxy would. Browsers give up on an EventSource that gets
 * such an answer (readyState CLOSED), so the pages must open new ones. With
 * `ui`, it serves the UI's files (as a CDN in front would), so a page can
 * still be opened while the API is down.
 * Resolves to { seen: [paths, each with the Last-Event-ID it carried], close() }.
 */
export function startStandIn(port, { ui = false } = {}) {
  const seen = [];
  const server = http.createServer((req, res) => {
    const lastId = req.headers["last-event-id"];
    seen.push(lastId ? `${req.url} (Last-Event-ID: ${lastId})` : req.url);
    const file = ui && !req.url.startsWith("/api/") && uiFile(new URL(req.url, "http://x").pathname);
    if (file) {
      res.writeHead(200, { "content-type": file.type });
      res.end(file.body);
      return;
    }
    res.writeHead(503, { "content-type": "text/plain" });
    res.end("restarting");
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () =>
      resolve({
        seen,
        close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
      }),
    );
  });
}

/**
 * Debian's Chromium, headless. Playwright starts it with a fresh temporary
 * user-data-dir (removed on close); each page gets its own browser context,
 * so every screen is a foreground window of its own, as at the pass.
 */
export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
      "--autoplay-policy=user-gesture-required",
      "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding",
      "--disable-backgrounding-occluded-windows",
    ],
  });
  // Every context speaks American English unless a test says otherwise
  // (the UI follows the browser's languages; the tests read English words). languages.test.js opens German and Spanish ones.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = (options = {}) => newContext({ locale: "en-US", ...options });
  return {
    browser,
    close: () => browser.close(),
  };
}

/**
 * Test-only hooks, installed in every page before it runs. A test can hold
 * back stream events (to play a dispatcher whose screen lags behind):
 * `window.__orderboardHold = true` queues them, `__orderboardRelease()`
 * delivers them. This works whether the page holds its own EventSource or
 * hears the profile's shared connection (over a MessagePort or a
 * BroadcastChannel); `window.__orderboardHubLog` records every message the
 * shared connection sent this page, for tests that count deliveries.
 */
function installHooks() {
  const queue = [];
  window.__orderboardHold = false;
  window.__orderboardHubLog = [];
  window.__orderboardRelease = () => {
    window.__orderboardHold = false;
    while (queue.length) queue.shift()();
  };
  const Native = window.EventSource;
  window.EventSource = class extends Native {
    addEventListener(type, listener, options) {
      const wrapped = (ev) => {
        if (window.__orderboardHold && ["snapshot", "order", "reset"].includes(type)) {
          queue.push(() => listener.call(this, ev));
        } else {
          listener.call(this, ev);
        }
      };
      return super.addEventListener(type, wrapped, options);
    }
  };
  for (const Kind of [window.MessagePort, window.BroadcastChannel]) {
    if (!Kind) continue;
    const native = Object.getOwnPropertyDescriptor(Kind.prototype, "onmessage");
    Object.defineProperty(Kind.prototype, "onmessage", {
      ...native,
      set(handler) {
        const wrapped = handler && ((ev) => {
          let msg = null;
          try { msg = JSON.parse(ev.data); } catch { /* not the hub's */ }
          if (msg) window.__orderboardHubLog.push(msg);
          if (window.__orderboardHold && msg?.kind === "message") queue.push(() => handler.call(this, ev));
          else handler.call(this, ev);
        });
        native.set.call(this, wrapped);
      },
    });
  }
}

function watchErrors(page, url) {
  page.on("pageerror", (e) => pageErrors.push(`${url}: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error" && !/Failed to load resource|EventSource/.test(m.text())) pageErrors.push(`${url}: ${m.text()}`); });
}

/** Opens a page in a browser context of its own (a profile of its own). */
export async function openPage(browser, url, viewport = { width: 1600, height: 1000 }) {
  const context = await browser.browser.newContext({ viewport });
  await context.addInitScript(installHooks);
  const page = await context.newPage();
  page.on("close", () => context.close().catch(() => {}));
  watchErrors(page, url);
  await page.goto(url);
  return page;
}

/**
 * One browser profile whose pages share it, as tabs of one browser do.
 * `without` names browser features to remove before any page runs
 * ("SharedWorker", "locks"), to take the fallback paths.
 */
export async function openProfile(browser, { without = [] } = {}) {
  const context = await browser.browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(installHooks);
  await context.addInitScript((names) => {
    for (const name of names) {
      if (name === "locks") Object.defineProperty(Navigator.prototype, "locks", { get: () => undefined });
      else delete window[name];
    }
  }, without);
  return {
    context,
    async open(url) {
      const page = await context.newPage();
      watchErrors(page, url);
      await page.goto(url);
      return page;
    },
    close: () => context.close(),
  };
}

export async function waitLive(page) {
  await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor({ timeout: WAIT });
}

export async function screenshot(page, name, { docs = false } = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), animations: "disabled" });
  // The README's pictures are committed: they are written when missing or when
  // UPDATE_DOCS_SCREENSHOTS=1, so a test run does not leave the tree dirty.
  const docsPath = docs && path.join(SCREENSHOTS, `${docs}.png`);
  if (docs && (process.env.UPDATE_DOCS_SCREENSHOTS === "1" || !existsSync(docsPath))) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: docsPath, animations: "disabled" });
  }
}

/** Calls the JSON API from the test itself (to set the scene, or to act while pages watch). */
export async function api(base, method, pathname, body) {
  const res = await fetch(base + pathname, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export async function createOrder(base, order) {
  const res = await api(base, "POST", "/api/orders", order);
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function moveOrder(base, order, to) {
  const res = await api(base, "POST", `/api/orders/${order.id}/stage`, { to, expected_version: order.version });
  if (res.status !== 200) throw new Error(`move failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A card on a dispatcher page, by order number. */
export function card(page, number) {
  return page.locator(`[data-testid=order-card][data-number="${number}"]`);
}

export function column(page, stage) {
  return page.getByTestId(`column-${stage}`);
}
