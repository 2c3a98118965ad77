// The desktop app as a process of its own, for the desktop tests: a free
// loopback port, and the app started directly (not through tauri-driver,
// which kills it outright when its session ends), so that quitting can be
// checked. Each start gets its own data folder (XDG_DATA_HOME) and port
// (ORDERBOARD_PORT): a test never touches a real database.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { waitFor } from './webdriver.mjs';

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

// Starts `binary` and waits until its embedded server answers.
export async function startAppDirectly(binary, home, port) {
  const child = spawn(binary, [], {
    env: { ...process.env, XDG_DATA_HOME: home, ORDERBOARD_PORT: String(port), RUST_LOG: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (c) => { output += c; });
  const exited = new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })));
  await waitFor('the directly started app', async () => (await fetch(`http://127.0.0.1:${port}/api/health`)).ok, { timeoutMs: 30000 });
  return { child, exited, output: () => output };
}
