// Orderboard in a real browser: dispatchers, the customer board and a
// tracking page watching one real server, across a server restart.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  WAIT, scratch, startServer, launchBrowser, openPage, waitLive, screenshot,
  api, createOrder, moveOrder, card, column, startStandIn, pageErrors,
} from "../lib/harness.js";

const PHONE = { width: 390, height: 844 };
const TV = { width: 1920, height: 1080 };

let dir, server, browser, base;
let dispatcherA, dispatcherB, board;

before(async () => {
  dir = scratch();
  server = await startServer({ db: dir.db });
  base = server.url;
  browser = await launchBrowser();
  dispatcherA = await openPage(browser, `${base}/`);
  dispatcherB = await openPage(browser, `${base}/`);
  board = await openPage(browser, `${base}/board`, TV);
  for (const p of [dispatcherA, dispatcherB, board]) await waitLive(p);
  // Someone taps the TV once, so the board may chime.
  await board.getByTestId("sound-prompt").click();
  await board.getByTestId("sound-prompt").waitFor({ state: "detached", timeout: WAIT });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  dir?.cleanup();
});

/** Reads the tracking link of an order from a dispatcher's QR dialog. */
async function trackingPath(page, number) {
  await card(page, number).getByRole("button", { name: /tracking link of order/i }).click();
  const dialog = page.getByTestId("tracking-dialog");
  await dialog.locator("svg").waitFor({ timeout: WAIT });
  const href = await dialog.getByTestId("tracking-link").getAttribute("href");
  await dialog.getByRole("button", { name: "Done" }).click();
  return href;
}

