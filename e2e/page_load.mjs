// Orderboard's page-load benchmark: how soon each page shows something
// useful, how soon it is live, and how many bytes it costs, in Debian's
// Chromium (playwright-core), on loopback as it is and on a slow mobile link
// emulated through the Chrome DevTools Protocol.
//
//   node e2e/page_load.mjs [--runs 5] [--server BIN] [--baseline BIN] [--smoke] [--json FILE]
//
// For each page (the tracking page, the customer board, the dispatcher), each
// network (unthrottled; "fast3g": 1.6 Mbit/s down, 750 kbit/s up, 150 ms
// round trip) and each visit (first: an empty cache; repeat: the same
// browser profile again), it prints the medians of --runs loads:
//   content  ms from navigation to the first meaningful content (the
//            tracking page: the order's number and stage; the board: its
//            tiles; the dispatcher: its order cards);
//   live     ms from navigation to the page's stream being open (the badge
//            says "Live");
//   update   ms from a stage change's request to the page showing it;
//   KiB      bytes received over the network by then (headers included,
//            as Chromium counts them: encodedDataLength).
// With --baseline, the same runs against another server binary first, side
// by side. Nothing here asserts a time: the figures are printed.
// --smoke: one run of each page, unthrottled, first and repeat visit, and a
// check that every page came up and that its scripts came compressed.
import { writeFileSync } from "node:fs";
import { createOrder, launchBrowser, moveOrder, scratch, serverBinary, startServer } from "./lib/harness.js";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const SMOKE = args.includes("--smoke");
const RUNS = SMOKE ? 1 : Number(option("--runs", 5));
const SERVER = option("--server", undefined);
const BASELINE = option("--baseline", undefined);
const JSON_OUT = option("--json", undefined);
if (args.includes("--help")) {
  console.log("node e2e/page_load.mjs [--runs N] [--server BIN] [--baseline BIN] [--smoke] [--json FILE]");
  process.exit(0);
}

const NETWORKS = {
  unthrottled: null,
  fast3g: { offline: false, latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 750_000 / 8 },
};
const PAGE_WAIT = 60_000;

/** What each page's first meaningful content, and a change on it, look like. */
const PAGES = {
  track: {
    path: (o) => `/track/${o.tracking_token}`,
    content: (o) => `[data-testid=track-number]`,
    change: "preparing",
    changed: (o) => `[data-testid=track-status][data-stage=preparing]`,
  },
  board: {
    path: () => "/board",
    content: (o) => `[data-testid=board-tile][data-number="${o.number}"]`,
    before: ["preparing"],
    change: "ready",
    changed: (o) => `[data-testid=board-ready] [data-testid=board-tile][data-number="${o.number}"]`,
  },
  dispatcher: {
    path: () => "/",
    content: (o) => `[data-testid=order-card][data-number="${o.number}"]`,
    change: "preparing",
    changed: (o) => `[data-testid=order-card][data-number="${o.number}"][data-stage=preparing]`,
  },
};

const ORDER = {
  channel: "pickup",
  items: [{ name: "Falafel wrap", qty: 2 }, { name: "Mint tea", qty: 1 }],
  note: "no onions",
};

