// First run: the staff passphrase is set from the dispatcher's settings on
// this computer; from then on a new page must sign in, and the passphrase
// holds after the server restarts (only its hash is stored).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { WAIT, scratch, startServer, launchBrowser, openPage, waitLive, api } from "../lib/harness.js";

const PASSPHRASE = "4321";
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

test("the first staff passphrase is set in the settings and kept across a restart", async () => {
  const base = server.url;
  assert.equal((await api(base, "GET", "/api/orders")).status, 200, "no passphrase yet: loopback may");

  const page = await openPage(browser, `${base}/`);
  await waitLive(page);
  await page.getByRole("button", { name: "Settings" }).click();
  const settings = page.getByRole("dialog", { name: "Settings" });
  await settings.waitFor({ timeout: WAIT });
  await settings.getByText("Not set").waitFor({ timeout: WAIT });
  await settings.getByLabel("New passphrase").fill(PASSPHRASE);
  await settings.getByRole("button", { name: "Set passphrase" }).click();
  await settings.getByText("Staff passphrase saved").waitFor({ timeout: WAIT });

  // This browser was signed in by setting it; a request without the cookie is refused.
  assert.equal((await api(base, "GET", "/api/orders")).status, 401);
  const session = await page.evaluate(async () => (await fetch("/api/session")).json());
  assert.deepEqual(session, { sign_in_required: true, signed_in: true });

  // After a restart on the same file, a new browser must sign in with it.
  await server.stop();
  server = await startServer({ db: dir.db });
  // openPage gives each page its own browser context: no cookie carried over.
  const other = await openPage(browser, `${server.url}/`);
  const dialog = other.getByRole("dialog", { name: "Staff sign-in" });
  await dialog.waitFor({ timeout: WAIT });
  await dialog.getByLabel("Passphrase").fill(PASSPHRASE);
  await dialog.getByRole("button", { name: "Sign in" }).click();
  await waitLive(other);
  await other.close();
});