test("the UI is served with its security policy, and API paths stay JSON", async () => {
  const page = await fetch(`${base}/track/some-token`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-security-policy"), /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(await page.text(), /orderboard-boot/);
  const missing = await fetch(`${base}/api/no-such-thing`);
  assert.equal(missing.status, 404);
  assert.match(missing.headers.get("content-type"), /application\/json/);
});

test("an unknown tracking token gets a clear 'no such order' page", async () => {
  const page = await openPage(browser, `${base}/track/no-such-token-123`, PHONE);
  await page.getByTestId("track-not-found").waitFor({ timeout: WAIT });
  assert.match(await page.getByTestId("track-not-found").innerText(), /No such order/);
  await screenshot(page, "track-not-found");
  await page.close();
});

test("an order made on one dispatcher moves live on the other, the board and the tracking page", async () => {
  // A few orders already in the kitchen, so the screens look like a service.
  const first = await createOrder(base, { customer: "Grace Hopper", channel: "pickup", items: [{ name: "Shakshuka", qty: 1 }, { name: "Flat white", qty: 2 }] });
  await moveOrder(base, first, "preparing");
  const second = await createOrder(base, { customer: "Alan Turing", channel: "delivery", items: [{ name: "Mezze platter", qty: 1 }], note: "Ring the bell twice" });
  const third = await createOrder(base, { channel: "pickup", items: [{ name: "Lentil soup", qty: 3 }] });
  const p3 = await moveOrder(base, third, "preparing");
  await moveOrder(base, p3, "ready");
  await card(dispatcherB, third.number).waitFor({ timeout: WAIT });

  // Each is where its stage puts it, on a dispatcher and on the board.
  for (const [order, stage, boardColumn] of [[first, "preparing", "board-preparing"], [second, "received", "board-preparing"], [third, "ready", "board-ready"]]) {
    await column(dispatcherB, stage).locator(`[data-number="${order.number}"]`).waitFor({ timeout: WAIT });
    await board.getByTestId(boardColumn).locator(`[data-number="${order.number}"]`).waitFor({ timeout: WAIT });
  }
  // The delivery order's card shows what the kitchen and the driver need;
  // its board tile shows only the number and the first name (items and
  // notes never reach the public board).
  const secondCard = await card(dispatcherB, second.number).innerText();
  for (const shown of [/Alan Turing/, /Delivery/, /1×\s*Mezze platter/, /Ring the bell twice/]) {
    assert.match(secondCard, shown);
  }
  const secondTile = await board.locator(`[data-testid=board-tile][data-number="${second.number}"]`).innerText();
  assert.match(secondTile, new RegExp(`${second.number}\\s*Alan`));
  for (const hidden of ["Turing", "Mezze", "Ring the bell"]) {
    assert.ok(!secondTile.includes(hidden), `the board shows ${hidden}: ${secondTile}`);
  }
  assert.doesNotMatch(await board.getByTestId("board").innerText(), /Turing|Mezze|Ring the bell/);

  // Dispatcher A takes an order with the form.
  const form = dispatcherA.getByTestId("new-order-form");
  await form.getByRole("radio", { name: "Pickup" }).click();
  await form.getByLabel("Item 1", { exact: true }).fill("Falafel wrap");
  await form.getByRole("button", { name: "One more" }).click();
  await form.getByRole("button", { name: "+ Add item" }).click();
  await form.getByLabel("Item 2", { exact: true }).fill("Mint lemonade");
  await form.getByRole("textbox", { name: /Customer name/ }).fill("Ada Lovelace");
  await form.getByRole("textbox", { name: /Note/ }).fill("No onions");
  await form.getByRole("button", { name: "Create order" }).click();

  const created = dispatcherA.getByTestId("notice").filter({ hasText: /Order \d+ created/ });
  await created.waitFor({ timeout: WAIT });
  const number = Number((await created.innerText()).match(/Order (\d+) created/)[1]);

  // Dispatcher B sees it in Received, the board under Preparing.
  await column(dispatcherB, "received").locator(`[data-number="${number}"]`).waitFor({ timeout: WAIT });
  assert.match(await card(dispatcherB, number).innerText(), /2×\s*Falafel wrap/);
  assert.match(await card(dispatcherB, number).innerText(), /No onions/);
  await board.getByTestId("board-preparing").locator(`[data-number="${number}"]`).waitFor({ timeout: WAIT });
  assert.match(await board.getByTestId("board-preparing").locator(`[data-number="${number}"]`).innerText(), /Ada/);

  // The customer opens the tracking link from the QR dialog.
  const link = await trackingPath(dispatcherA, number);
  assert.match(link, /^\/track\/.+/);
  const phone = await openPage(browser, `${base}${link}`, PHONE);
  await phone.getByTestId("track-number").filter({ hasText: String(number) }).waitFor({ timeout: WAIT });
  await waitLive(phone);

  // A starts it: B, the board and the phone follow.
  await card(dispatcherA, number).getByRole("button", { name: "Start preparing" }).click();
  await column(dispatcherB, "preparing").locator(`[data-number="${number}"]`).waitFor({ timeout: WAIT });
  await phone.locator('[data-testid=track-status][data-stage="preparing"]').waitFor({ timeout: WAIT });

  // A marks it ready: the board lights it up, the phone says "Ready for pickup".
  await card(dispatcherA, number).getByRole("button", { name: "Mark ready" }).click();
  await column(dispatcherB, "ready").locator(`[data-number="${number}"]`).waitFor({ timeout: WAIT });
  await board.locator(`[data-testid=board-ready] .tile-new[data-number="${number}"]`).waitFor({ timeout: WAIT });
  await phone.getByRole("heading", { name: "Ready for pickup" }).waitFor({ timeout: WAIT });

  await screenshot(dispatcherA, "dispatcher", { docs: "dispatcher" });
  await screenshot(board, "board", { docs: "board" });
  await screenshot(phone, "track", { docs: "track" });

  // Collected: it leaves the board and the dispatcher's columns, the phone stops listening.
  await card(dispatcherB, number).getByRole("button", { name: "Collected" }).click();
  await dispatcherA.locator(`[data-testid=finished-order][data-number="${number}"]`).waitFor({ timeout: WAIT });
  await board.locator(`[data-testid=board-tile][data-number="${number}"]`).waitFor({ state: "detached", timeout: WAIT });
  await phone.getByTestId("track-final").waitFor({ timeout: WAIT });
  await phone.getByTestId("connection").filter({ hasText: "Updates ended" }).waitFor({ timeout: WAIT });
  await screenshot(phone, "track-final");
  await phone.close();
});

test("a dispatcher acting on a stale screen gets a plain 409 with the order's real state", async () => {
  const order = await createOrder(base, { customer: "Katherine Johnson", channel: "pickup", items: [{ name: "Halloumi salad", qty: 1 }] });
  await card(dispatcherB, order.number).waitFor({ timeout: WAIT });
  await card(dispatcherA, order.number).waitFor({ timeout: WAIT });

  // B's screen lags behind: its stream events are held back for a moment.
  await dispatcherB.evaluate(() => { window.__orderboardHold = true; });
  await card(dispatcherA, order.number).getByRole("button", { name: "Start preparing" }).click();
  await column(dispatcherA, "preparing").locator(`[data-number="${order.number}"]`).waitFor({ timeout: WAIT });
  assert.equal(await column(dispatcherB, "received").locator(`[data-number="${order.number}"]`).count(), 1);

  // B presses the button its screen still shows.
  await card(dispatcherB, order.number).getByRole("button", { name: "Start preparing" }).click();
  const notice = dispatcherB.getByTestId("notice");
  await notice.waitFor({ timeout: WAIT });
  const text = await notice.innerText();
  assert.match(text, /Someone else changed this order first|no longer possible/);
  assert.match(text, new RegExp(`Order ${order.number} \\(Pickup\\) is now Preparing`));
  // The real state is on B's screen at once, even before its stream catches up.
  await column(dispatcherB, "preparing").locator(`[data-number="${order.number}"]`).waitFor({ timeout: WAIT });
  await screenshot(dispatcherB, "dispatcher-409");
  await dispatcherB.evaluate(() => window.__orderboardRelease());
  await dispatcherB.getByRole("button", { name: "Dismiss" }).click();
});

test("the new-order form shows the model's validation errors inline", async () => {
  const form = dispatcherA.getByTestId("new-order-form");
  await form.getByRole("button", { name: "Create order" }).click();
  await form.getByText("Add at least one item").waitFor({ timeout: WAIT });
  await form.getByLabel("Item 1", { exact: true }).fill("x".repeat(80));
  await form.getByRole("textbox", { name: /Customer name/ }).fill("Tab\there");
  await form.getByRole("button", { name: "Create order" }).click();
  await form.getByText("Must not contain control characters").waitFor({ timeout: WAIT });
  await form.getByRole("textbox", { name: /Customer name/ }).fill("");
  await form.getByLabel("Item 1", { exact: true }).fill("");
});

test("keyboard shortcuts drive the selected order; cancel asks first and can be recalled", async () => {
  const order = await createOrder(base, { customer: "Mary Jackson", channel: "delivery", items: [{ name: "Falafel bowl", qty: 1 }] });
  const mine = card(dispatcherA, order.number);
  await mine.waitFor({ timeout: WAIT });
  await mine.locator(".card-items").click();
  await dispatcherA.keyboard.press("a");
  await column(dispatcherB, "preparing").locator(`[data-number="${order.number}"]`).waitFor({ timeout: WAIT });

  await card(dispatcherA, order.number).locator(".card-items").click();
  await dispatcherA.keyboard.press("c");
  await dispatcherA.getByTestId("confirm-cancel").waitFor({ timeout: WAIT });
  await dispatcherA.keyboard.press("Escape");
  await dispatcherA.getByTestId("confirm-cancel").waitFor({ state: "detached", timeout: WAIT });
  assert.equal(await column(dispatcherB, "preparing").locator(`[data-number="${order.number}"]`).count(), 1);

  await card(dispatcherA, order.number).getByRole("button", { name: "Cancel" }).click();
  await dispatcherA.getByTestId("confirm-cancel").getByRole("button", { name: "Cancel order" }).click();
  const finished = dispatcherB.locator(`[data-testid=finished-order][data-number="${order.number}"][data-stage="cancelled"]`);
  await finished.waitFor({ timeout: WAIT });
  await finished.getByRole("button", { name: "Recall to Preparing" }).click();
  await column(dispatcherA, "preparing").locator(`[data-number="${order.number}"]`).waitFor({ timeout: WAIT });
});

test("age thresholds are settings that survive a reload", async () => {
  const page = await openPage(browser, `${base}/`);
  await waitLive(page);
  await page.getByRole("button", { name: "Settings" }).click();
  await page.getByLabel("Amber after (minutes)").fill("9");
  await page.getByLabel("Red after (minutes)").fill("4");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByText("Red must come after amber").waitFor({ timeout: WAIT });
  await page.getByLabel("Red after (minutes)").fill("15");
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("dialog").waitFor({ state: "detached", timeout: WAIT });
  await page.reload();
  await waitLive(page);
  await page.getByRole("button", { name: "Settings" }).click();
  assert.equal(await page.getByLabel("Amber after (minutes)").inputValue(), "9");
  assert.equal(await page.getByLabel("Red after (minutes)").inputValue(), "15");
  await page.close();
});

test("the board fits a 1280x720 screen", async () => {
  const small = await openPage(browser, `${base}/board`, { width: 1280, height: 720 });
  await waitLive(small);
  await small.getByTestId("board-preparing").locator("[data-testid=board-tile]").first().waitFor({ timeout: WAIT });
  const overflow = await small.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, "no horizontal scrolling");
  await small.getByTestId("sound-prompt").click();
  await small.getByTestId("sound-prompt").waitFor({ state: "detached", timeout: WAIT });
  await screenshot(small, "board-1280x720");
  await small.close();
});

