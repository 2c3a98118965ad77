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

  // Today's numbers start again at 1, so today's orders carry numbers that
  // yesterday's had: under each number the screens show today's order, and
  // nothing of the order that had it before.
  assert.deepEqual([fresh.number, later.number], [old[0].number, old[1].number]);
  for (const [order, customer, first, before] of [
    [fresh, "Linus Torvalds", "Linus", old[0].customer],
    [later, "Katherine Johnson", "Katherine", old[1].customer],
  ]) {
    const onDispatcher = await card(dispatcher, order.number).innerText();
    assert.match(onDispatcher, new RegExp(customer));
    assert.doesNotMatch(onDispatcher, new RegExp(before));
    const tile = board.locator(`[data-testid=board-tile][data-number="${order.number}"]`);
    assert.equal(await tile.count(), 1, `one tile numbered ${order.number}`);
    const onBoard = await tile.innerText();
    assert.match(onBoard, new RegExp(first));
    assert.doesNotMatch(onBoard, new RegExp(before.split(" ")[0]));
  }
  assert.equal(await dispatcher.locator("[data-testid=order-card]").count(), 2, "today's two orders only");
  await screenshot(board, "board-after-reset");
  for (const p of [dispatcher, board]) await p.close();
});

test("no page raised a script error", () => {
  assert.deepEqual(pageErrors, []);
});
