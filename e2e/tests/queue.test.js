// The tracking page shows the customer's place in the queue and when the
// order should be ready, and both move live as the kitchen readies or
// cancels the orders ahead: on a page's own stream, and through the hub
// that serves several tracking pages of one profile on one connection.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import {
  WAIT, scratch, startServer, launchBrowser, waitLive, createOrder, moveOrder, openProfile,
  screenshot,
} from "../lib/harness.js";

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** A server of its own: the queue counts every waiting order. */
async function freshServer(t) {
  const dir = scratch();
  const server = await startServer({ db: dir.db });
  t.after(async () => {
    await server.stop();
    dir.cleanup();
  });
  return server.url;
}

const pickup = (base, i) =>
  createOrder(base, { customer: `Guest ${i}`, channel: "pickup", items: [{ name: "Soup", qty: 1 }] });

const ahead = (page, text) =>
  page.getByTestId("track-ahead").filter({ hasText: new RegExp(`^${text}$`) }).waitFor({ timeout: WAIT });

const noQueue = (page) => page.getByTestId("track-queue").waitFor({ state: "detached", timeout: WAIT });

test("a page on its own stream: '2 orders ahead' and a time, moving live, gone once ready", async (t) => {
  const base = await freshServer(t);
  let [a, b, c] = [await pickup(base, 1), await pickup(base, 2), await pickup(base, 3)];
  const profile = await openProfile(browser);
  t.after(() => profile.close().catch(() => {}));
  const page = await profile.open(`${base}/track/${c.tracking_token}?connection=own`);
  await waitLive(page);
  await ahead(page, "2 orders ahead");
  const estimate = await page.getByTestId("track-estimate").innerText();
  // The clock as the browser's language writes it (en-US: "09:24 PM").
  assert.match(estimate, /^Ready around \d{1,2}:\d\d( [AP]M)?$/);
  assert.match(await page.getByTestId("track-queue").innerText(), /Typical wait: about 10 min/);
  await screenshot(page, "queue-track-own");

  a = await moveOrder(base, a, "preparing");
  a = await moveOrder(base, a, "ready");
  await ahead(page, "1 order ahead");
  b = await moveOrder(base, b, "cancelled");
  await ahead(page, "Next in line");

  c = await moveOrder(base, c, "preparing");
  c = await moveOrder(base, c, "ready");
  await page.locator('[data-testid=track-status][data-stage="ready"]').waitFor({ timeout: WAIT });
  await noQueue(page);
});

for (const [mode, without] of [["a SharedWorker", []], ["a leader tab (no SharedWorker)", ["SharedWorker"]]]) {
  test(`${mode}: several tracking pages in one profile each see their own place move`, async (t) => {
    const base = await freshServer(t);
    const orders = [];
    for (let i = 0; i < 4; i++) orders.push(await pickup(base, i));
    let [a, , c, d] = orders;
    const profile = await openProfile(browser, { without });
    t.after(() => profile.close().catch(() => {}));
    const pageC = await profile.open(`${base}/track/${c.tracking_token}`);
    const pageD = await profile.open(`${base}/track/${d.tracking_token}`);
    for (const p of [pageC, pageD]) await waitLive(p);
    await ahead(pageC, "2 orders ahead");
    await ahead(pageD, "3 orders ahead");

    a = await moveOrder(base, a, "preparing");
    a = await moveOrder(base, a, "ready");
    await ahead(pageC, "1 order ahead");
    await ahead(pageD, "2 orders ahead");

    // The order of one page is readied: its queue line goes, the other's moves.
    c = await moveOrder(base, c, "preparing");
    c = await moveOrder(base, c, "ready");
    await pageC.locator('[data-testid=track-status][data-stage="ready"]').waitFor({ timeout: WAIT });
    await noQueue(pageC);
    await ahead(pageD, "1 order ahead");

    // A page that joins late is handed the newest place the hub holds.
    const late = await profile.open(`${base}/track/${d.tracking_token}`);
    await waitLive(late);
    await ahead(late, "1 order ahead");
    assert.match(await late.getByTestId("track-estimate").innerText(), /^Ready (around \d{1,2}:\d\d( [AP]M)?|any moment now)$/);
  });
}

test("in the customer's language: German and Spanish pages say how many are ahead and when", async (t) => {
  const base = await freshServer(t);
  let [a, , c] = [await pickup(base, 1), await pickup(base, 2), await pickup(base, 3)];
  const pages = {};
  for (const locale of ["de-DE", "es-ES"]) {
    const context = await browser.browser.newContext({ locale, timezoneId: "Europe/Berlin" });
    t.after(() => context.close().catch(() => {}));
    const page = await context.newPage();
    await page.goto(`${base}/track/${c.tracking_token}`);
    pages[locale] = page;
  }
  const [de, es] = [pages["de-DE"], pages["es-ES"]];
  await ahead(de, "2 Bestellungen vor Ihnen");
  await ahead(es, "2 pedidos por delante");
  assert.match(await de.getByTestId("track-estimate").innerText(), /^Fertig gegen \d\d:\d\d$/);
  assert.match(await es.getByTestId("track-estimate").innerText(), /^Listo hacia las \d\d:\d\d$/);
  assert.match(await de.getByTestId("track-queue").innerText(), /Übliche Wartezeit: etwa 10 Min\./);

  a = await moveOrder(base, a, "preparing");
  a = await moveOrder(base, a, "ready");
  await ahead(de, "1 Bestellung vor Ihnen");
  await ahead(es, "1 pedido por delante");
});