/** In the page, before any of its scripts: when each selector first matched, and when the badge said Live. */
function watchScript({ content, changed }) {
  const seen = {};
  window.__pageLoad = seen;
  const check = () => {
    const now = performance.now();
    if (seen.content === undefined && document.querySelector(content)) seen.content = now;
    const badge = document.querySelector("[data-testid=connection]");
    if (seen.live === undefined && badge && /Live/.test(badge.textContent)) seen.live = now;
    if (changed && seen.changedAt === undefined && document.querySelector(changed)) {
      seen.changedAt = performance.timeOrigin + now;
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
}

/** Bytes received per request, as Chromium's network stack counts them. */
async function countBytes(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const bytes = new Map();
  const encodings = [];
  cdp.on("Network.responseReceived", (e) => {
    bytes.set(e.requestId, Math.max(bytes.get(e.requestId) ?? 0, e.response.encodedDataLength ?? 0));
    const enc = Object.entries(e.response.headers).find(([k]) => k.toLowerCase() === "content-encoding");
    encodings.push({ url: e.response.url, encoding: enc ? enc[1] : null, cached: e.response.fromDiskCache || e.response.fromPrefetchCache });
  });
  cdp.on("Network.dataReceived", (e) => bytes.set(e.requestId, (bytes.get(e.requestId) ?? 0) + e.encodedDataLength));
  cdp.on("Network.loadingFinished", (e) => bytes.set(e.requestId, Math.max(bytes.get(e.requestId) ?? 0, e.encodedDataLength)));
  return { cdp, total: () => [...bytes.values()].reduce((a, b) => a + b, 0), encodings };
}

async function load(context, base, spec, order, network) {
  const page = await context.newPage();
  const meter = await countBytes(page);
  if (network) await meter.cdp.send("Network.emulateNetworkConditions", network);
  await page.addInitScript(watchScript, { content: spec.content(order), changed: spec.changed(order) });
  await page.goto(base + spec.path(order), { waitUntil: "commit", timeout: PAGE_WAIT });
  await page.waitForFunction(() => window.__pageLoad?.content !== undefined && window.__pageLoad?.live !== undefined, null, { timeout: PAGE_WAIT, polling: 50 });
  const changedFrom = Date.now();
  order = await moveOrder(base, order, spec.change);
  await page.waitForFunction(() => window.__pageLoad?.changedAt !== undefined, null, { timeout: PAGE_WAIT, polling: 20 });
  const seen = await page.evaluate(() => window.__pageLoad);
  const result = {
    content: seen.content,
    live: seen.live,
    update: seen.changedAt - changedFrom,
    kib: meter.total() / 1024,
    encodings: meter.encodings,
  };
  await page.close();
  return { result, order };
}

const PICKUP = ["received", "preparing", "ready", "collected"];

/** Collected: off every page, so that every run sees the same shop. */
async function finish(base, order) {
  for (const to of PICKUP.slice(PICKUP.indexOf(order.stage) + 1)) order = await moveOrder(base, order, to);
}

async function measure(binary, label, browser) {
  if (binary) process.env.ORDERBOARD_SERVER_BIN = binary;
  const where = scratch();
  const server = await startServer({ db: where.db });
  const rows = [];
  try {
    // A shop in the middle of its day: a dozen active orders besides the one followed.
    const others = [];
    for (let i = 0; i < 12; i++) others.push(await createOrder(server.url, { ...ORDER, customer: `Guest ${i}` }));
    for (const o of others.slice(0, 6)) await moveOrder(server.url, o, "preparing");
    for (const [name, spec] of Object.entries(PAGES)) {
      for (const [network, conditions] of Object.entries(NETWORKS)) {
        if (SMOKE && conditions) continue;
        const runs = { first: [], repeat: [] };
        for (let run = 0; run < RUNS; run++) {
          const context = await browser.browser.newContext({ viewport: { width: 412, height: 915 } });
          try {
            for (const visit of ["first", "repeat"]) {
              let fresh = await createOrder(server.url, { ...ORDER, customer: `Run ${run}` });
              for (const to of spec.before ?? []) fresh = await moveOrder(server.url, fresh, to);
              const { result, order } = await load(context, server.url, spec, fresh, conditions);
              runs[visit].push(result);
              await finish(server.url, order);
            }
          } finally {
            await context.close();
          }
        }
        for (const visit of ["first", "repeat"]) rows.push({ server: label, page: name, network, visit, runs: runs[visit] });
        process.stderr.write(`${label} ${name} ${network}: done\n`);
      }
    }
  } finally {
    await server.stop();
    where.cleanup();
  }
  return rows;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const summary = (row) => ({
  content: median(row.runs.map((r) => r.content)),
  live: median(row.runs.map((r) => r.live)),
  update: median(row.runs.map((r) => r.update)),
  kib: median(row.runs.map((r) => r.kib)),
});

const browser = await launchBrowser();
let results = [];
try {
  if (BASELINE) results = results.concat(await measure(BASELINE, "baseline", browser));
  results = results.concat(await measure(SERVER ?? serverBinary(), "orderboard", browser));
} finally {
  await browser.close();
}

const f = (x) => (x === undefined ? "-" : x >= 100 ? Math.round(x).toString() : x.toFixed(1));
const current = results.filter((r) => r.server === "orderboard");
const header = ["page", "network", "visit", "content ms", "live ms", "update ms", "KiB"];
if (BASELINE) header.push("| baseline content ms", "live ms", "update ms", "KiB");
const lines = [header];
for (const row of current) {
  const s = summary(row);
  const line = [row.page, row.network, row.visit, f(s.content), f(s.live), f(s.update), f(s.kib)];
  const base = results.find((r) => r.server === "baseline" && r.page === row.page && r.network === row.network && r.visit === row.visit);
  if (base) {
    const b = summary(base);
    line.push(`| ${f(b.content)}`, f(b.live), f(b.update), f(b.kib));
  }
  lines.push(line);
}
const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => String(l[i]).length)));
console.log(`page load, medians of ${RUNS} run(s); fast3g = 1.6 Mbit/s down, 750 kbit/s up, 150 ms RTT`);
for (const l of lines) console.log(l.map((c, i) => (i < 3 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  "));
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results.map((r) => ({ ...r, median: summary(r) })), null, 2));

if (SMOKE) {
  // Every page came up and went live; its script and WebAssembly came compressed.
  for (const row of current.filter((r) => r.visit === "first")) {
    for (const r of row.runs) {
      const scripts = r.encodings.filter((e) => /\.(js|wasm)$/.test(new URL(e.url).pathname));
      if (scripts.length < 2) throw new Error(`${row.page}: expected its script and WebAssembly, saw ${JSON.stringify(r.encodings)}`);
      const plain = scripts.filter((e) => !["br", "gzip"].includes(e.encoding));
      if (plain.length) throw new Error(`${row.page}: sent uncompressed: ${JSON.stringify(plain)}`);
    }
  }
  console.log("page-load smoke: every page came up live, its scripts compressed");
}
