// Orderboard in German and Spanish: the customer's pages follow the
// browser's languages (and the language switch, remembered), the dispatcher
// follows the staff setting, no English word of the catalogue shows on a
// German page, and clock times follow the zone's rules at each instant (a
// board left on over the daylight-saving change goes from 01:59 to 03:00).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  ROOT, WAIT, scratch, startServer, launchBrowser, api, createOrder, moveOrder, screenshot, pageErrors,
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

/** The one-line messages of a language's catalogue files, id → text. */
function catalogue(lang) {
  const text = ["customer", "staff"]
    .map((f) => readFileSync(path.join(ROOT, "frontend", "locales", lang, `${f}.ftl`), "utf8"))
    .join("\n");
  const out = new Map();
  for (const line of text.split("\n")) {
    const m = /^([a-z][a-z0-9_-]*) = (.+)$/.exec(line);
    if (m && !m[2].includes("{")) out.set(m[1], m[2].trim());
  }
  return out;
}

/** A page of its own in a browser context speaking `locale`. */
async function open(url, { locale, timezoneId, viewport = { width: 1600, height: 1000 }, clock } = {}) {
  const context = await browser.browser.newContext({ locale, timezoneId, viewport });
  const page = await context.newPage();
  page.on("close", () => context.close().catch(() => {}));
  page.on("pageerror", (e) => pageErrors.push(`${url}: ${e.message}`));
  if (clock) await page.clock.install({ time: clock });
  await page.goto(url);
  return page;
}

const live = (page) => page.locator("[data-testid=connection].conn-live").waitFor({ timeout: WAIT });

/** English catalogue texts (those that differ from the page's language) visible on the page. */
async function englishOn(page, lang) {
  const en = catalogue("en");
  const other = catalogue(lang);
  const body = await page.locator("body").innerText();
  return [...en.entries()]
    .filter(([id, text]) => other.get(id) !== text)
    .filter(([, text]) => new RegExp(`(^|[^\\p{L}])${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\p{L}])`, "iu").test(body))
    .map(([id, text]) => `${id}: ${text}`);
}

async function preparingOrder(customer, channel = "pickup") {
  const order = await createOrder(base, { customer, channel, items: [{ name: "Falafel", qty: 2 }] });
  return moveOrder(base, order, "preparing");
}

test("a German phone sees its order in German, with no English word of the catalogue", async () => {
  const order = await preparingOrder("Jonas");
  const page = await open(`${base}/track/${order.tracking_token}`, {
    locale: "de-DE", timezoneId: "Europe/Berlin", viewport: { width: 390, height: 844 },
  });
  await page.locator("[data-testid=track-status][data-stage=preparing]").waitFor({ timeout: WAIT });
  await live(page);
  assert.equal(await page.locator("html").getAttribute("lang"), "de");
  assert.equal(await page.locator(".track-headline").innerText(), "In Zubereitung");
  assert.match(await page.locator(".track-number-label").innerText(), /Bestellnummer/i);
  const steps = await page.locator(".step-label").allInnerTexts();
  assert.deepEqual(steps.slice(0, 3), ["Eingegangen", "In Zubereitung", "Fertig"]);
  assert.match(await page.locator(".chip").innerText(), /Abholung/i);
  assert.match(await page.getByTestId("alert-toggle").innerText(), /Sagen Sie mir/);
  assert.equal(await page.title(), "Ihre Bestellung · Orderboard");
  assert.deepEqual(await englishOn(page, "de"), []);
  await screenshot(page, "track-de-phone", { docs: "track-de-phone" });
  await page.close();
});

test("the board in German and in Spanish, with no English word of the catalogue on the German one", async () => {
  const order = await preparingOrder("Lena");
  const ready = await moveOrder(base, await preparingOrder("Marta"), "ready");
  const de = await open(`${base}/board`, { locale: "de-DE", timezoneId: "Europe/Berlin" });
  await live(de);
  await de.locator(`[data-testid=board-preparing] [data-number="${order.number}"]`).waitFor({ timeout: WAIT });
  await de.locator(`[data-testid=board-ready] [data-number="${ready.number}"]`).waitFor({ timeout: WAIT });
  assert.equal(await de.locator("html").getAttribute("lang"), "de");
  assert.deepEqual(await de.locator(".board-col-title").allTextContents(), ["In Zubereitung", "Fertig"]);
  assert.equal(await de.locator(".brand-name").innerText(), "Bestellstatus");
  assert.deepEqual(await englishOn(de, "de"), []);
  await screenshot(de, "board-de", { docs: "board-de" });
  await de.close();

  const es = await open(`${base}/board`, { locale: "es-ES" });
  await live(es);
  assert.equal(await es.locator("html").getAttribute("lang"), "es");
  assert.deepEqual(await es.locator(".board-col-title").allTextContents(), ["En preparación", "Listos"]);
  assert.match(await es.getByTestId("connection").innerText(), /En directo/);
  await es.close();
});

