// Integrations: staff make an API key in the dispatcher's settings, see it
// once (with a copy button), and revoke it; the key works over HTTP until
// then. An order made with an external reference shows it on its card.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { WAIT, scratch, startServer, launchBrowser, openPage, waitLive, api, card } from "../lib/harness.js";

let dir, server, browser;

before(async () => {
  dir = scratch();
  server = await startServer({ db: dir.db });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  dir?.cleanup();
});

async function withKey(key, method, pathname, body) {
  const res = await fetch(server.url + pathname, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.text() };
}

test("a key is made and shown once in the settings, works, and is revoked", async () => {
  const page = await openPage(browser, `${server.url}/`);
  await waitLive(page);
  await page.getByRole("button", { name: "Settings" }).click();
  const settings = page.getByRole("dialog", { name: "Settings" });
  await settings.waitFor({ timeout: WAIT });
  const keys = settings.getByTestId("api-keys");
  await keys.getByLabel("Name").fill("Till 1");
  await keys.getByTestId("create-api-key").click();
  const secret = keys.getByTestId("api-key-secret");
  await secret.waitFor({ timeout: WAIT });
  const key = (await secret.textContent()).trim();
  assert.match(key, /^obk_[A-Za-z0-9_-]{43}$/);
  await keys.getByTestId("copy-api-key").waitFor({ timeout: WAIT });
  await keys.getByTestId("api-key-list").getByText("Till 1").waitFor({ timeout: WAIT });

  // The key makes an order with an external reference; the card shows it.
  const made = await withKey(key, "POST", "/api/orders", {
    customer: "Ada", channel: "pickup", items: [{ name: "Tea", qty: 1 }],
    external_ref: { source: "till-1", id: "A-1043" },
  });
  assert.equal(made.status, 201, made.body);
  const order = JSON.parse(made.body);
  await page.getByRole("button", { name: "Done" }).click();
  await page.getByRole("button", { name: "Close" }).click();
  await card(page, order.number).getByTestId("external-ref").getByText("till-1:A-1043").waitFor({ timeout: WAIT });

  // Once dismissed, the secret is gone from the page; the list never had it.
  await page.getByRole("button", { name: "Settings" }).click();
  await settings.waitFor({ timeout: WAIT });
  await keys.getByTestId("api-key-list").getByText("Till 1").waitFor({ timeout: WAIT });
  assert.equal(await keys.getByTestId("api-key-secret").count(), 0);
  assert.ok(!(await page.content()).includes(key));
  await keys.getByTestId("revoke-api-key").click();
  await keys.getByTestId("api-key-list").getByText("Till 1").waitFor({ state: "detached", timeout: WAIT });
  assert.equal((await withKey(key, "GET", "/api/orders")).status, 401);
  assert.deepEqual((await api(server.url, "GET", "/api/keys")).body, []);
  await page.close();
});