test("every page comes back live after a server restart and shows what changed meanwhile", async () => {
  const order = await createOrder(base, { customer: "Hedy Lamarr", channel: "pickup", items: [{ name: "Baklava", qty: 4 }] });
  await card(dispatcherA, order.number).waitFor({ timeout: WAIT });
  const link = await trackingPath(dispatcherA, order.number);
  const phone = await openPage(browser, `${base}${link}`, PHONE);
  const pages = [dispatcherA, dispatcherB, board, phone];
  for (const p of pages) await waitLive(p);

  // The server dies; the browsers keep retrying on their own.
  const port = server.port;
  await server.stop("SIGKILL");
  for (const p of pages) {
    await p.getByTestId("connection").filter({ hasText: /Reconnecting|Offline since/ }).waitFor({ timeout: WAIT });
  }
  await dispatcherA.getByTestId("connection").filter({ hasText: /Offline since \d\d:\d\d:\d\d/ }).waitFor({ timeout: WAIT });
  await screenshot(dispatcherA, "dispatcher-offline");

  // A proxy answers 503 meanwhile: every stream ends up CLOSED and the pages must open new ones.
  const standIn = await startStandIn(port);
  const streamsSeen = () => {
    const paths = standIn.seen;
    return paths.filter((u) => u.startsWith("/api/events")).length >= 2
      && paths.some((u) => u.startsWith("/api/board/events"))
      // a tracking page follows its order on the profile's combined tracking stream
      && paths.some((u) => /^\/api\/track\/events\?tokens=/.test(u));
  };
  for (let i = 0; i < 200 && !streamsSeen(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(streamsSeen(), `every page asked the stand-in: ${standIn.seen.join(", ")}`);
  const resumed = standIn.seen.filter((u) => u.startsWith("/api/events") && /last_event_id=|Last-Event-ID: \d/.test(u));
  await standIn.close();

  // The server comes back on the same port and database; changes land before the pages are back.
  server = await startServer({ db: dir.db, listen: `127.0.0.1:${port}` });
  const preparing = await moveOrder(base, order, "preparing");
  await moveOrder(base, preparing, "ready");
  const late = await createOrder(base, { customer: "Margaret Hamilton", channel: "delivery", items: [{ name: "Kofta", qty: 2 }] });

  for (const p of pages) await waitLive(p);
  await column(dispatcherA, "ready").locator(`[data-number="${order.number}"]`).waitFor({ timeout: WAIT });
  await column(dispatcherB, "ready").locator(`[data-number="${order.number}"]`).waitFor({ timeout: WAIT });
  await column(dispatcherB, "received").locator(`[data-number="${late.number}"]`).waitFor({ timeout: WAIT });
  await board.locator(`[data-testid=board-ready] [data-number="${order.number}"]`).waitFor({ timeout: WAIT });
  await board.locator(`[data-testid=board-preparing] [data-number="${late.number}"]`).waitFor({ timeout: WAIT });
  await phone.getByRole("heading", { name: "Ready for pickup" }).waitFor({ timeout: WAIT });

  // And they stay live: a change after the restart arrives as usual.
  const current = (await api(base, "GET", `/api/orders/${order.id}`)).body;
  await moveOrder(base, current, "collected");
  await phone.getByTestId("track-final").waitFor({ timeout: WAIT });
  await dispatcherB.locator(`[data-testid=finished-order][data-number="${order.number}"]`).waitFor({ timeout: WAIT });
  await screenshot(board, "board-after-restart");
  assert.ok(resumed.length > 0, `the staff stream resumed from its last event id: ${standIn.seen.join(", ")}`);
  await phone.close();
});

test("no page raised a script error", () => {
  assert.deepEqual(pageErrors, []);
});
