// One browser profile, many Orderboard pages: ten board tabs and a dispatcher
// share one live connection per stream, whether a SharedWorker holds it or a
// leader tab elected with Web Locks does (the path WebKit-like browsers
// without SharedWorker take). Browsers allow six connections per host, so
// without sharing the seventh page would never go live.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  WAIT, scratch, startServer, launchBrowser, waitLive, api, createOrder, moveOrder,
  card, openProfile, pageErrors,
} from "../lib/harness.js";

const BOARDS = 10;

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

const tile = (page, number, column) =>
  page.locator(`[data-testid=board-${column}] [data-testid=board-tile][data-number="${number}"]`);

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

/** No page was sent the same change twice (hub messages, by page and event id). */
async function noChangeTwice(pages) {
  for (const page of pages) {
    const log = await page.evaluate(() => window.__orderboardHubLog);
    const seen = new Set();
    for (const m of log.filter((m) => m.kind === "message" && m.event === "order")) {
      const key = `${m.to ?? "port"}#${m.id}`;
      assert.ok(!seen.has(key), `change ${m.id} sent twice to page ${m.to ?? "(its port)"}`);
      seen.add(key);
    }
  }
}

async function openScreens(profile) {
  const boards = [];
  for (let i = 0; i < BOARDS; i++) boards.push(await profile.open(`${base}/board`));
  const dispatcher = await profile.open(`${base}/`);
  for (const p of [...boards, dispatcher]) await waitLive(p);
  return { boards, dispatcher };
}

for (const [mode, without] of [["a SharedWorker", []], ["a leader tab (no SharedWorker)", ["SharedWorker"]]]) {
  test(`${mode}: ten board tabs and a dispatcher in one profile share one connection per stream`, async (t) => {
    const profile = await openProfile(browser, { without });
    t.after(() => profile.close().catch(() => {}));
    const { boards, dispatcher } = await openScreens(profile);
    await openStreamsAre({ board: 1, staff: 1 });

    // A change reaches every page.
    const order = await createOrder(base, { customer: "Grace Hopper", channel: "pickup", items: [{ name: "Shakshuka", qty: 1 }] });
    await card(dispatcher, order.number).waitFor({ timeout: WAIT });
    const preparing = await moveOrder(base, order, "preparing");
    for (const b of boards) await tile(b, order.number, "preparing").waitFor({ timeout: WAIT });

    // The first tab (the one that started the hub, and in the fallback holds
    // the connection) closes; a change made during the handover reaches all
    // the others, once.
    await boards[0].close();
    const ready = await moveOrder(base, preparing, "ready");
    const rest = boards.slice(1);
    for (const b of rest) await tile(b, order.number, "ready").waitFor({ timeout: WAIT });
    await dispatcher.locator(`[data-testid=order-card][data-number="${order.number}"][data-stage="ready"]`).waitFor({ timeout: WAIT });
    for (const p of [...rest, dispatcher]) await waitLive(p);
    await openStreamsAre({ board: 1, staff: 1 });

    // And they stay live after it.
    await moveOrder(base, ready, "collected");
    for (const b of rest) await tile(b, order.number, "ready").waitFor({ state: "detached", timeout: WAIT });
    await noChangeTwice([...rest, dispatcher]);

    // A tab opened late gets the same picture from the shared connection.
    const late = await profile.open(`${base}/board`);
    await waitLive(late);
    const next = await createOrder(base, { customer: "Alan Turing", channel: "pickup", items: [{ name: "Falafel", qty: 2 }] });
    await moveOrder(base, next, "preparing");
    for (const b of [...rest, late]) await tile(b, next.number, "preparing").waitFor({ timeout: WAIT });
    await openStreamsAre({ board: 1, staff: 1 });

    await profile.close();
    await openStreamsAre({ board: 0, staff: 0 });
  });
}