test("the browser's first supported language wins; the switch changes it and is remembered", async () => {
  const order = await preparingOrder("Ana", "delivery");
  const context = await browser.browser.newContext({ locale: "fr-FR" });
  // French first, Spanish second: Orderboard speaks the first it has.
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, "languages", { get: () => ["fr-FR", "es-ES", "en"] });
  });
  const page = await context.newPage();
  await page.goto(`${base}/track/${order.tracking_token}`);
  await page.locator("[data-testid=track-status][data-stage=preparing]").waitFor({ timeout: WAIT });
  assert.equal(await page.locator(".track-headline").innerText(), "En preparación");
  assert.match(await page.locator(".chip").innerText(), /A domicilio/i);

  await page.getByTestId("language-switch").selectOption("de");
  await page.locator(".track-headline", { hasText: "In Zubereitung" }).waitFor({ timeout: WAIT });
  assert.equal(await page.locator("html").getAttribute("lang"), "de");
  assert.equal(await page.evaluate(() => localStorage.getItem("orderboard.language")), "de");

  await page.reload();
  await page.locator("[data-testid=track-status][data-stage=preparing]").waitFor({ timeout: WAIT });
  assert.equal(await page.locator(".track-headline").innerText(), "In Zubereitung");
  // The board in the same browser follows the customer's pick too.
  const board = await context.newPage();
  await board.goto(`${base}/board`);
  await board.locator(".board-col-title", { hasText: "In Zubereitung" }).waitFor({ timeout: WAIT });
  await context.close();
});

test("the dispatcher follows the staff setting, not the browser", async () => {
  const order = await preparingOrder("Paul");
  const page = await open(`${base}/`, { locale: "en-US" });
  await page.getByTestId("column-preparing").waitFor({ timeout: WAIT });
  assert.match(await page.getByTestId("column-preparing").locator(".column-title").innerText(), /Preparing/);
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByTestId("staff-language").selectOption("de");
  await page.getByTestId("settings-save").click();
  // Saved: the page comes back in German.
  await page.locator(".brand-page", { hasText: "Auftragsübersicht" }).waitFor({ timeout: WAIT });
  assert.equal(await page.locator("html").getAttribute("lang"), "de");
  assert.match(await page.getByTestId("column-preparing").locator(".column-title").innerText(), /In Zubereitung/);
  const card = page.locator(`[data-testid=order-card][data-number="${order.number}"]`);
  await card.locator("button", { hasText: "Als fertig melden" }).waitFor({ timeout: WAIT });
  assert.equal(await page.evaluate(() => localStorage.getItem("orderboard.staff-language")), "de");
  assert.deepEqual(await englishOn(page, "de"), []);
  await page.close();
});

test("a board left on over the daylight-saving change shows 03:00, not 02:00", async () => {
  // 2026-03-29 01:59:50 in Berlin (CET, UTC+1) is 00:59:50 UTC; twenty
  // seconds later it is 03:00:10 CEST (UTC+2).
  const page = await open(`${base}/board`, {
    locale: "de-DE", timezoneId: "Europe/Berlin", clock: new Date("2026-03-29T00:59:50Z"),
  });
  const shown = () => page.getByTestId("board-clock").innerText();
  await page.getByTestId("board-clock").filter({ hasText: "01:59" }).waitFor({ timeout: WAIT });
  await page.clock.runFor(20_000);
  await page.getByTestId("board-clock").filter({ hasText: /^0[23]:00$/ }).waitFor({ timeout: WAIT });
  assert.equal(await shown(), "03:00");
  // Another hour on: summer time holds.
  await page.clock.fastForward(3_600_000);
  await page.clock.runFor(1_000);
  await page.getByTestId("board-clock").filter({ hasText: "04:00" }).waitFor({ timeout: WAIT });
  await page.close();
});

test("no page error", () => {
  assert.deepEqual(pageErrors, []);
});
