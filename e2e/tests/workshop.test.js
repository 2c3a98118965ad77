// The workshop page in a real browser: a small comparison of the five lanes
// (the four transports and SSE over database polling) is started from the
// page, its charts fill with real samples, the finished report says SSE and
// WebSocket delivered every change, and shows each lane's database queries.
// The connection drop drill, started from its button: the customers that
// resume with Last-Event-ID miss nothing, the others miss what moved while
// they were away. Also the dispatcher's "Demo orders" control, which fills
// the kitchen.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { WAIT, scratch, startServer, launchBrowser, openPage, waitLive, screenshot, pageErrors, api } from "../lib/harness.js";

// A comparison takes its duration plus setting up and winding down.
const RUN_WAIT = 90_000;
const LANES = ["poll", "longpoll", "sse", "ws", "sse_db_poll"];

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

/** Waits until a chart has a polyline of at least `min` points. */
async function chartHasLine(page, testid, min = 2, timeout = WAIT) {
  await page.waitForFunction(
    ([id, n]) =>
      [...document.querySelectorAll(`[data-testid="${id}"] svg polyline`)].some(
        (p) => (p.getAttribute("points") ?? "").trim().split(/\s+/).filter(Boolean).length >= n,
      ),
    [testid, min],
    { timeout },
  );
}

test("a comparison runs from the workshop page, with live charts and a report", { timeout: 180_000 }, async () => {
  const page = await openPage(browser, `${base}/workshop`, { width: 1600, height: 1500 });
  await waitLive(page);
  await page.getByTestId("phase").filter({ hasText: "No comparison yet" }).waitFor({ timeout: WAIT });
  // Every transport has a note and a tile, before anything runs.
  for (const t of LANES) {
    await page.getByTestId(`note-${t}`).waitFor({ timeout: WAIT });
    await page.getByTestId(`open-${t}`).waitFor({ timeout: WAIT });
  }
  // At 1600 px wide the five lanes' tiles share one row.
  const tops = await page.$$eval(".tx-tile", (ts) => ts.map((t) => Math.round(t.getBoundingClientRect().top)));
  assert.equal(tops.length, 5);
  assert.equal(new Set(tops).size, 1, `one row of tiles: ${tops}`);

  // The form checks its limits before sending anything.
  await page.getByTestId("clients").fill("0");
  await page.getByTestId("start-comparison").click();
  await page.getByTestId("comparison-form").getByRole("alert").filter({ hasText: "Clients must be" }).waitFor({ timeout: WAIT });

  await page.getByTestId("clients").fill("5");
  await page.getByTestId("poll-secs").fill("1");
  await page.getByTestId("duration-secs").fill("8");
  await page.getByTestId("db-poll-secs").fill("1");
  for (const t of LANES) assert.equal(await page.getByTestId(`transport-${t}`).isChecked(), true);
  await page.getByTestId("start-comparison").click();
  await page.getByTestId("phase").filter({ hasText: /Starting|Running/ }).waitFor({ timeout: WAIT });
  assert.equal(await page.getByTestId("start-comparison").isDisabled(), true);

  // The charts draw the samples: one polyline per transport, with points.
  await chartHasLine(page, "chart-requests");
  await chartHasLine(page, "chart-bytes");
  await chartHasLine(page, "chart-db-queries");
  const transportsDrawn = await page.$$eval('[data-testid="chart-requests"] polyline', (ps) => [...new Set(ps.map((p) => p.dataset.transport))].sort());
  assert.deepEqual(transportsDrawn, [...LANES].sort());
  // Some customers are connected while it runs.
  await page.waitForFunction(
    () => [...document.querySelectorAll('[data-testid^="open-"] [data-testid="open-connections"]')].some((e) => Number(e.textContent.replace(/,/g, "")) > 0),
    null,
    { timeout: WAIT },
  );

  // The report: five rows; the push transports delivered every change once.
  const table = page.getByTestId("summary-table");
  await table.waitFor({ timeout: RUN_WAIT });
  await page.getByTestId("phase").filter({ hasText: "Finished" }).waitFor({ timeout: WAIT });
  const rows = table.getByTestId("summary-row");
  assert.equal(await rows.count(), 5);
  assert.deepEqual(await rows.evaluateAll((rs) => rs.map((r) => r.dataset.transport)), LANES);
  // Database queries per second, per lane: the database-polling lane queried
  // once a second per stream; SSE only when its streams opened.
  const queries = async (t) =>
    Number((await table.locator(`[data-testid=summary-row][data-transport=${t}] [data-testid=summary-db-queries]`).innerText()).replace(/,/g, ""));
  assert.ok((await queries("sse_db_poll")) > (await queries("sse")), "database polling queries more than SSE");
  assert.ok((await queries("sse_db_poll")) >= 1, "five streams looking once a second");
  for (const t of ["sse", "ws"]) {
    const cell = table.locator(`[data-testid=summary-row][data-transport=${t}] [data-testid=summary-complete]`);
    assert.equal(await cell.getAttribute("data-complete"), "complete-yes", `${t} complete`);
    assert.equal((await cell.innerText()).trim(), "✓");
  }
  for (const t of ["poll", "longpoll"]) {
    const clients = await table.locator(`[data-testid=summary-row][data-transport=${t}] td`).first().innerText();
    assert.equal(clients.trim(), "5");
  }
  // Staleness was measured for the push transports while it ran.
  await chartHasLine(page, "chart-staleness", 1);
  assert.equal(await page.getByTestId("start-comparison").isDisabled(), false);
  await screenshot(page, "workshop", { docs: "workshop" });
  await page.close();
});

