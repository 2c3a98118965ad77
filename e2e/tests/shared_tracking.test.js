// One browser profile, ten customers' tracking pages of ten different
// orders: they share one combined tracking stream (/api/track/events?tokens=…)
// whether a SharedWorker holds it or a leader tab does. Browsers allow six
// connections per host, so with one stream per order the seventh page would
// never go live.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  WAIT, scratch, startServer, startStandIn, launchBrowser, waitLive, api, createOrder, moveOrder,
  openProfile, pageErrors,
} from "../lib/harness.js";

const PAGES = 10;

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

const newOrder = (i) =>
  createOrder(base, { customer: `Guest ${i}`, channel: "pickup", items: [{ name: "Tea", qty: 1 }] });

const atStage = (page, stage) =>
  page.locator(`[data-testid=track-status][data-stage="${stage}"]`).waitFor({ timeout: WAIT });

/** Waits until /api/health counts exactly these open streams. */
async function openStreamsAre(expected) {
  let last;
  for (let i = 0; i < 200; i++) {
    last = (await api(base, "GET", "/api/health")).body.open_streams;
    if (Object.entries(expected).every(([kind, n]) => last[kind] === n)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`open streams ${JSON.stringify(last)}, expected ${JSON.stringify(expected)}`);
}

/** Opens a tracking page per order, all in one profile, and waits for them to go live. */
async function openTracking(profile, orders) {
  const pages = [];
  for (const o of orders) pages.push(await profile.open(`${base}/track/${o.tracking_token}`));
  for (const p of pages) await waitLive(p);
  return pages;
}

/**
 * The ids of the changes the hub sent each page for its own order; and no
 * page was sent a change to another order over its own port.
 */
async function changesSent(pages, orders) {
  const sent = [];
  for (const [i, page] of pages.entries()) {
    const url = `/api/track/${orders[i].tracking_token}/events`;
    const log = await page.evaluate(() => window.__orderboardHubLog);
    const changes = log.filter((m) => m.kind === "message" && m.event === "order");
    const strays = changes.filter((m) => m.to == null && m.url !== url);
    assert.deepEqual(strays, [], `page ${i} was sent other orders' changes`);
    sent.push(changes.filter((m) => m.url === url).map((m) => Number(m.id)));
  }
  return sent;
}

for (const [mode, without] of [["a SharedWorker", []], ["a leader tab (no SharedWorker)", ["SharedWorker"]]]) {
  test(`${mode}: ten tracking pages of ten orders in one profile are all live on one stream`, async (t) => {
    const profile = await openProfile(browser, { without });
    t.after(() => profile.close().catch(() => {}));
    const orders = [];
    for (let i = 0; i < PAGES; i++) orders.push(await newOrder(i));
    const pages = await openTracking(profile, orders);
    await openStreamsAre({ track: 1 });

    // A change to each order reaches exactly its page, once.
    for (const [i, o] of orders.entries()) orders[i] = await moveOrder(base, o, "preparing");
    for (const p of pages) await atStage(p, "preparing");
    const sent = await changesSent(pages, orders);
    for (const [i, s] of sent.entries()) assert.equal(s.length, 1, `page ${i} got ${JSON.stringify(s)}`);
    assert.equal(new Set(sent.flat()).size, PAGES, "ten different changes");

    // The first page (in the fallback, the leader holding the connection)
    // closes; the rest stay live on one stream and see the next change once.
    await pages[0].close();
    const rest = pages.slice(1);
    for (const [i, o] of orders.entries()) if (i > 0) orders[i] = await moveOrder(base, o, "ready");
    for (const p of rest) await atStage(p, "ready");
    for (const p of rest) await waitLive(p);
    await openStreamsAre({ track: 1 });
    const after = await changesSent(rest, orders.slice(1));
    for (const [i, s] of after.entries()) {
      assert.equal(new Set(s).size, s.length, `page ${i + 1} got a change twice: ${JSON.stringify(s)}`);
    }
    // Through a handover a page may hear a change again from the new hub
    // (and drops it); it never misses one.
    for (const s of after) assert.ok(s.length >= 1);

    // A finished order ends its page's updates; the others stay live.
    await moveOrder(base, orders[1], "collected");
    await rest[0].getByTestId("track-final").waitFor({ timeout: WAIT });
    orders[2] = await moveOrder(base, orders[2], "collected");
    await rest[1].getByTestId("track-final").waitFor({ timeout: WAIT });
    for (const p of rest.slice(2)) await waitLive(p);
    await openStreamsAre({ track: 1 });

    await profile.close();
    await openStreamsAre({ track: 0 });
  });
}

test("tracking pages on one stream catch up after a server restart; a page opened meanwhile shows the same 'offline since'", async (t) => {
  const profile = await openProfile(browser);
  t.after(() => profile.close().catch(() => {}));
  let orders = [];
  for (let i = 0; i < PAGES + 1; i++) orders.push(await newOrder(i));
  const late = orders.pop();
  const pages = await openTracking(profile, orders);
  await openStreamsAre({ track: 1 });

  // Killed, then a stand-in that serves the UI's files and answers the API
  // with 503, so one more page can open while the connection is down.
  const port = server.port;
  await server.stop("SIGKILL");
  const standIn = await startStandIn(port, { ui: true });
  const offline = (p) => p.getByTestId("connection").filter({ hasText: /Offline since/ });
  for (const p of pages) await offline(p).waitFor({ timeout: WAIT });
  const since = await offline(pages[0]).innerText();
  const latePage = await profile.open(`${base}/track/${late.tracking_token}`);
  await offline(latePage).waitFor({ timeout: WAIT });
  assert.equal(await offline(latePage).innerText(), since, "the late page says when the connection went down");
  for (const p of pages) assert.equal(await offline(p).innerText(), since);

  await standIn.close();
  server = await startServer({ db: dir.db, listen: `127.0.0.1:${port}` });
  orders.push(late);
  const all = [...pages, latePage];
  orders = await Promise.all(orders.map((o) => moveOrder(base, o, "preparing")));
  for (const p of all) await waitLive(p);
  for (const p of all) await atStage(p, "preparing");
  await openStreamsAre({ track: 1 });
  for (const [i, o] of orders.entries()) orders[i] = await moveOrder(base, o, "ready");
  for (const p of all) await atStage(p, "ready");
  const sent = await changesSent(all, orders);
  for (const [i, s] of sent.entries()) {
    assert.equal(new Set(s).size, s.length, `page ${i} got a change twice: ${JSON.stringify(s)}`);
  }
  await profile.close();
  await openStreamsAre({ track: 0 });
});

test("with ?connection=own each tracking page keeps a stream of its own", async (t) => {
  const profile = await openProfile(browser);
  t.after(() => profile.close().catch(() => {}));
  const orders = [await newOrder("a"), await newOrder("b")];
  const pages = [];
  for (const o of orders) pages.push(await profile.open(`${base}/track/${o.tracking_token}?connection=own`));
  for (const p of pages) await waitLive(p);
  await openStreamsAre({ track: 2 });
  for (const p of pages) assert.deepEqual(await p.evaluate(() => window.__orderboardHubLog), []);
});

test("no page raised a script error", () => {
  assert.deepEqual(pageErrors, []);
});
