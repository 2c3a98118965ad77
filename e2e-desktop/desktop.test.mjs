// End-to-end test of Orderboard's desktop app.
//
// Runs the real `orderboard` binary (under Xvfb, started by
// scripts/test-desktop.sh) and drives its real WebKit windows through
// tauri-driver and WebKitWebDriver: an order is created in the dispatcher
// window, a customer window is opened the way the UI opens it
// (`window.open('/board')`, which the desktop shell turns into a window
// labelled `customer-<n>`), the order is advanced, and the customer window
// must show each change live. Screenshots of both windows go to
// target/desktop-artifacts/. The app gets a temporary data folder
// (XDG_DATA_HOME) and a free port (ORDERBOARD_PORT): it never touches a real
// database.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, createWriteStream, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session, waitFor } from './webdriver.mjs';
import { freePort, startAppDirectly as startApp } from './app-process.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const targetDir = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(root, 'target');
const appBinary = process.env.ORDERBOARD_DESKTOP_BIN || join(targetDir, 'debug', 'orderboard');
const artifacts = process.env.ORDERBOARD_DESKTOP_ARTIFACTS || join(root, 'target', 'desktop-artifacts');
const identifier = JSON.parse(readFileSync(join(root, 'tauri.conf.json'), 'utf8')).identifier;

let driver;
let driverLog = '';
let session;
let dataHome;
let appPort;
let dispatcherHandle;
let customerHandle;
let orderNumber;

async function screenshot(name) {
  const png = Buffer.from(await session.screenshot(), 'base64');
  writeFileSync(join(artifacts, name), png);
  return png;
}

async function inDispatcher() {
  await session.switchTo(dispatcherHandle);
}

async function inCustomer() {
  await session.switchTo(customerHandle);
}

// Calls a Tauri command from the page in the current window; resolves to
// {ok, value} or {ok: false, refusal}, never throws.
function invokeFromPage(command, args = {}) {
  return session.executeAsync(
    `const [command, args, done] = arguments;
     const ipc = window.__TAURI_INTERNALS__;
     if (!ipc) { done({ ok: false, refusal: 'no Tauri IPC in this page' }); return; }
     ipc.invoke(command, args).then(
       (value) => done({ ok: true, value }),
       (refusal) => done({ ok: false, refusal: String(refusal && refusal.message || refusal) }));`,
    [command, args],
  );
}

