// The board fits its screen, which cannot scroll: with 10, 100 and 400
// active orders, at 1920x1080 and 1280x720, no tile is cut off, numbers stay
// readable from about 3 m, every ready number is on screen at once, and every
// preparing number is shown on some page as the board turns them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  WAIT, scratch, startServer, launchBrowser, waitLive, createOrder, moveOrder, api, screenshot, pageErrors,
} from "../lib/harness.js";

const SIZES = [[1920, 1080], [1280, 720]];
const COUNTS = [10, 100, 400];
/** The smallest number a tile may show, in CSS pixels (about 3 m on a TV). */
const READABLE_PX = 28;

let dir, server, browser, base, made = 0;

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

/** Active orders up to `n`: most preparing, one in ten ready. */
async function grow(n) {
  while (made < n) {
    made += 1;
    let o = await createOrder(base, { customer: `Guest${made}`, channel: "pickup", items: [{ name: "Tea", qty: 1 }] });
    if (made % 3 !== 0 || made % 10 === 0) o = await moveOrder(base, o, "preparing");
    if (made % 10 === 0) o = await moveOrder(base, o, "ready");
  }
  const orders = (await api(base, "GET", "/api/orders")).body;
  const numbers = (stages) => orders.filter((o) => stages.includes(o.stage)).map((o) => o.number).sort((a, b) => a - b);
  return { preparing: numbers(["received", "preparing"]), ready: numbers(["ready"]) };
}

/** The tiles on screen now, each with whether it lies whole inside its column's list and the window. */
const tilesOnScreen = (page) => page.evaluate(() => [...document.querySelectorAll("[data-testid=board-tile]")].map((tile) => {
  const list = tile.closest("ul").getBoundingClientRect();
  const r = tile.getBoundingClientRect();
  const n = tile.querySelector(".tile-number");
  const nr = n.getBoundingClientRect();
  const inside = (a, b) => a.left >= b.left - 0.5 && a.top >= b.top - 0.5 && a.right <= b.right + 0.5 && a.bottom <= b.bottom + 0.5;
  return {
    number: Number(tile.dataset.number),
    ready: tile.classList.contains("tile-ready"),
    rects: [r, list, nr].map((x) => [x.left, x.top, x.right, x.bottom].map(Math.round)),
    whole: inside(r, list) && r.bottom <= innerHeight + 0.5 && r.right <= innerWidth + 0.5 && inside(nr, r),
    fontPx: parseFloat(getComputedStyle(n).fontSize),
  };
}));

for (const count of COUNTS) {
  for (const [width, height] of SIZES) {
    test(`${count} active orders on a ${width}x${height} board`, async () => {
      const expected = await grow(count);
      assert.equal(expected.preparing.length + expected.ready.length, count);
      const context = await browser.browser.newContext({ viewport: { width, height } });
      const page = await context.newPage();
      page.on("pageerror", (e) => pageErrors.push(`board: ${e.message}`));
      await page.clock.install();
      await page.goto(`${base}/board`);
      await waitLive(page);
      const ready = page.getByTestId("board-ready").locator("[data-testid=board-tile]");
      await page.waitForFunction((n) => document.querySelectorAll("[data-testid=board-ready] [data-testid=board-tile]").length === n, expected.ready.length, { timeout: WAIT });
      assert.equal(await page.evaluate(() => document.documentElement.scrollHeight <= innerHeight), true, "no scrolling");

      // Ready: every number at once, whole.
      const first = await tilesOnScreen(page);
      assert.deepEqual(first.filter((t) => t.ready).map((t) => t.number).sort((a, b) => a - b), expected.ready);
      assert.equal(await ready.count(), expected.ready.length);

      // Preparing: every number on some page; every tile whole and readable.
      const pages = Number(await page.getByTestId("board-preparing").locator("ul").getAttribute("data-pages"));
      if (pages > 1) {
        await page.getByTestId("board-page-preparing").filter({ hasText: `of ${pages}` }).waitFor({ timeout: WAIT });
      }
      const seen = new Set();
      for (let p = 0; p < pages; p++) {
        const tiles = await tilesOnScreen(page);
        if (p === 0) await screenshot(page, `board-fit-${count}-${width}x${height}`);
        for (const t of tiles) {
          assert.ok(t.whole, `tile ${t.number} is cut off (page ${p + 1} of ${pages}): ${JSON.stringify(t)}`);
          assert.ok(t.fontPx >= READABLE_PX, `tile ${t.number}'s number is ${t.fontPx}px`);
          if (!t.ready) seen.add(t.number);
        }
        if (pages > 1) {
          const before = tiles.filter((t) => !t.ready).map((t) => t.number).join();
          await page.clock.runFor(6_000);
          await page.waitForFunction((b) => [...document.querySelectorAll("[data-testid=board-preparing] [data-testid=board-tile]")].map((t) => t.dataset.number).join() !== b, before, { timeout: WAIT });
        }
      }
      assert.deepEqual([...seen].sort((a, b) => a - b), expected.preparing);
      await context.close();
    });
  }
}

test("no script errors", () => {
  assert.deepEqual(pageErrors, []);
});
