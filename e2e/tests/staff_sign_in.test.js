// Staff sign-in in a real browser: with a staff passphrase set, the
// dispatcher's page asks for it, refuses a wrong one, and after the right
// one reloads signed in and goes live on the staff stream.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { WAIT, scratch, startServer, launchBrowser, openPage, waitLive, api } from "../lib/harness.js";

const PASSPHRASE = "pass the salt";
let dir, server, browser;

before(async () => {
  dir = scratch();
  process.env.ORDERBOARD_STAFF_PASSPHRASE = PASSPHRASE;
  try {
    server = await startServer({ db: dir.db });
  } finally {
    delete process.env.ORDERBOARD_STAFF_PASSPHRASE;
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  dir?.cleanup();
});

test("with a passphrase, the dispatcher signs in before it goes live", async () => {
  const base = server.url;
  // Staff requests without a session are refused, even from this computer.
  assert.equal((await api(base, "GET", "/api/orders")).status, 401);

  const page = await openPage(browser, `${base}/`);
  const dialog = page.getByRole("dialog", { name: "Staff sign-in" });
  await dialog.waitFor({ timeout: WAIT });

  await dialog.getByLabel("Passphrase").fill("not it");
  await dialog.getByRole("button", { name: "Sign in" }).click();
  await dialog.getByRole("alert").waitFor({ timeout: WAIT });

  await dialog.getByLabel("Passphrase").fill(PASSPHRASE);
  await dialog.getByRole("button", { name: "Sign in" }).click();
  await waitLive(page);
  await page.getByRole("dialog", { name: "Staff sign-in" }).waitFor({ state: "detached", timeout: WAIT });
  const session = await page.evaluate(async () => (await fetch("/api/session")).json());
  assert.deepEqual(session, { sign_in_required: true, signed_in: true });
  // The cookie is HttpOnly: the page's script cannot read it.
  assert.equal(await page.evaluate(() => document.cookie), "");
});

test("the workshop page is open to watch, and asks for sign-in when a comparison is started", async () => {
  const base = server.url;
  const page = await openPage(browser, `${base}/workshop`);
  await waitLive(page);
  // Watching needs no session: no dialog; the demo control only says why it cannot act.
  await page.getByTestId("demo-status").filter({ hasText: "Stopped" }).or(page.getByText("Sign in as staff to start or stop the demo driver.")).first().waitFor({ timeout: WAIT });
  assert.equal(await page.getByRole("dialog", { name: "Staff sign-in" }).count(), 0);

  await page.getByTestId("clients").fill("1");
  await page.getByTestId("duration-secs").fill("2");
  await page.getByTestId("start-comparison").click();
  const dialog = page.getByRole("dialog", { name: "Staff sign-in" });
  await dialog.waitFor({ timeout: WAIT });
  await page.getByTestId("workshop-error").waitFor({ timeout: WAIT });
  await dialog.getByLabel("Passphrase").fill(PASSPHRASE);
  await dialog.getByRole("button", { name: "Sign in" }).click();
  await waitLive(page);
  await page.getByRole("dialog", { name: "Staff sign-in" }).waitFor({ state: "detached", timeout: WAIT });

  // Signed in, the same start is accepted.
  await page.getByTestId("clients").fill("1");
  await page.getByTestId("duration-secs").fill("2");
  await page.getByTestId("start-comparison").click();
  await page.getByTestId("phase").filter({ hasText: /Starting|Running|Stopping|Finished/ }).waitFor({ timeout: WAIT });
  await page.getByTestId("phase").filter({ hasText: "Finished" }).waitFor({ timeout: 60_000 });
});
