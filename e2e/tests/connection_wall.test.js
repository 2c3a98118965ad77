// The workshop's six-connection wall in a real browser: boards in frames,
// each with its own EventSource, and the panel reading which are live.
// Chromium opens at most six HTTP/1.1 connections to one server for the
// whole profile; the workshop page's own stream holds one of them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { WAIT, scratch, startServer, launchBrowser, openPage, waitLive, screenshot, pageErrors } from "../lib/harness.js";

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

/** A group's counts, as the panel shows them. */
async function counts(page, group) {
  const c = page.getByTestId(`wall-${group}`).getByTestId("wall-count");
  return {
    live: Number(await c.getAttribute("data-live")),
    waiting: Number(await c.getAttribute("data-waiting")),
    loading: Number(await c.getAttribute("data-loading")),
    words: (await c.innerText()).trim(),
  };
}

test("a board opened with ?connection=own says so", async () => {
  const page = await openPage(browser, `${base}/board?connection=own`);
  await waitLive(page);
  assert.equal(await page.getByTestId("board").getAttribute("data-connection"), "own");
  const plain = await openPage(browser, `${base}/board`);
  await waitLive(plain);
  assert.equal(await plain.getByTestId("board").getAttribute("data-connection"), "default");
  await page.close();
  await plain.close();
});

test("boards in frames stop at the six-connection wall, and come back when closed", { timeout: 120_000 }, async () => {
  const page = await openPage(browser, `${base}/workshop`, { width: 1600, height: 1000 });
  await waitLive(page);
  const wall = page.getByTestId("connection-wall");
  await wall.getByTestId("wall-frames").fill("20");
  await wall.getByTestId("wall-open").click();
  await wall.getByRole("alert").filter({ hasText: "Boards per group must be 1 to 12" }).waitFor({ timeout: WAIT });

  await wall.getByTestId("wall-frames").fill("8");
  await wall.getByTestId("wall-open").click();
  // The boards on the shared connection open first and all go live on one
  // stream; then the boards with a stream each take the places left (six,
  // one held by this page's own stream and one by the shared connection).
  await page.waitForFunction(
    () => {
      const cs = [...document.querySelectorAll('[data-testid="wall-count"]')];
      const live = cs.map((c) => Number(c.dataset.live));
      return cs.length === 2 && live[1] === 8 && live[0] >= 3;
    },
    null,
    { timeout: 60_000 },
  );
  // Give the others every chance to connect: they cannot.
  await page.waitForTimeout(3000);
  const own = await counts(page, "own");
  const dflt = await counts(page, "default");
  console.log(`own connection each: ${own.words}; shared connection: ${dflt.words}`);
  assert.equal(own.live + own.waiting + own.loading, 8);
  assert.equal(dflt.live, 8, "every board on the shared connection is live");
  assert.ok(own.live <= 4, "six places: this page's stream, the shared one, and four");
  assert.ok(own.waiting + own.loading >= 4, "the rest wait");
  const health = await (await fetch(`${base}/api/health`)).json();
  assert.ok(health.open_streams.board <= 1 + own.live, `one board stream for all shared boards: ${JSON.stringify(health.open_streams)}`);
  await wall.scrollIntoViewIfNeeded();
  await screenshot(page, "workshop-connection-wall", { docs: "workshop-connection-wall" });

  // Closing the frames gives the places back: this page is still live.
  await wall.getByTestId("wall-close").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="connection-wall"] iframe').length === 0, null, { timeout: WAIT });
  await waitLive(page);
  await page.close();
});

test("no page raised a script error", () => {
  assert.deepEqual(pageErrors, []);
});