before(async () => {
  assert.ok(existsSync(appBinary), `the desktop binary ${appBinary} is missing: run cargo build -p orderboard`);
  mkdirSync(artifacts, { recursive: true });
  dataHome = mkdtempSync(join(tmpdir(), 'orderboard-desktop-e2e-'));
  appPort = await freePort();
  const driverPort = await freePort();
  const nativePort = await freePort();
  driver = spawn('tauri-driver', ['--port', String(driverPort), '--native-port', String(nativePort)], {
    env: { ...process.env, XDG_DATA_HOME: dataHome, ORDERBOARD_PORT: String(appPort), RUST_LOG: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(artifacts, 'app-and-driver.log'));
  for (const stream of [driver.stdout, driver.stderr]) {
    stream.on('data', (chunk) => {
      driverLog += chunk;
      log.write(chunk);
    });
  }
  const base = `http://127.0.0.1:${driverPort}`;
  await waitFor('tauri-driver', async () => (await fetch(`${base}/status`)).ok, { timeoutMs: 20000 });
  session = await Session.create(base, { 'tauri:options': { application: appBinary } });
  dispatcherHandle = await session.windowHandle();
});

after(async () => {
  if (session) await session.end().catch(() => {});
  if (driver) driver.kill('SIGTERM');
  if (dataHome) rmSync(dataHome, { recursive: true, force: true });
});

test('the app starts its server on the requested port and its database in the app data folder', async () => {
  const health = await waitFor('the embedded server', async () => {
    const r = await fetch(`http://127.0.0.1:${appPort}/api/health`);
    return r.ok && r.json();
  });
  assert.equal(health.status, 'ok');
  assert.ok(existsSync(join(dataHome, identifier, 'orderboard.db')), 'the database is in $XDG_DATA_HOME/<identifier>/');
  const url = await session.url();
  assert.equal(url, `http://127.0.0.1:${appPort}/`, 'the dispatcher window shows the embedded server');
});

test('an order created in the dispatcher window appears there', async () => {
  await session.waitForOne('[data-testid="new-order-form"]', 60000);
  const item = await session.waitForOne('[data-testid="new-order-form"] .item-name-input');
  await session.type(item, 'Falafel wrap');
  const customer = (await session.find('[data-testid="new-order-form"] input[type="text"]:not(.item-name-input)'))[0];
  if (customer) await session.type(customer, 'Ada');
  await session.click(await session.waitForOne('[data-testid="new-order-form"] button[type="submit"]'));
  const card = await session.waitForOne('[data-testid="order-card"][data-stage="received"]');
  orderNumber = await session.attribute(card, 'data-number');
  assert.match(orderNumber, /^\d+$/);
  await session.click(await session.waitForOne(`[data-testid="order-card"][data-number="${orderNumber}"] [data-action="advance"]`));
  await session.waitForOne(`[data-testid="order-card"][data-number="${orderNumber}"][data-stage="preparing"]`);
});

// WebKit lets a page open windows only from a user gesture, as the UI's own
// button does; so the test adds a button that calls window.open('/board') and
// clicks it through WebDriver (a real click, hence a real gesture).
async function clickButtonThatOpens(path) {
  const id = `e2e-open-${path.replace(/[^a-z0-9]/gi, '-')}`;
  await session.execute(
    `const [path, id] = arguments;
     const button = document.createElement('button');
     button.id = id;
     button.textContent = 'open ' + path;
     button.style.cssText = 'position:fixed;right:8px;bottom:8px;z-index:99999';
     button.addEventListener('click', () => { window.open(path); button.remove(); });
     document.body.appendChild(button);`,
    [path, id],
  );
  await session.click(await session.waitForOne(`#${id}`));
}

test('window.open("/board") in the dispatcher opens a customer window', async () => {
  await clickButtonThatOpens('/board');
  const handles = await waitFor('a second window', async () => {
    const all = await session.windowHandles();
    return all.length >= 2 && all;
  }, { timeoutMs: 15000 });
  customerHandle = handles.find((h) => h !== dispatcherHandle);
  await inCustomer();
  await waitFor('the board page', async () => (await session.url()).endsWith('/board'));
  await session.waitForOne(`[data-testid="board-preparing"] [data-testid="board-tile"][data-number="${orderNumber}"]`, 30000);
  await screenshot('customer-window-preparing.png');
});

test('advancing the order in the dispatcher shows live in the customer window', async () => {
  await inDispatcher();
  await session.click(await session.waitForOne(`[data-testid="order-card"][data-number="${orderNumber}"] [data-action="advance"]`));
  await session.waitForOne(`[data-testid="order-card"][data-number="${orderNumber}"][data-stage="ready"]`);
  await screenshot('dispatcher-window.png');
  await inCustomer();
  // No reload: the board must follow over its open SSE stream.
  await session.waitForOne(`[data-testid="board-ready"] [data-testid="board-tile"][data-number="${orderNumber}"]`, 15000);
  await screenshot('customer-window.png');
});

// Every window of the app is one WebKit profile, which keeps a few HTTP/1.1
// connections per host: the pages share one live connection per stream
// (frontend/live-worker.js), so any number of windows stay live.
const CUSTOMER_WINDOWS = 10;

test('ten customer windows and the dispatcher share one connection per stream, all live through a change', async (t) => {
  await inDispatcher();
  const sharing = await session.execute(
    'return typeof SharedWorker === "function" ? "SharedWorker" : (navigator.locks && typeof BroadcastChannel === "function" ? "leader window" : "none");');
  t.diagnostic(`the windows share their streams through: ${sharing}`);
  for (let n = (await session.windowHandles()).length - 1; n < CUSTOMER_WINDOWS; n++) {
    await clickButtonThatOpens('/board');
    await waitFor(`customer window ${n + 1}`, async () => (await session.windowHandles()).length >= n + 2, { timeoutMs: 15000 });
  }
  const customers = (await session.windowHandles()).filter((h) => h !== dispatcherHandle);
  assert.equal(customers.length, CUSTOMER_WINDOWS);
  for (const handle of customers) {
    await session.switchTo(handle);
    await session.waitForOne('[data-testid="connection"].conn-live', 30000);
  }
  const h = await waitFor('one board and one staff stream', async () => {
    const now = await health();
    return now.open_streams.board === 1 && now.open_streams.staff === 1 && now;
  }, { timeoutMs: 15000 });
  assert.equal(h.open_streams.total, 2, `open streams with ${CUSTOMER_WINDOWS} customer windows (${sharing}): ${JSON.stringify(h.open_streams)}`);

  const order = await createOrder(appPort, 'Katherine');
  await inDispatcher();
  await session.waitForOne(`[data-testid="order-card"][data-number="${order.number}"]`, 15000);
  await session.click(await session.waitForOne(`[data-testid="order-card"][data-number="${order.number}"] [data-action="advance"]`));
  for (const handle of customers) {
    await session.switchTo(handle);
    await session.waitForOne(`[data-testid="board-preparing"] [data-testid="board-tile"][data-number="${order.number}"]`, 15000);
  }
  await screenshot('customer-window-ten.png');
  // The extra windows close; the first customer window stays for the tests below.
  for (const handle of customers.filter((c) => c !== customerHandle)) {
    await session.switchTo(handle);
    await session.closeWindow();
  }
  await inCustomer();
  await session.waitForOne('[data-testid="connection"].conn-live', 15000);
});

// WebKitGTK's own limit of connections per host, as the README states it:
// a page opens EventSources of its own until the server stops seeing new ones.
test('WebKitGTK keeps at most six connections per host', async () => {
  await inDispatcher();
  const before = (await health()).open_streams.board;
  await session.execute(
    'window.__probes = Array.from({ length: 12 }, (_, i) => new EventSource(`/api/board/events?probe=${i}`));');
  await sleep(3000);
  const open = (await health()).open_streams.board - before;
  await session.execute('for (const s of window.__probes) s.close(); delete window.__probes;');
  // The profile's shared board and staff streams hold two of the six.
  assert.equal(open, 4, `probe streams that opened beside the shared ones: ${open}`);
  await waitFor('the probes to close', async () => (await health()).open_streams.board === before, { timeoutMs: 15000 });
});

test('customer windows cannot call any Tauri command; the dispatcher can call its own', async () => {
  await inDispatcher();
  const fromDispatcher = await invokeFromPage('network_info');
  assert.equal(fromDispatcher.ok, true, `dispatcher: ${fromDispatcher.refusal}`);
  assert.equal(fromDispatcher.value.restaurant_network, false, 'the network setting is off by default');

  await inCustomer();
  for (const command of ['network_info', 'open_customer_display', 'list_monitors', 'plugin:window|close', 'plugin:event|emit']) {
    const fromCustomer = await invokeFromPage(command);
    assert.equal(fromCustomer.ok, false, `a customer window could call ${command}`);
    assert.match(fromCustomer.refusal, /not allowed|not found/, `${command}: ${fromCustomer.refusal}`);
  }
});

// After the listener moved, an open customer window must follow changes
// live over one board stream that stays connected: it reconnects to the new
// listener by itself (EventSource), then parks in the board fan-out. (Once,
// stopping a listener closed the shared feed, so the fan-out was gone: board
// streams ended each time they parked, reconnected, and caught up from the
// event log, over and over.)

async function health() {
  const response = await fetch(`http://127.0.0.1:${appPort}/api/health`);
  assert.equal(response.status, 200, 'GET /api/health');
  return response.json();
}

const sleep = (ms) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

// Called once the change made after the move has reached the customer
// window: its board stream is open, one shared by the customer windows, and over two
// seconds it neither closes nor reads from the event log again (a stream that
// keeps reconnecting does both); the window's badge says it is live.
async function assertBoardStreamStaysConnected(when) {
  const customerWindows = Math.min((await session.windowHandles()).length - 1, 1);
  const first = await waitFor(`${when}: ${customerWindows} open board stream(s) in /api/health`, async () => {
    const h = await health();
    if (h.open_streams.board !== customerWindows) {
      throw new Error(`open_streams.board is ${h.open_streams.board}, log_catch_ups ${h.log_catch_ups}`);
    }
    return h;
  }, { timeoutMs: 15000 });
  const samples = [first];
  const windowEnds = Date.now() + 2000;
  while (Date.now() < windowEnds) {
    await sleep(250);
    samples.push(await health());
  }
  const last = samples[samples.length - 1];
  assert.equal(last.log_catch_ups, first.log_catch_ups,
    `${when}: log_catch_ups rose from ${first.log_catch_ups} to ${last.log_catch_ups} in 2 s: the board stream keeps reconnecting`);
  assert.deepEqual(samples.map((h) => h.open_streams.board), samples.map(() => customerWindows),
    `${when}: open board streams over 2 s`);
  await inCustomer();
  const badge = await session.waitForOne('[data-testid="connection"]');
  assert.match(await session.attribute(badge, 'class'), /\bconn-live\b/, `${when}: the customer window's connection badge`);
}

// From the page in the current window: an HTTP call to the embedded server,
// resolving to {status, body}.
function fetchFromPage(method, path, body) {
  return session.executeAsync(
    `const [method, path, body, done] = arguments;
     fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === null ? undefined : JSON.stringify(body) })
       .then(async (r) => done({ status: r.status, body: await r.text() }), (e) => done({ status: 0, body: String(e) }));`,
    [method, path, body ?? null],
  );
}

let afterMoveNumber;

test('the restaurant-network setting is saved and moves the listener to every interface, same port; the customer window follows a new order live', async () => {
  await inDispatcher();
  const on = await invokeFromPage('set_restaurant_network', { enabled: true });
  assert.equal(on.ok, true, on.refusal);
  assert.equal(on.value.restaurant_network, true);
  assert.equal(on.value.port, appPort);
  const saved = JSON.parse(readFileSync(join(dataHome, identifier, 'desktop-settings.json'), 'utf8'));
  assert.equal(saved.restaurant_network, true);
  if (on.value.board_url) assert.match(on.value.board_qr_svg, /^<svg/);
  assert.ok((await fetch(`http://127.0.0.1:${appPort}/api/health`)).ok, 'still served on 127.0.0.1');

  // A new order, made after the move, from the dispatcher's page: the
  // customer window can only show it if its stream reconnected to the new
  // listener (the tiles it showed before prove nothing, they stay).
  const created = await fetchFromPage('POST', '/api/orders',
    { customer: 'Barbara', channel: 'pickup', items: [{ name: 'Lentil soup', qty: 1 }] });
  assert.equal(created.status, 201, created.body);
  afterMoveNumber = String(JSON.parse(created.body).number);
  await session.waitForOne(`[data-testid="order-card"][data-number="${afterMoveNumber}"][data-stage="received"]`, 15000);
  await inCustomer();
  await session.waitForOne(`[data-testid="board-preparing"] [data-testid="board-tile"][data-number="${afterMoveNumber}"]`, 15000);
  await assertBoardStreamStaysConnected('restaurant network on');
  await screenshot('customer-window-after-network-on.png');
});

test('turning the restaurant-network setting off moves the listener back; the customer window follows the order live', async () => {
  await inDispatcher();
  const off = await invokeFromPage('set_restaurant_network', { enabled: false });
  assert.equal(off.ok, true, off.refusal);
  assert.equal(off.value.restaurant_network, false);
  assert.equal(off.value.port, appPort);
  assert.equal(off.value.board_url, null);
  const saved = JSON.parse(readFileSync(join(dataHome, identifier, 'desktop-settings.json'), 'utf8'));
  assert.equal(saved.restaurant_network, false);

  // The order made before this move is advanced to ready in the dispatcher
  // window, after the move.
  await inDispatcher();
  for (const stage of ['preparing', 'ready']) {
    await session.click(await session.waitForOne(`[data-testid="order-card"][data-number="${afterMoveNumber}"] [data-action="advance"]`, 15000));
    await session.waitForOne(`[data-testid="order-card"][data-number="${afterMoveNumber}"][data-stage="${stage}"]`, 15000);
  }
  await inCustomer();
  await session.waitForOne(`[data-testid="board-ready"] [data-testid="board-tile"][data-number="${afterMoveNumber}"]`, 15000);
  // Reconnecting twice kept what the board showed before.
  assert.equal((await session.find(`[data-testid="board-ready"] [data-testid="board-tile"][data-number="${orderNumber}"]`)).length, 1);
  await assertBoardStreamStaysConnected('restaurant network off');
  await screenshot('customer-window-after-network-off.png');
});

test('with a staff passphrase set, the dispatcher window signs itself in without typing', async () => {
  // Customer windows cannot get a sign-in ticket.
  await inCustomer();
  const fromCustomer = await invokeFromPage('desktop_ticket');
  assert.equal(fromCustomer.ok, false, 'a customer window got a desktop ticket');

  await inDispatcher();
  const set = await fetchFromPage('PUT', '/api/session/passphrase', { passphrase: 'desk 2468' });
  assert.equal(set.status, 204, set.body);
  // Sign out, so the window holds no session, then load the page afresh.
  assert.equal((await fetchFromPage('DELETE', '/api/session')).status, 204);
  assert.equal((await fetch(`http://127.0.0.1:${appPort}/api/orders`)).status, 401, 'staff requests now need a session');
  // The script's page goes away as it runs: a WebDriver error here is expected.
  await session.execute('location.reload()').catch(() => {});
  await waitFor('the dispatcher window to sign itself in', async () => {
    const status = await fetchFromPage('GET', '/api/session');
    return status.status === 200 && JSON.parse(status.body).signed_in === true;
  }, { timeoutMs: 20000 });
  await session.waitForOne('[data-testid="card"], .column', 15000);
  const dialogs = await session.execute(`return document.querySelectorAll('[aria-labelledby="sign-in-title"]').length`);
  assert.equal(dialogs, 0, 'no sign-in dialog was shown');
  await screenshot('dispatcher-signed-in-by-ticket');
});

test('ending the WebDriver session ends the app', async () => {
  await session.end();
  session = undefined;
  await waitFor('the embedded server to stop', async () => {
    try {
      await fetch(`http://127.0.0.1:${appPort}/api/health`);
      return false;
    } catch {
      return true;
    }
  }, { timeoutMs: 15000 });
});

// WebKitWebDriver kills the app outright when a session ends, so quitting
// and crashing are checked on the binary started directly (same Xvfb display,
// fresh data folder and port): SIGTERM must quit cleanly (server stopped and
// awaited, database closed, exit code 0), and after SIGKILL every change the
// server acknowledged must still be there on the next start.

async function createOrder(port, customer) {
  const response = await fetch(`http://127.0.0.1:${port}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customer, channel: 'pickup', items: [{ name: 'Mint tea', qty: 1 }] }),
  });
  assert.equal(response.status, 201, 'the order is acknowledged');
  return response.json();
}

async function activeCustomers(port) {
  const response = await fetch(`http://127.0.0.1:${port}/api/orders`);
  const body = await response.json();
  const orders = Array.isArray(body) ? body : body.orders;
  return orders.map((o) => o.customer);
}

test('SIGTERM quits cleanly, and a crash (SIGKILL) loses no acknowledged change', async () => {
  const home = mkdtempSync(join(tmpdir(), 'orderboard-desktop-quit-'));
  const port = await freePort();
  try {
    const first = await startApp(appBinary, home, port);
    await createOrder(port, 'Grace');
    first.child.kill('SIGTERM');
    const quit = await first.exited;
    writeFileSync(join(artifacts, 'quit-by-sigterm.log'), first.output());
    assert.equal(quit.code, 0, `exit code after SIGTERM (signal ${quit.signal})`);
    assert.match(first.output(), /embedded server stopped and database closed/);

    const second = await startApp(appBinary, home, port);
    assert.ok((await activeCustomers(port)).includes('Grace'), 'the order made before quitting is there');
    await createOrder(port, 'Linus');
    second.child.kill('SIGKILL');
    await second.exited;

    const third = await startApp(appBinary, home, port);
    const customers = await activeCustomers(port);
    assert.ok(customers.includes('Grace') && customers.includes('Linus'), `after a crash: ${customers}`);
    third.child.kill('SIGTERM');
    assert.equal((await third.exited).code, 0);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