test("ten board tabs sharing one connection all catch up after a server restart", async (t) => {
  const profile = await openProfile(browser);
  t.after(() => profile.close().catch(() => {}));
  const { boards, dispatcher } = await openScreens(profile);
  const order = await createOrder(base, { customer: "Barbara Liskov", channel: "pickup", items: [{ name: "Tea", qty: 1 }] });
  await card(dispatcher, order.number).waitFor({ timeout: WAIT });

  const port = server.port;
  await server.stop("SIGKILL");
  for (const p of boards) {
    await p.getByTestId("connection").filter({ hasText: /Reconnecting|Offline since/ }).waitFor({ timeout: WAIT });
  }
  server = await startServer({ db: dir.db, listen: `127.0.0.1:${port}` });
  const preparing = await moveOrder(base, order, "preparing");

  for (const p of [...boards, dispatcher]) await waitLive(p);
  for (const b of boards) await tile(b, order.number, "preparing").waitFor({ timeout: WAIT });
  await moveOrder(base, preparing, "ready");
  for (const b of boards) await tile(b, order.number, "ready").waitFor({ timeout: WAIT });
  await openStreamsAre({ board: 1, staff: 1 });
  await noChangeTwice([...boards, dispatcher]);
  await profile.close();
});

// Past 512 changes the shared connection swaps what it keeps for late tabs
// for a fresh snapshot; a tab opened then must still see what the others see.
test("a tab opened after many changes shows the same board as the tabs open all along", async (t) => {
  const profile = await openProfile(browser);
  t.after(() => profile.close().catch(() => {}));
  const early = await profile.open(`${base}/board`);
  await waitLive(early);
  const kept = [];
  for (let i = 0; i < 140; i++) {
    let order = await createOrder(base, { customer: `Guest ${i}`, channel: "pickup", items: [{ name: "Tea", qty: 1 }] });
    order = await moveOrder(base, order, "preparing");
    order = await moveOrder(base, order, "ready");
    if (i % 10 === 0) kept.push(order);
    else await moveOrder(base, order, "collected");
  }
  const tiles = (page) => page.locator("[data-testid=board-tile]").evaluateAll(
    (els) => els.map((e) => `${e.closest("[data-testid^=board-]").dataset.testid}:${e.dataset.number}`).sort());
  const last = kept[kept.length - 1];
  await tile(early, last.number, "ready").waitFor({ timeout: WAIT });
  const late = await profile.open(`${base}/board`);
  await waitLive(late);
  await tile(late, last.number, "ready").waitFor({ timeout: WAIT });
  assert.deepEqual(await tiles(late), await tiles(early));
  // The late tab started from a newer snapshot than the early one, with
  // fewer than 512 changes after it: the worker did not keep them all.
  const firstState = async (p) => (await p.evaluate(() => window.__orderboardHubLog)).filter((m) => m.event === "snapshot")[0];
  const changesSent = async (p) => (await p.evaluate(() => window.__orderboardHubLog)).filter((m) => m.event === "order").length;
  assert.ok(Number((await firstState(late)).id) > Number((await firstState(early)).id), "a fresh snapshot for the late tab");
  assert.ok(await changesSent(late) < 512, `changes replayed to the late tab: ${await changesSent(late)}`);
  assert.ok(await changesSent(early) > 512, `changes sent to the early tab: ${await changesSent(early)}`);
  const moved = await moveOrder(base, last, "collected");
  for (const p of [early, late]) await tile(p, moved.number, "ready").waitFor({ state: "detached", timeout: WAIT });
  await noChangeTwice([early, late]);
  await openStreamsAre({ board: 1 });
});

test("without SharedWorker and Web Locks, each tab keeps a stream of its own", async (t) => {
  const profile = await openProfile(browser, { without: ["SharedWorker", "locks"] });
  t.after(() => profile.close().catch(() => {}));
  const tabs = [await profile.open(`${base}/board`), await profile.open(`${base}/board`)];
  for (const p of tabs) await waitLive(p);
  await openStreamsAre({ board: 2 });
  const order = await moveOrder(base, await createOrder(base, { customer: "Ida", channel: "pickup", items: [{ name: "Tea", qty: 1 }] }), "preparing");
  for (const p of tabs) await tile(p, order.number, "preparing").waitFor({ timeout: WAIT });
  for (const p of tabs) assert.deepEqual(await p.evaluate(() => window.__orderboardHubLog), []);
});

test("no page raised a script error", () => {
  assert.deepEqual(pageErrors, []);
});
