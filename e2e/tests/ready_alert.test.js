// The tracking page's "tell me when it's ready": with notifications allowed,
// the order turning ready while the page is in the background shows one
// system notification through the service worker, vibrates and chimes; not
// again after a server restart, a reconnect or a reload; again after a
// recall and a second "ready". With notifications refused, the page says so
// plainly and still vibrates, chimes and flashes its title.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  WAIT, scratch, startServer, launchBrowser, waitLive, createOrder, moveOrder, pageErrors,
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

/**
 * Records, in localStorage (so a reload keeps the count), every notification
 * the page asks the service worker to show (with the page's visibility at
 * that moment), every vibration and every chime's tone. The real calls go on.
 */
function recordAlerts() {
  const record = (kind, entry) => {
    const all = JSON.parse(localStorage.getItem("__alerts") ?? "[]");
    all.push({ kind, ...entry });
    localStorage.setItem("__alerts", JSON.stringify(all));
  };
  if (window.ServiceWorkerRegistration) {
    const show = ServiceWorkerRegistration.prototype.showNotification;
    ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
      record("notification", { title, body: options?.body, visibility: document.visibilityState });
      return show.call(this, title, options);
    };
  }
  const vibrate = Navigator.prototype.vibrate;
  Navigator.prototype.vibrate = function (pattern) {
    record("vibration", {});
    return vibrate ? vibrate.call(this, pattern) : false;
  };
  const oscillator = BaseAudioContext.prototype.createOscillator;
  BaseAudioContext.prototype.createOscillator = function () {
    record("tone", {});
    return oscillator.call(this);
  };
}

const alerts = async (page, kind) =>
  (await page.evaluate(() => JSON.parse(localStorage.getItem("__alerts") ?? "[]"))).filter((a) => a.kind === kind);

async function waitFor(what, check) {
  const until = Date.now() + WAIT;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function trackingPage(context, order) {
  await context.addInitScript(recordAlerts);
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(`track: ${e.message}`));
  await page.goto(`${base}/track/${order.tracking_token}`);
  await waitLive(page);
  return page;
}

const newOrder = (name) =>
  createOrder(base, { customer: name, channel: "pickup", items: [{ name: "Tea", qty: 1 }] });

test("notifications allowed: one notification when the order turns ready in the background, once", async () => {
  const context = await browser.browser.newContext({ viewport: { width: 420, height: 860 } });
  await context.grantPermissions(["notifications"], { origin: base });
  let order = await newOrder("Ada");
  const page = await trackingPage(context, order);

  const explain = page.getByTestId("alert-explain");
  assert.equal(await explain.getAttribute("data-on"), "false");
  assert.match(await explain.innerText(), /if you refuse/);
  await page.getByRole("button", { name: "Tell me when it's ready" }).click();
  await page.locator('[data-testid=alert-explain][data-on=true][data-reach=notification]').waitFor({ timeout: WAIT });
  assert.match(await explain.innerText(), /notification/);
  await page.evaluate(() => navigator.serviceWorker.ready);

  // The alert survives a server restart: the page resumes by itself.
  const port = server.port;
  await server.stop();
  server = await startServer({ db: dir.db, listen: `127.0.0.1:${port}` });
  await waitLive(page);

  // The customer switches to another tab: the tracking page is in the
  // background. Headless Chromium keeps every page visible (behind another
  // tab, minimised), so the page is told it is hidden, as a browser tells it.
  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
    document.hasFocus = () => false;
    document.dispatchEvent(new Event("visibilitychange"));
  });

  order = await moveOrder(base, order, "preparing");
  order = await moveOrder(base, order, "ready");
  const shown = await waitFor("one notification", async () => {
    const n = await alerts(page, "notification");
    return n.length ? n : null;
  });
  assert.equal(shown.length, 1);
  assert.equal(shown[0].title, `Order ${order.number} is ready`);
  assert.equal(shown[0].visibility, "hidden");
  await waitFor("a vibration", async () => (await alerts(page, "vibration")).length === 1);
  await waitFor("the chime", async () => (await alerts(page, "tone")).length >= 1);
  // The browser holds it, shown by the service worker.
  const held = await page.evaluate(async () =>
    (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => n.title));
  assert.deepEqual(held, [`Order ${order.number} is ready`]);

  // A reconnect and a reload show the same ready order again: no second alert.
  await server.stop();
  server = await startServer({ db: dir.db, listen: `127.0.0.1:${port}` });
  await waitLive(page);
  await page.reload();
  await waitLive(page);
  await page.locator('[data-testid=track-status][data-stage=ready]').waitFor({ timeout: WAIT });
  assert.equal(await page.getByTestId("alert-explain").getAttribute("data-on"), "true");
  assert.equal((await alerts(page, "notification")).length, 1);

  // Recalled and ready again: a new "ready", a new alert.
  order = await moveOrder(base, order, "preparing");
  order = await moveOrder(base, order, "ready");
  await waitFor("a second notification", async () => (await alerts(page, "notification")).length === 2);
  await context.close();
});

test("notifications refused: the page says so, and still vibrates, chimes and flashes its title", async () => {
  const context = await browser.browser.newContext({ viewport: { width: 420, height: 860 } });
  let order = await newOrder("Grace");
  const page = await trackingPage(context, order);
  // The customer answers "Block" to the browser's question.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Browser.setPermission", { permission: { name: "notifications" }, setting: "denied", origin: base });

  await page.getByRole("button", { name: "Tell me when it's ready" }).click();
  const explain = page.locator('[data-testid=alert-explain][data-on=true][data-reach=refused]');
  await explain.waitFor({ timeout: WAIT });
  assert.match(await explain.innerText(), /blocked/);
  assert.match(await explain.innerText(), /sound, vibrates and flashes its title/);

  order = await moveOrder(base, order, "preparing");
  order = await moveOrder(base, order, "ready");
  await waitFor("the title to flash", () => page.evaluate((n) => document.title.includes(`Order ${n} is ready`), order.number));
  await waitFor("a vibration", async () => (await alerts(page, "vibration")).length === 1);
  await waitFor("the chime", async () => (await alerts(page, "tone")).length >= 1);
  assert.equal((await alerts(page, "notification")).length, 0);
  await context.close();
});

test("the service worker is served as a script of this origin, revalidated on every load", async () => {
  const res = await fetch(`${base}/alert-worker.js`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /^text\/javascript/);
  assert.equal(res.headers.get("cache-control"), "no-cache");
  assert.match(await res.text(), /notificationclick/);
});

test("the alert is off until the customer turns it on", async () => {
  const context = await browser.browser.newContext({ viewport: { width: 420, height: 860 } });
  await context.grantPermissions(["notifications"], { origin: base });
  let order = await newOrder("Edsger");
  const page = await trackingPage(context, order);
  order = await moveOrder(base, order, "preparing");
  order = await moveOrder(base, order, "ready");
  await page.locator('[data-testid=track-status][data-stage=ready]').waitFor({ timeout: WAIT });
  assert.deepEqual(await alerts(page, "notification"), []);
  assert.deepEqual(await alerts(page, "vibration"), []);
  await context.close();
});

test("no script errors", () => {
  assert.deepEqual(pageErrors, []);
});
