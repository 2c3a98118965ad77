// A screen whose last event id cannot be replayed gets a `reset` and redraws
// from it: here the server comes back on the same port with another database
// (a restaurant that starts a fresh day file), whose log is behind the ids
// the open pages hold.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  WAIT, scratch, startServer, launchBrowser, openPage, waitLive, screenshot,
  createOrder, card, pageErrors,
} from "../lib/harness.js";

let yesterday, today, server, browser, base;

before(async () => {
  yesterday = scratch();
  today = scratch();
  server = await startServer({ db: yesterday.db });
  base = server.url;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  yesterday?.cleanup();
  today?.cleanup();
});

test("a page that cannot resume is reset to the server's state, then stays live", async () => {
  const old = [];
  for (const customer of ["Ada Lovelace", "Grace Hopper", "Alan Turing"]) {
    old.push(await createOrder(base, { customer, channel: "pickup", items: [{ name: "Mint tea", qty: 1 }] }));
  }
  const dispatcher = await openPage(browser, `${base}/`);
  const board = await openPage(browser, `${base}/board`, { width: 1920, height: 1080 });
  for (const p of [dispatcher, board]) await waitLive(p);
  for (const o of old) await card(dispatcher, o.number).waitFor({ timeout: WAIT });
  await board.getByText("Grace", { exact: true }).waitFor({ timeout: WAIT });

  // Same address, another database: its log is behind what the pages saw.
  const port = server.port;
  await server.stop();
  server = await startServer({ db: today.db, listen: `127.0.0.1:${port}` });
  const fresh = await createOrder(base, { customer: "Linus Torvalds", channel: "delivery", items: [{ name: "Falafel wrap", qty: 1 }] });

  for (const p of [dispatcher, board]) await waitLive(p);
  // Yesterday's orders are gone from both screens; today's is there.
  await board.getByText("Linus", { exact: true }).waitFor({ timeout: WAIT });
  for (const name of ["Ada", "Grace", "Alan"]) {
    await board.getByText(name, { exact: true }).waitFor({ state: "detached", timeout: WAIT });
  }
  await dispatcher.getByText("Linus Torvalds").waitFor({ timeout: WAIT });
  for (const name of ["Ada Lovelace", "Grace Hopper", "Alan Turing"]) {
    await dispatcher.getByText(name).waitFor({ state: "detached", timeout: WAIT });
  }
  assert.equal(await dispatcher.locator("[data-testid=order-card]").count(), 1, "only today's order");

  // And live from there: a change after the reset arrives as usual.
  const later = await createOrder(base, { customer: "Katherine Johnson", channel: "pickup", items: [{ name: "Baklava", qty: 2 }] });
  await card(dispatcher, later.number).waitFor({ timeout: WAIT });
  await board.getByText("Katherine", { exact: true }).waitFor({ timeout: WAIT });
  assert.notEqual(fresh.id, later.id);
  await screenshot(board, "board-after-reset");
  for (const p of [dispatcher, board]) await p.close();
});

test("no page raised a script error", () => {
  assert.deepEqual(pageErrors, []);
});
