// Every page passes axe-core (run in Chromium, in the page) without a
// serious or critical violation: the dispatcher, the board, a tracking page
// and the workshop, each with orders on it. Also: the live regions that
// announce changes, and reduced motion stopping every animation.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  WAIT, scratch, startServer, launchBrowser, openPage, waitLive, createOrder, moveOrder, pageErrors,
} from "../lib/harness.js";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let dir, server, browser, base, orders;

before(async () => {
  dir = scratch();
  server = await startServer({ db: dir.db });
  base = server.url;
  browser = await launchBrowser();
  orders = [];
  for (const [i, name] of ["Ada", "Grace", "Alan", "Edsger"].entries()) {
    let o = await createOrder(base, { customer: name, channel: i % 2 ? "delivery" : "pickup", items: [{ name: "Tea", qty: 1 }] });
    if (i > 0) o = await moveOrder(base, o, "preparing");
    if (i > 1) o = await moveOrder(base, o, "ready");
    orders.push(o);
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
  dir?.cleanup();
});

/** axe-core's serious and critical violations on the page, as readable lines. */
async function violations(page) {
  // Evaluated through the DevTools protocol: the page's CSP allows no inline script.
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}

for (const [name, path] of [["dispatcher", "/"], ["board", "/board"], ["tracking page", "track"], ["workshop", "/workshop"]]) {
  test(`axe-core: no serious or critical violation on the ${name}`, async () => {
    const url = path === "track" ? `/track/${orders[1].tracking_token}` : path;
    const page = await openPage(browser, base + url);
    if (path !== "/workshop") await waitLive(page);
    else await page.getByRole("heading").first().waitFor({ timeout: WAIT });
    assert.deepEqual(await violations(page), []);
    await page.close();
  });
}

/** Counts the changes to an element's words from now on. */
async function watchWords(page, selector) {
  await page.evaluate((sel) => {
    window.__words = window.__words ?? {};
    window.__words[sel] = [];
    new MutationObserver(() => window.__words[sel].push(document.querySelector(sel).textContent))
      .observe(document.querySelector(sel), { subtree: true, childList: true, characterData: true });
  }, selector);
  return () => page.evaluate((sel) => window.__words[sel], selector);
}

test("the tracking page announces its status once per change, not with the clock or heartbeats", async () => {
  let order = await createOrder(base, { customer: "Barbara", channel: "pickup", items: [{ name: "Tea", qty: 1 }] });
  const page = await openPage(browser, `${base}/track/${order.tracking_token}`);
  await waitLive(page);
  const status = page.locator("[data-testid=track-announce][role=status][aria-live=polite]");
  assert.match(await status.textContent(), new RegExp(`^Order ${order.number}: `));
  const said = await watchWords(page, "[data-testid=track-announce]");
  const badge = await watchWords(page, "[data-testid=connection]");
  // Three heartbeats (every 2 s here) and three ticks of the clock: nothing to say.
  await page.waitForTimeout(6_000);
  assert.deepEqual(await said(), []);
  assert.deepEqual(await badge(), []);
  order = await moveOrder(base, order, "preparing");
  await page.locator("[data-testid=track-status][data-stage=preparing]").waitFor({ timeout: WAIT });
  const changes = await said();
  assert.equal(changes.length, 1, JSON.stringify(changes));
  assert.match(changes[0], new RegExp(`^Order ${order.number}: `));
  await page.close();
});

test("the board's Ready list is a live region that gains each new ready number once", async () => {
  let order = await createOrder(base, { customer: "Frances", channel: "pickup", items: [{ name: "Tea", qty: 1 }] });
  order = await moveOrder(base, order, "preparing");
  const page = await openPage(browser, `${base}/board`);
  await waitLive(page);
  const list = page.locator("[data-testid=board-ready-list][aria-live=polite]");
  await list.waitFor({ timeout: WAIT });
  const said = await watchWords(page, "[data-testid=board-ready-list]");
  order = await moveOrder(base, order, "ready");
  await list.locator(`[data-number="${order.number}"]`).waitFor({ timeout: WAIT });
  await page.waitForTimeout(4_000);
  assert.equal((await said()).length, 1);
  await page.close();
});

/** The board, an order turning ready on it while it connects: how many animations run. */
async function boardAnimations(reducedMotion) {
  const context = await browser.browser.newContext({ viewport: { width: 1600, height: 1000 }, reducedMotion });
  const page = await context.newPage();
  await page.goto(`${base}/board`);
  const connecting = await page.evaluate(() => document.getAnimations().length);
  await waitLive(page);
  let order = await createOrder(base, { customer: "Hedy", channel: "pickup", items: [{ name: "Tea", qty: 1 }] });
  order = await moveOrder(base, order, "preparing");
  order = await moveOrder(base, order, "ready");
  await page.locator(`[data-testid=board-ready] .tile-new[data-number="${order.number}"]`).waitFor({ timeout: WAIT });
  const arriving = await page.evaluate(() => document.getAnimations().length);
  await context.close();
  return connecting + arriving;
}

test("prefers-reduced-motion stops every animation, the connection dot included", async () => {
  assert.ok((await boardAnimations("no-preference")) > 0, "the board animates without the preference");
  assert.equal(await boardAnimations("reduce"), 0);
});

test("no script errors", () => {
  assert.deepEqual(pageErrors, []);
});
