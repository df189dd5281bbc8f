// The self-service machine's change (改签) screen, against the change API's contract:
//   GET  /api/v1/tickets/{number}/change-quote?run_id=   → {fee, charge, refund, rule, …}
//   POST /api/v1/tickets/{number}/change + Idempotency-Key {run_id, channel?, payment_method?}
//        → {old_ticket_number, status: "changed", ticket: {ticket_number, …}, fee, charge, refund, rule, change_number}
// The first test also checks that an error of the quote would be shown in words.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startNode, launchBrowser } from "./harness.mjs";
import { residentId, call, staffToken, runsOf, sell } from "./demo_api.mjs";
import { kioskPage, findByIdCard } from "./kiosk_steps.mjs";

let node;
let chrome;
let clerk;
let pair;  // two open runs of one route and vehicle class leaving the demo station tomorrow
before(async () => {
  node = await startNode();
  chrome = await launchBrowser();
  clerk = await staffToken(node, "clerk");
  const byRoute = new Map();
  for (const run of await runsOf(node, clerk, 1)) {
    const key = `${run.route_code} ${run.vehicle_class}`;  // a change keeps both
    byRoute.set(key, [...(byRoute.get(key) || []), run]);
  }
  pair = [...byRoute.values()].find((runs) => runs.length >= 2);
  assert.ok(pair, "a route with two runs of one vehicle class tomorrow");
});
after(async () => { await chrome?.close(); await node?.stop(); });

// Sells a ticket on the route's first run and opens the machine's change screen at its runs.
async function changeScreen(serial) {
  const id = residentId("19820202", serial);
  const [sold] = await sell(node, clerk, pair[0], [{ name: "冯十二", id_number: id }]);
  const page = await kioskPage(chrome, node);
  await findByIdCard(page, "change", id);
  await page.click(`#ticket-list [data-ticket="${sold.ticket_number}"] button.pick`);
  await page.waitForSelector("#app[data-screen=runs] #runs[data-loaded]");
  return { page, sold };
}

test("change: the other runs of the route are listed; choosing one shows a quote or the error", async () => {
  const { page } = await changeScreen(21);
  const runIds = await page.$$eval("#runs button.run", (bs) => bs.map((b) => b.dataset.run));
  assert.ok(runIds.includes(pair[1].run_id), "the route's other run is offered");
  assert.ok(!runIds.includes(pair[0].run_id), "not the ticket's own run");
  await page.click(`#runs button.run[data-run="${pair[1].run_id}"]`);
  await page.waitForFunction(() => document.getElementById("app").dataset.screen === "change-quote" ||
    document.getElementById("error").textContent.length > 0);
  if (await page.getAttribute("#app", "data-screen") !== "change-quote") {
    assert.match(await page.textContent("#error"), /^无法改签：\S/, "the API's error, in words");
  }
  await page.close();
});

test("change: quote, confirm, and the new ticket's QR", async () => {
  const { page, sold } = await changeScreen(22);
  await page.click(`#runs button.run[data-run="${pair[1].run_id}"]`);
  await page.waitForFunction(() => document.getElementById("app").dataset.screen === "change-quote" ||
    document.getElementById("error").textContent.length > 0);
  assert.equal(await page.getAttribute("#app", "data-screen"), "change-quote", `quote: ${await page.textContent("#error")}`);
  const quote = (await call(node, clerk, "GET", `/tickets/${sold.ticket_number}/change-quote?run_id=${pair[1].run_id}`)).body;
  const yuan = (fen) => `¥${((fen ?? 0) / 100).toFixed(2)}`;
  assert.equal(await page.textContent("#change-quote .fee"), yuan(quote.fee));
  assert.equal(await page.textContent("#change-quote .charge"), yuan(quote.charge));
  assert.equal(await page.textContent("#change-quote .rule"), quote.rule);
  await page.click("#change-confirm");
  await page.waitForSelector("#app[data-screen=change-done] #changed-ticket[data-state=ready]");
  const number = await page.textContent("#changed-ticket .ticket-number");
  assert.match(number, /^\d{19}[\dX]$/);
  assert.notEqual(number, sold.ticket_number);
  assert.ok(await page.$eval("#changed-ticket img.qr", (img) => img.naturalWidth > 0), "the new QR loaded");
  const old = (await call(node, clerk, "GET", `/tickets/${sold.ticket_number}`)).body;
  assert.equal(old.status, "changed");
  const fresh = (await call(node, clerk, "GET", `/tickets/${number}`)).body;
  assert.equal(fresh.run_id, pair[1].run_id);
  await page.close();
});
