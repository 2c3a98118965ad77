// A small W3C WebDriver client over fetch: just the calls Orderboard's
// desktop test makes, so the test needs no npm packages at all.

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class WebDriverError extends Error {}

export async function waitFor(what, check, { timeoutMs = 20000, intervalMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async create(base, capabilities) {
    const value = await call(base, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } });
    return new Session(base, value.sessionId);
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  url() { return this.cmd('GET', '/url'); }
  title() { return this.cmd('GET', '/title'); }
  windowHandle() { return this.cmd('GET', '/window'); }
  windowHandles() { return this.cmd('GET', '/window/handles'); }
  switchTo(handle) { return this.cmd('POST', '/window', { handle }); }
  closeWindow() { return this.cmd('DELETE', '/window'); }
  screenshot() { return this.cmd('GET', '/screenshot'); }
  execute(script, args = []) { return this.cmd('POST', '/execute/sync', { script, args }); }
  executeAsync(script, args = []) { return this.cmd('POST', '/execute/async', { script, args }); }
  end() { return this.cmd('DELETE', ''); }

  async find(css) {
    const found = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return found.map((e) => e[ELEMENT]);
  }

  async waitForOne(css, timeoutMs) {
    return waitFor(css, async () => (await this.find(css))[0], { timeoutMs });
  }

  click(element) { return this.cmd('POST', `/element/${element}/click`, {}); }
  type(element, text) { return this.cmd('POST', `/element/${element}/value`, { text }); }
  attribute(element, name) { return this.cmd('GET', `/element/${element}/attribute/${name}`); }
}

async function call(base, method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  }
  if (!response.ok || (json.value && json.value.error)) {
    const v = json.value || {};
    throw new WebDriverError(`${method} ${path}: ${v.error || response.status}: ${v.message || text.slice(0, 300)}`);
  }
  return json.value;
}
