// A board that stays on: it holds the screen wake lock while visible and
// takes it again when it becomes visible; a ready order nobody collects
// leaves the board after the board's set time and stays on the dispatcher.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  WAIT, scratch, startServer, launchBrowser, waitLive, createOrder, moveOrder, api, pageErrors,
} from "../lib/harness.js";

let dir, server, browser, base;

before(async () => {
  dir = scratch();
  server = await startServer({ db: dir.db });
  base = server.url;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  dir?.cleanup();
});

/** Counts the page's wake lock requests (the real request goes on). */
function countWakeLocks() {
  window.__wakeLocks = [];
  if (!window.WakeLock) return;
  const request = WakeLock.prototype.request;
  WakeLock.prototype.request = function (type) {
    window.__wakeLocks.push(type);
    return request.call(this, type);
  };
}

test("the board requests the screen wake lock, and again on becoming visible", async () => {
  const context = await browser.browser.newContext({ viewport: { width: 1600, height: 1000 } });
  await context.addInitScript(countWakeLocks);
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(`board: ${e.message}`));
  await page.goto(`${base}/board`);
  await waitLive(page);
  assert.equal(await page.evaluate(() => typeof navigator.wakeLock?.request), "function", "Chromium has the Screen Wake Lock API");
  assert.deepEqual(await page.evaluate(() => window.__wakeLocks), ["screen"]);
  // Hidden (the browser drops the lock), then visible again.
  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    document.dispatchEvent(new Event("visibilitychange"));
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "visible" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  assert.deepEqual(await page.evaluate(() => window.__wakeLocks), ["screen", "screen"]);
  await context.close();
});

test("an uncollected ready order leaves the board after its set time and stays on the dispatcher", async () => {
  const context = await browser.browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(`board: ${e.message}`));
  await page.clock.install();
  await page.goto(`${base}/board?ready_minutes=2`);
  await waitLive(page);
  let order = await createOrder(base, { customer: "Ada", channel: "pickup", items: [{ name: "Tea", qty: 1 }] });
  order = await moveOrder(base, order, "preparing");
  order = await moveOrder(base, order, "ready");
  const tile = page.locator(`[data-testid=board-ready] [data-number="${order.number}"]`);
  await tile.waitFor({ timeout: WAIT });
  await page.clock.fastForward("01:00");
  await page.clock.runFor(1000);
  assert.equal(await tile.count(), 1, "still there after a minute");
  await page.clock.fastForward("01:05");
  await page.clock.runFor(1000);
  await tile.waitFor({ state: "detached", timeout: WAIT });
  // The setting is remembered by this board without the address.
  assert.equal(await page.evaluate(() => localStorage.getItem("orderboard.board.ready-minutes")), "2");
  // Still ready for the dispatcher.
  const ready = await api(base, "GET", "/api/orders?stage=ready");
  assert.ok(ready.body.some((o) => o.number === order.number));
  await context.close();
});

test("in the desktop app's customer window the board chimes with no tap; in a browser it asks for one", async () => {
  for (const inApp of [false, true]) {
    const context = await browser.browser.newContext({ viewport: { width: 1600, height: 1000 } });
    // What the app's initialization script sets in its customer windows (src-tauri/src/customer_windows.rs).
    if (inApp) await context.addInitScript(() => { window.__ORDERBOARD_DESKTOP__ = Object.freeze({ soundWithoutGesture: true }); });
    await context.addInitScript(() => {
      window.__tones = 0;
      const create = BaseAudioContext.prototype.createOscillator;
      BaseAudioContext.prototype.createOscillator = function () { window.__tones += 1; return create.call(this); };
    });
    const page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(`board: ${e.message}`));
    await page.goto(`${base}/board`);
    await waitLive(page);
    const prompt = page.getByTestId("sound-prompt");
    if (inApp) {
      assert.equal(await prompt.count(), 0, "no 'Tap to enable sound' in the app");
      let order = await createOrder(base, { customer: "Tessa", channel: "pickup", items: [{ name: "Tea", qty: 1 }] });
      order = await moveOrder(base, order, "preparing");
      order = await moveOrder(base, order, "ready");
      await page.locator(`[data-testid=board-ready] [data-number="${order.number}"]`).waitFor({ timeout: WAIT });
      await page.waitForFunction(() => window.__tones > 0, null, { timeout: WAIT });
    } else {
      await prompt.waitFor({ timeout: WAIT });
    }
    await context.close();
  }
});

test("no script errors", () => {
  assert.deepEqual(pageErrors, []);
});
