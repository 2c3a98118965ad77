// A kitchen station's screen in a real browser: two stations and a menu set
// up through the API, orders of every channel with modifiers and notes.
// /station/grill shows only the grill's items; a click and a number key bump
// them, a key undoes the last bump, the "all day" counts follow; a settings
// change saved on a dispatcher in another browser context reaches the
// station at once; a bump that another screen made first is a 409 said
// plainly. axe-core finds no serious or critical violation.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  WAIT, scratch, startServer, launchBrowser, openPage, waitLive, api, createOrder, screenshot, pageErrors,
} from "../lib/harness.js";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let dir, server, browser, base, orders;

before(async () => {
  dir = scratch();
  server = await startServer({ db: dir.db });
  base = server.url;
  browser = await launchBrowser();
  const settings = (await api(base, "GET", "/api/settings")).body;
  settings.stations = [
    { id: "grill", name: "Grill", colour: "#ef4444", prep_minutes: 12 },
    { id: "fryer", name: "Fryer", colour: "#f59e0b" },
  ];
  assert.equal((await api(base, "PUT", "/api/settings", settings)).status, 200);
  const menu = { items: [
    { name: "Burger", category: "Mains", station: "grill" },
    { name: "Steak", category: "Mains", station: "grill" },
    { name: "Fries", category: "Sides", station: "fryer" },
    { name: "Lemonade", category: "Drinks" },
  ] };
  assert.equal((await api(base, "PUT", "/api/menu", menu)).status, 200);
  orders = [
    await createOrder(base, { customer: "Ada", channel: "pickup", items: [
      { name: "Burger", qty: 2, modifiers: ["no onions", "extra cheese"] },
      { name: "Fries", qty: 1 },
    ] }),
    await createOrder(base, { channel: "dine_in", table: "7", items: [
      { name: "Steak", qty: 1, note: "<b>rare</b>" },
      { name: "Burger", qty: 1 },
      { name: "Lemonade", qty: 2 },
    ] }),
    await createOrder(base, { customer: "Alan", channel: "delivery", items: [{ name: "Fries", qty: 3 }] }),
  ];
});

after(async () => {
  await browser?.close();
  await server?.stop();
  dir?.cleanup();
});

const tickets = (page) => page.getByTestId("station-ticket");

async function ticketLines(page) {
  return tickets(page).evaluateAll((els) => els.map((e) => `${e.dataset.number} ${e.dataset.item}`));
}

async function allDay(page) {
  return page.getByTestId("all-day-row").evaluateAll((els) => Object.fromEntries(els.map((e) => [e.dataset.item, Number(e.dataset.qty)])));
}

