// The desktop app as installed from its .deb (scripts/test-desktop-package.sh
// installs it, then runs this under Xvfb): the command its desktop entry
// starts (ORDERBOARD_INSTALLED_APP, resolved on the PATH), driven through
// tauri-driver and WebKitWebDriver like the app built from source.
//
// - The dispatcher window opens on the embedded server, shows the
//   dispatcher, and is saved as installed-app-dispatcher.png in the
//   artifacts.
// - The server answers with the workspace's version, and the database is
//   created in the user's data folder (XDG_DATA_HOME/<identifier>/).
// - SIGTERM (a logout, a shutdown) quits cleanly: exit code 0, the server
//   stopped and the database closed, the order made before still there.
//
// ORDERBOARD_INSTALLED_DATA_HOME is the data folder of that last start,
// which the script checks again after `dpkg -r`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync, rmSync, openSync, closeSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session, waitFor } from './webdriver.mjs';
import { freePort, startAppDirectly } from './app-process.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const app = process.env.ORDERBOARD_INSTALLED_APP;
const keptHome = process.env.ORDERBOARD_INSTALLED_DATA_HOME;
const version = process.env.ORDERBOARD_VERSION;
const artifacts = process.env.ORDERBOARD_DESKTOP_ARTIFACTS || join(root, 'target', 'desktop-artifacts');
const identifier = JSON.parse(readFileSync(join(root, 'tauri.conf.json'), 'utf8')).identifier;

let driver;
let driverLog;
let session;
let dataHome;
let appPort;

before(async () => {
  assert.ok(app && existsSync(app), `the installed app (${app}) is missing`);
  assert.ok(keptHome && version, 'ORDERBOARD_INSTALLED_DATA_HOME and ORDERBOARD_VERSION are set by scripts/test-desktop-package.sh');
  dataHome = mkdtempSync(join(tmpdir(), 'orderboard-installed-'));
  appPort = await freePort();
  const driverPort = await freePort();
  const nativePort = await freePort();
  // The driver's and the app's output go straight to a file: no pipe that
  // an app outliving its driver would hold open.
  driverLog = openSync(join(artifacts, 'installed-app-and-driver.log'), 'w');
  driver = spawn('tauri-driver', ['--port', String(driverPort), '--native-port', String(nativePort)], {
    env: { ...process.env, XDG_DATA_HOME: dataHome, ORDERBOARD_PORT: String(appPort), RUST_LOG: 'info' },
    stdio: ['ignore', driverLog, driverLog],
  });
  const base = `http://127.0.0.1:${driverPort}`;
  await waitFor('tauri-driver', async () => (await fetch(`${base}/status`)).ok, { timeoutMs: 20000 });
  session = await Session.create(base, { 'tauri:options': { application: app } });
});

// The app the driver started, should it outlive the session: the installed
// binary running on this test's data folder, and nothing else.
function appsOnDataFolder() {
  const pids = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readlinkSync(`/proc/${pid}/exe`) !== app) continue;
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (environ.includes(`XDG_DATA_HOME=${dataHome}`)) pids.push(Number(pid));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

after(async () => {
  if (session) await session.end().catch(() => {});
  if (driver) driver.kill('SIGTERM');
  if (dataHome) {
    for (const pid of appsOnDataFolder()) process.kill(pid, 'SIGKILL');
    rmSync(dataHome, { recursive: true, force: true });
  }
  if (driverLog !== undefined) closeSync(driverLog);
});

test('the installed app opens the dispatcher window on its embedded server', async () => {
  await waitFor('the dispatcher page', async () => (await session.url()) === `http://127.0.0.1:${appPort}/`);
  await session.waitForOne('[data-testid="new-order-form"]', 60000);
  // The page names itself once its UI runs (the window starts as "Orderboard").
  await waitFor('the dispatcher title', async () => (await session.title()) === 'Dispatcher · Orderboard');
  // The page is live (its staff stream open, its orders loaded) before the
  // picture is taken.
  await session.waitForOne('[data-testid="connection"].conn-live', 30000);
  const state = await session.execute(
    `return { badge: document.querySelector('[data-testid="connection"]').textContent.trim(),
              loading: document.body.textContent.includes('Loading orders') };`);
  assert.deepEqual(state, { badge: 'Live', loading: false }, 'the dispatcher is live with its orders loaded');
  // Two animation frames: WebKit has painted what the page shows.
  await session.executeAsync('const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));');
  writeFileSync(join(artifacts, 'installed-app-dispatcher.png'), Buffer.from(await session.screenshot(), 'base64'));
});

test('the installed app serves its version and keeps its database in the user data folder', async () => {
  const health = await (await fetch(`http://127.0.0.1:${appPort}/api/health`)).json();
  assert.equal(health.status, 'ok');
  assert.equal(health.version, version, 'the server embedded in the app reports the workspace version');
  assert.ok(existsSync(join(dataHome, identifier, 'orderboard.db')), `the database is in $XDG_DATA_HOME/${identifier}/`);
});

test('the installed app quits cleanly on SIGTERM and keeps its orders', async () => {
  const port = await freePort();
  const first = await startAppDirectly(app, keptHome, port);
  const created = await fetch(`http://127.0.0.1:${port}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customer: 'Installed', channel: 'pickup', items: [{ name: 'Mint tea', qty: 1 }] }),
  });
  assert.equal(created.status, 201);
  first.child.kill('SIGTERM');
  const quit = await first.exited;
  writeFileSync(join(artifacts, 'installed-app-quit.log'), first.output());
  assert.equal(quit.code, 0, `exit code after SIGTERM (signal ${quit.signal})`);
  assert.match(first.output(), /embedded server stopped and database closed/);
  assert.ok(existsSync(join(keptHome, identifier, 'orderboard.db')));
});
