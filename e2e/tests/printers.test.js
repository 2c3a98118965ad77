// Kitchen printers: staff add a printer in the dispatcher's settings; a
// fake network printer (raw TCP on loopback, reading ESC/POS) prints the
// test ticket and the printer shows online; switched off, the dispatcher's
// top bar says it is offline; back on, the waiting ticket prints, and
// Reprint on an order's card prints it again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { WAIT, scratch, startServer, launchBrowser, openPage, waitLive, createOrder, card } from "../lib/harness.js";

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

// The text lines of one ESC/POS ticket: ESC @, text, GS ! sizes, GS V cut.
function decode(bytes) {
  assert.deepEqual([...bytes.subarray(0, 2)], [0x1b, 0x40], "a ticket starts with ESC @");
  const lines = [];
  let line = "";
  for (let i = 2; i < bytes.length; ) {
    const b = bytes[i];
    if ((b === 0x1d || b === 0x1b) && bytes[i + 1] === 0x21) i += 3;
    else if (b === 0x1d && bytes[i + 1] === 0x56) {
      assert.equal(i + (bytes[i + 2] >= 65 ? 4 : 3), bytes.length, "the cut ends the ticket");
      return lines;
    } else if (b === 0x0a) { lines.push(line); line = ""; i += 1; }
    else { assert.ok(b >= 0x20 && b < 0x7f, `printable: ${b}`); line += String.fromCharCode(b); i += 1; }
  }
  assert.fail("a ticket without its cut");
}

// A network printer on `port` (0: any): each connection is one ticket.
function fakePrinter(port, tickets) {
  const sockets = new Set();
  const srv = net.createServer((socket) => {
    sockets.add(socket);
    const chunks = [];
    socket.on("data", (c) => chunks.push(c));
    socket.on("end", () => { tickets.push(decode(Buffer.concat(chunks))); socket.end(); });
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve) => srv.listen(port, "127.0.0.1", () => resolve({
    port: srv.address().port,
    stop: () => new Promise((done) => { for (const s of sockets) s.destroy(); srv.close(done); }),
  })));
}

async function until(what, check) {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > WAIT) assert.fail(`waited too long for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("a printer is added, prints a test ticket, shows offline when off, and reprints", async () => {
  const tickets = [];
  let printer = await fakePrinter(0, tickets);
  const port = printer.port;
  const page = await openPage(browser, `${server.url}/`);
  await waitLive(page);
  await page.getByRole("button", { name: "Settings" }).click();
  const settings = page.getByRole("dialog", { name: "Settings" });
  await settings.waitFor({ timeout: WAIT });
  const panel = settings.getByTestId("printers");

  // A bad address is refused in plain words, and nothing is added.
  await panel.getByTestId("printer-name").fill("Grill");
  await panel.getByTestId("printer-address").fill("http://printer");
  await panel.getByTestId("add-printer").click();
  await panel.getByRole("alert").getByText("printer's address").waitFor({ timeout: WAIT });
  assert.equal(await panel.getByTestId("printer").count(), 0);

  await panel.getByTestId("printer-address").fill(`127.0.0.1:${port}`);
  await panel.getByTestId("add-printer").click();
  const row = panel.getByTestId("printer");
  await row.getByText("Grill").waitFor({ timeout: WAIT });
  await row.getByTestId("test-printer").click();
  await until("the test ticket", () => tickets.length === 1);
  assert.ok(tickets[0].includes("Orderboard printer Grill"), JSON.stringify(tickets[0]));
  await panel.locator("[data-testid=printer][data-state=online]").waitFor({ timeout: WAIT });
  await page.getByRole("button", { name: "Close" }).click();

  // Off: an order's ticket waits, and the top bar says so.
  await printer.stop();
  const order = await createOrder(server.url, { customer: "Ada", channel: "pickup", items: [{ name: "Falafel wrap", qty: 2 }] });
  const notice = page.getByTestId("printers-offline-notice");
  await notice.getByText("Printer Grill is offline").waitFor({ timeout: WAIT });

  // Back on: the waiting ticket prints, the notice goes; Reprint prints again.
  printer = await fakePrinter(port, tickets);
  await until("the waiting ticket", () => tickets.length === 2);
  assert.ok(tickets[1].includes(`#${order.number}`) && tickets[1].includes("2 x Falafel wrap"), JSON.stringify(tickets[1]));
  await notice.waitFor({ state: "detached", timeout: WAIT });
  await card(page, order.number).getByRole("button", { name: `Reprint order ${order.number}` }).click();
  await page.getByText("Reprint queued").waitFor({ timeout: WAIT });
  await until("the reprint", () => tickets.length === 3);
  assert.equal(tickets[2][0], "REPRINT");
  assert.ok(tickets[2].includes(`#${order.number}`));
  await printer.stop();
  await page.close();
});
