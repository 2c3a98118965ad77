// The pass (expo) in a real browser: the dispatcher's cards show each item's
// state and which stations still hold the order, live as a station screen
// bumps items; a dine-in card shows its table; a scheduled order waits in
// the Scheduled column with its due time and a "Fire now" button.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  WAIT, scratch, startServer, launchBrowser, openPage, waitLive, api, createOrder, card, column, pageErrors,
} from "../lib/harness.js";

let dir, server, browser, base;

before(async () => {
  dir = scratch();
  server = await startServer({ db: dir.db });
  base = server.url;
  browser = await launchBrowser();
  const settings = (await api(base, "GET", "/api/settings")).body;
  settings.stations = [
    { id: "grill", name: "Grill", colour: "#ef4444" },
    { id: "bar", name: "Bar", colour: "#22c55e" },
  ];
  assert.equal((await api(base, "PUT", "/api/settings", settings)).status, 200);
  const menu = { items: [
    { name: "Burger", category: "Mains", station: "grill" },
    { name: "Mojito", category: "Drinks", station: "bar" },
  ] };
  assert.equal((await api(base, "PUT", "/api/menu", menu)).status, 200);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  dir?.cleanup();
});

const states = (c) => c.getByTestId("card-item").evaluateAll((els) => els.map((e) => e.dataset.done));

test("item states and the stations still holding the order follow the station's bumps live", async () => {
  const order = await createOrder(base, { channel: "dine_in", table: "12", items: [
    { name: "Burger", qty: 1, modifiers: ["no onions"] },
    { name: "Mojito", qty: 2 },
  ] });
  const dispatcher = await openPage(browser, `${base}/`);
  await waitLive(dispatcher);
  const c = card(dispatcher, order.number);
  await c.waitFor({ timeout: WAIT });
  assert.match(await c.getByTestId("card-table").innerText(), /Table 12/);
  assert.match(await c.innerText(), /no onions/);
  assert.deepEqual(await states(c), ["false", "false"]);
  assert.match(await c.getByTestId("stations-waiting").innerText(), /grill, bar/);

  const grill = await openPage(browser, `${base}/station/grill`);
  await waitLive(grill);
  await grill.getByTestId("station-ticket").first().click();
  await c.locator('[data-testid=card-item][data-done="true"]').waitFor({ timeout: WAIT });
  assert.deepEqual(await states(c), ["true", "false"]);
  assert.match(await c.getByTestId("stations-waiting").innerText(), /^Waiting on: bar$/);
  // The first bump started the order.
  await column(dispatcher, "preparing").locator(`[data-number="${order.number}"]`).waitFor({ timeout: WAIT });

  const bar = await openPage(browser, `${base}/station/bar`);
  await waitLive(bar);
  await bar.getByTestId("station-ticket").first().waitFor({ timeout: WAIT });
  await bar.keyboard.press("1");
  // Every item done: auto-ready moves it, and no station holds it any more.
  await column(dispatcher, "ready").locator(`[data-number="${order.number}"]`).waitFor({ timeout: WAIT });
  await card(dispatcher, order.number).getByTestId("stations-waiting").waitFor({ state: "detached", timeout: WAIT });
  await card(dispatcher, order.number).getByRole("button", { name: "Served" }).waitFor({ timeout: WAIT });
  await Promise.all([dispatcher.close(), grill.close(), bar.close()]);
});

test("a scheduled order waits in the Scheduled column with its due time, and fires on demand", async () => {
  const due = new Date(Date.now() + 3 * 3600_000).toISOString();
  const order = await createOrder(base, { customer: "Grace", channel: "pickup", due_at: due, items: [{ name: "Burger", qty: 2 }] });
  assert.equal(order.stage, "scheduled");
  const dispatcher = await openPage(browser, `${base}/`);
  await waitLive(dispatcher);
  const c = column(dispatcher, "scheduled").locator(`[data-number="${order.number}"]`);
  await c.waitFor({ timeout: WAIT });
  assert.match(await c.getByTestId("card-due").innerText(), /^Due \d{1,2}:\d\d( [AP]M)?$/);
  // Not on the grill's screen while it waits.
  const grill = await openPage(browser, `${base}/station/grill`);
  await waitLive(grill);
  await grill.getByText("Nothing to make").waitFor({ timeout: WAIT });
  await c.getByRole("button", { name: "Fire now" }).click();
  await column(dispatcher, "received").locator(`[data-number="${order.number}"]`).waitFor({ timeout: WAIT });
  await grill.locator(`[data-testid=station-ticket][data-number="${order.number}"]`).waitFor({ timeout: WAIT });
  await Promise.all([dispatcher.close(), grill.close()]);
});

test("the new-order form completes dishes from the menu, keyboard first, with details and a table", async () => {
  const dispatcher = await openPage(browser, `${base}/`);
  await waitLive(dispatcher);
  const form = dispatcher.getByTestId("new-order-form");
  await form.getByRole("radio", { name: "Dine-in" }).click();
  await form.getByTestId("new-order-table").fill("T9");
  const first = form.getByLabel("Item 1", { exact: true });
  await first.fill("bur");
  await first.press("ArrowUp");
  await first.press("Enter");
  // Enter completed the dish and moved to a new line; free text stays allowed.
  assert.equal(await first.inputValue(), "Burger");
  const second = form.getByLabel("Item 2", { exact: true });
  await second.waitFor({ timeout: WAIT });
  await dispatcher.waitForFunction(() => document.activeElement?.id === "new-order-item-1");
  await dispatcher.keyboard.type("Soup of the day");
  await form.getByRole("button", { name: "Details of item 1" }).click();
  await form.getByLabel("Modifiers of item 1").fill("no onions, <i>extra</i> pickles");
  await form.getByRole("button", { name: "Create order" }).click();
  const created = dispatcher.getByTestId("notice").filter({ hasText: /Order \d+ created/ });
  await created.waitFor({ timeout: WAIT });
  const number = Number((await created.innerText()).match(/Order (\d+) created/)[1]);
  const c = card(dispatcher, number);
  assert.match(await c.getByTestId("card-table").innerText(), /Table T9/);
  assert.match(await c.innerText(), /2×\s*Burger/);
  assert.match(await c.innerText(), /no onions, <i>extra<\/i> pickles/);
  // The menu gave the burger its station; the soup has none.
  const grill = await openPage(browser, `${base}/station/grill`);
  await waitLive(grill);
  const ticket = grill.locator(`[data-testid=station-ticket][data-number="${number}"]`);
  await ticket.waitFor({ timeout: WAIT });
  assert.match(await ticket.innerText(), /Table T9/);
  assert.equal(await ticket.locator("i").count(), 0);
  await Promise.all([dispatcher.close(), grill.close()]);
});

test("no script errors on any page", () => {
  assert.deepEqual(pageErrors, []);
});