test("the drill drops every connection: resuming customers miss nothing, the others miss changes", { timeout: 120_000 }, async () => {
  const page = await openPage(browser, `${base}/workshop`, { width: 1600, height: 1000 });
  await waitLive(page);
  const drill = page.getByTestId("drill");
  await drill.scrollIntoViewIfNeeded();
  await drill.getByTestId("drill-phase").filter({ hasText: "No drill yet" }).waitFor({ timeout: WAIT });
  const button = drill.getByTestId("start-drill");
  assert.equal((await button.innerText()).trim(), "Drop every connection for 5 s");

  // Without the demo there are no moving orders to follow: the page says so.
  await button.click();
  await drill.getByTestId("drill-error").filter({ hasText: "start the demo first" }).waitFor({ timeout: WAIT });

  const demo = await api(base, "PUT", "/api/demo", { running: true, seed: 3, speed: 10 });
  assert.equal(demo.status, 200);
  // A few orders to follow (one arrives every 4.5 s on average at 10×).
  for (let i = 0; i < 300; i++) {
    const status = await api(base, "GET", "/api/demo");
    if (status.body.orders_created >= 3) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await button.click();
  await drill.getByTestId("drill-phase").filter({ hasText: /Connecting|Connections/ }).waitFor({ timeout: WAIT });
  await drill.getByTestId("drill-phase").filter({ hasText: "Finished" }).waitFor({ timeout: 60_000 });
  const row = (group) => drill.locator(`[data-testid=drill-row][data-group=${group}]`);
  const number = async (group, cell) => Number((await row(group).getByTestId(cell).innerText()).replace(/,/g, ""));
  assert.equal(await number("resume", "drill-missed"), 0);
  assert.equal(await number("resume", "drill-duplicated"), 0);
  assert.equal(await row("resume").getByTestId("drill-whole").getAttribute("data-whole"), "true");
  assert.ok((await number("no-resume", "drill-missed")) > 0, "the customers without Last-Event-ID missed changes");
  assert.equal(await row("no-resume").getByTestId("drill-whole").getAttribute("data-whole"), "false");
  await drill.getByTestId("drill-headline").filter({ hasText: "missed 0 of" }).waitFor({ timeout: WAIT });
  await drill.scrollIntoViewIfNeeded();
  await screenshot(page, "workshop-drill", { docs: "workshop-drill" });
  assert.equal((await api(base, "PUT", "/api/demo", { running: false })).status, 200);
  await page.close();
});

test("the dispatcher's Demo orders control fills the kitchen and links to the workshop", { timeout: 120_000 }, async () => {
  const page = await openPage(browser, `${base}/`);
  await waitLive(page);
  assert.equal(await page.getByTestId("workshop-link").getAttribute("href"), "/workshop");
  await page.getByRole("button", { name: "Settings" }).click();
  const settings = page.getByRole("dialog", { name: "Settings" });
  await settings.waitFor({ timeout: WAIT });
  const demo = settings.getByTestId("demo-control");
  await demo.getByTestId("demo-status").filter({ hasText: "Stopped" }).waitFor({ timeout: WAIT });
  await demo.getByTestId("demo-speed").fill("100");
  await demo.getByTestId("demo-seed").fill("7");
  await demo.getByTestId("demo-start").click();
  await demo.getByTestId("demo-status").filter({ hasText: "Running at 100× (seed 7)" }).waitFor({ timeout: WAIT });
  // Orders appear on the board by themselves, and the counts grow.
  await page.locator("[data-testid=order-card]").first().waitFor({ timeout: 60_000 });
  await demo.getByTestId("demo-status").filter({ hasText: /[1-9]\d* orders? created/ }).waitFor({ timeout: 30_000 });
  await screenshot(page, "dispatcher-demo");
  await demo.getByTestId("demo-stop").click();
  await demo.getByTestId("demo-status").filter({ hasText: "Stopped. Last run (seed 7)" }).waitFor({ timeout: WAIT });
  await page.close();
});

test("no page raised a script error", () => {
  assert.deepEqual(pageErrors, []);
});