async function waitFor(fn, want) {
  const until = Date.now() + WAIT;
  let got;
  while (Date.now() < until) {
    got = await fn();
    if (JSON.stringify(got) === JSON.stringify(want)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(got, want);
}

test("the grill's screen shows only grill items, oldest first, with table, modifiers and note as text", async () => {
  const page = await openPage(browser, `${base}/station/grill`);
  await waitLive(page);
  const [a, b] = orders;
  await waitFor(() => ticketLines(page), [`${a.number} Burger`, `${b.number} Steak`, `${b.number} Burger`]);
  assert.equal(await page.getByTestId("station-name").innerText(), "Grill");
  const first = await tickets(page).nth(0).innerText();
  assert.match(first, /Pickup/);
  assert.match(first, /no onions/);
  assert.match(first, /extra cheese/);
  const steak = tickets(page).nth(1);
  assert.match(await steak.getByTestId("ticket-place").innerText(), /Table 7/);
  // Markup in a note is shown as text, never made into elements.
  assert.equal(await steak.getByTestId("ticket-note").innerText(), "<b>rare</b>");
  assert.equal(await steak.locator("b").count(), 0);
  assert.deepEqual(await allDay(page), { Burger: 3, Steak: 1 });
  assert.doesNotMatch(await page.locator("main").innerText(), /Fries|Lemonade/);
  await page.close();
});

test("bump by click and by number key, undo by key; the all-day counts follow", async () => {
  const page = await openPage(browser, `${base}/station/grill`);
  await waitLive(page);
  const [a, b] = orders;
  await waitFor(() => allDay(page), { Burger: 3, Steak: 1 });
  // A click bumps the first ticket: Ada's two burgers.
  await tickets(page).nth(0).click();
  await waitFor(() => ticketLines(page), [`${b.number} Steak`, `${b.number} Burger`]);
  await waitFor(() => allDay(page), { Burger: 1, Steak: 1 });
  // The bump bar's "1" bumps what is now first: the steak.
  await page.keyboard.press("1");
  await waitFor(() => ticketLines(page), [`${b.number} Burger`]);
  await waitFor(() => allDay(page), { Burger: 1 });
  // The server knows: the steak is done on the order.
  const order = (await api(base, "GET", `/api/orders/${b.id}`)).body;
  assert.ok(order.items[0].done_at, "the steak is done");
  // "U" takes the last bump back.
  await page.keyboard.press("u");
  await waitFor(() => ticketLines(page), [`${b.number} Steak`, `${b.number} Burger`]);
  await waitFor(() => allDay(page), { Burger: 1, Steak: 1 });
  // Ada's order started preparing with its first bump.
  assert.equal((await api(base, "GET", `/api/orders/${a.id}`)).body.stage, "preparing");
  await screenshot(page, "station", { docs: "station" });
  await page.close();
});

test("a settings change saved on a dispatcher in another browser context applies live", async () => {
  const station = await openPage(browser, `${base}/station/grill`);
  await waitLive(station);
  await station.getByTestId("station-name").filter({ hasText: "Grill" }).waitFor({ timeout: WAIT });
  const dispatcher = await openPage(browser, `${base}/`);
  await waitLive(dispatcher);
  await dispatcher.getByRole("button", { name: "Settings", exact: true }).click();
  const stations = dispatcher.getByTestId("settings-stations");
  await waitFor(async () => (await stations.inputValue()).includes("grill | Grill"), true);
  await stations.fill((await stations.inputValue()).replace("grill | Grill", "grill | Flame grill"));
  await dispatcher.getByTestId("settings-warn").fill("1");
  await dispatcher.getByTestId("settings-save").click();
  // Saved: the dialog closes.
  await dispatcher.getByTestId("settings-save").waitFor({ state: "detached", timeout: WAIT }).catch(async (e) => {
    throw new Error(`not saved: ${await dispatcher.getByTestId("settings-error").innerText().catch(() => e.message)}`);
  });
  await station.getByTestId("station-name").filter({ hasText: "Flame grill" }).waitFor({ timeout: WAIT });
  assert.equal((await api(base, "GET", "/api/settings")).body.ageing_warn_secs, 60);
  // A bad line is named, and nothing is saved.
  await dispatcher.getByRole("button", { name: "Settings", exact: true }).click();
  await waitFor(async () => (await dispatcher.getByTestId("settings-stations").inputValue()).includes("Flame grill"), true);
  await dispatcher.getByTestId("settings-menu").fill("Burger | Mains | oven");
  await dispatcher.getByTestId("settings-save").click();
  assert.match(await dispatcher.getByTestId("settings-error").innerText(), /Menu line 1: no station 'oven'/);
  await dispatcher.close();
  await station.close();
});

test("a bump another screen made first is a 409, said plainly, and the real state is shown", async () => {
  const page = await openPage(browser, `${base}/station/grill`);
  await waitLive(page);
  const b = orders[1];
  await waitFor(() => ticketLines(page), [`${b.number} Steak`, `${b.number} Burger`]);
  // Another screen bumps the steak just before this one's bump reaches the server.
  await page.route("**/api/orders/*/items/*", async (route) => {
    const current = (await api(base, "GET", `/api/orders/${b.id}`)).body;
    const res = await api(base, "POST", `/api/orders/${b.id}/items/0`, { done: true, expected_version: current.version });
    assert.equal(res.status, 200);
    await route.continue();
  }, { times: 1 });
  await page.keyboard.press("1");
  const notice = page.getByTestId("notice");
  await notice.waitFor({ timeout: WAIT });
  assert.match(await notice.innerText(), /Someone else changed this order first|no longer possible/);
  await waitFor(() => ticketLines(page), [`${b.number} Burger`]);
  await page.close();
});

test("axe-core: no serious or critical violation on the station screen", async () => {
  const page = await openPage(browser, `${base}/station/fryer`);
  await waitLive(page);
  await tickets(page).first().waitFor({ timeout: WAIT });
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  assert.deepEqual(bad, []);
  await page.close();
});

test("no script errors on any page", () => {
  assert.deepEqual(pageErrors, []);
});
