// The reports page: today's prep times by hour, and the search of finished
// orders finding one by name, with its stage history, and recalling it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  WAIT, scratch, startServer, launchBrowser, openPage, api, createOrder, moveOrder, pageErrors,
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

test("the reports page shows today's groups and finds a finished order by name", async () => {
  let ada = await createOrder(base, { customer: "Ada Lovelace", channel: "pickup", items: [{ name: "Mint tea", qty: 1 }] });
  for (const to of ["preparing", "ready", "collected"]) ada = await moveOrder(base, ada, to);
  const grace = await createOrder(base, { customer: "Grace Hopper", channel: "pickup", items: [{ name: "Baklava", qty: 2 }] });
  await moveOrder(base, grace, "cancelled");

  const page = await openPage(browser, `${base}/reports`);
  const group = page.locator("[data-testid=report-group]").first();
  await group.waitFor({ timeout: WAIT });
  assert.match(await page.getByTestId("report-overall").innerText(), /1 handed over, 1 cancelled/);

  // The export link downloads the same range as CSV.
  const href = await page.getByTestId("export-csv").getAttribute("href");
  const csv = await fetch(base + href);
  assert.equal(csv.status, 200);
  assert.match(await csv.text(), /Ada Lovelace,Mint tea,1,/);

  await page.getByTestId("history-q").fill("lovelace");
  await page.getByRole("button", { name: "Search" }).click();
  const result = page.locator("[data-testid=history-result]");
  await result.first().waitFor({ timeout: WAIT });
  assert.equal(await result.count(), 1);
  await result.first().getByRole("button", { name: new RegExp(`#${ada.number} Ada Lovelace`) }).click();
  await page.getByTestId("history-detail").getByText(/Collected: /).waitFor({ timeout: WAIT });

  // Recalled from the result: one step back, on the dispatcher's board again.
  await page.getByTestId("history-recall").click();
  await page.getByText("Recalled to Ready").waitFor({ timeout: WAIT });
  const back = await api(base, "GET", `/api/orders/${ada.id}`);
  assert.equal(back.body.stage, "ready");
  assert.deepEqual(pageErrors, []);
});
