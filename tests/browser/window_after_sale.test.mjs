// The station window's after-sale desk (售票窗口 → 退改签 / 报销凭证, F6) in a real browser against
// a real demo node: a clerk refunds a ticket for a delayed run without fee (the quote changes
// with the cause) and prints its refund receipt; prints a passenger's reimbursement ticket found
// by ID, is refused a second print, and reprints it (重打) with the station manager's password
// after a wrong one; changes a ticket to another run of its route and sees the old one changed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startNode, launchBrowser, pdfTextOf, clerkWindowPage } from "./harness.mjs";
import { residentId, call, staffToken, runsOf, sell } from "./demo_api.mjs";

let node;
let chrome;
let clerk;
let tomorrow;
before(async () => {
  node = await startNode();
  chrome = await launchBrowser();
  clerk = await staffToken(node, "clerk");
  tomorrow = await runsOf(node, clerk, 1);
  assert.ok(tomorrow.length >= 3, "the demo station has runs tomorrow");
});
after(async () => { await chrome?.close(); await node?.stop(); });

// The window page, logged in as the demo clerk, on the after-sale desk (F6).
async function deskPage() {
  const page = await clerkWindowPage(chrome, node);
  await page.keyboard.press("F6");
  await page.waitForSelector("#app[data-state=after-sale] #as-find-form");
  return page;
}

async function find(page, query, count) {
  await page.fill("#as-find-form input[name=query]", query);
  await page.click("#as-find-form button[type=submit]");
  await page.waitForSelector(`#as-tickets[data-loaded='${count}']`, { timeout: 15000 }).catch(async (e) => {
    throw new Error(`${e.message}; query ${JSON.stringify(query)}; error shown: ${await page.textContent("#as-error")}`);
  });
}

test("refund: the quote follows the cause, a delayed run refunds without fee, then the refund receipt", async () => {
  const [sold] = await sell(node, clerk, tomorrow[0], [{ name: "钱七", id_number: residentId("19750505", 21) }]);
  const page = await deskPage();
  await find(page, sold.ticket_number, 1);
  const row = `#as-tickets tr[data-ticket="${sold.ticket_number}"]`;
  await page.click(`${row} button.as-refund`);
  await page.waitForSelector("#as-refund-quote .fee");
  assert.notEqual(await page.textContent("#as-refund-quote .fee"), "¥0.00", "tomorrow, the passenger's cause: a fee");
  assert.equal(await page.textContent("#as-refund-quote .money-back"), "现金退还旅客");

  // The desk follows the language toggle, the quote included.
  await page.click("#lang");
  assert.equal(await page.textContent("#as-refund-quote dt"), "Fare paid");
  assert.equal(await page.textContent("#as-refund-confirm"), "Confirm refund");
  assert.equal(await page.textContent("#as-refund-quote .money-back"), "cash, to the passenger now");
  await page.click("#lang");
  assert.equal(await page.textContent("#as-refund-quote dt"), "实付票款");

  await page.selectOption("#as-refund-form select[name=cause]", "run_delayed");
  await page.waitForFunction(() => document.querySelector("#as-refund-quote .fee")?.textContent === "¥0.00");
  const fare = await page.textContent("#as-refund-quote .fare");
  assert.equal(await page.textContent("#as-refund-quote .refunded"), fare, "the whole fare back");
  await page.click("#as-refund-confirm");
  await page.waitForSelector("#as-refund-done[data-state=done]");
  assert.ok((await page.textContent("#as-refund-done")).includes(`退款 ${fare}`), "the amount refunded");
  await page.waitForSelector(`${row}[data-status=refunded]`);
  const ticket = (await call(node, clerk, "GET", `/tickets/${sold.ticket_number}`)).body;
  assert.equal(ticket.status, "refunded");

  // A refunded ticket's paper is the refund receipt (退票费收据).
  await page.click("#as-work button.as-close");
  await page.click(`${row} button.as-print`);
  await page.waitForSelector("#as-print-status[data-state=printed]");
  const text = await pdfTextOf(page, await page.getAttribute("#as-print-status a.pdf", "href"));
  assert.ok(text.includes(sold.ticket_number), "the ticket number");
  assert.ok(text.includes("退票费收据"), `a refund receipt:\n${text}`);
  await page.close();
});

test("reimbursement ticket by ID: printed once, refused again, reprinted (重打) with the manager's password", async () => {
  const id = residentId("19860606", 22);
  const [sold] = await sell(node, clerk, tomorrow[1], [{ name: "孙八", id_number: id }]);
  const page = await deskPage();
  await find(page, id, 1);
  const row = `#as-tickets tr[data-ticket="${sold.ticket_number}"]`;
  await page.click(`${row} button.as-print`);
  await page.waitForSelector("#as-print-status[data-state=printed]");
  assert.match(await page.textContent("#as-print-status"), /已打印第 1 次/);
  const first = await pdfTextOf(page, await page.getAttribute("#as-print-status a.pdf", "href"));
  assert.ok(first.includes("报销凭证") && first.includes(sold.ticket_number), first);
  assert.match(await page.textContent(row), /报销凭证已打印 1 次/);

  await page.click("#as-work button.as-close");
  await page.click(`${row} button.as-print`);
  await page.waitForSelector("#as-print-status[data-state=refused]");
  assert.match(await page.textContent("#as-print-status"), /重打须经站务经理同意/);
  await page.fill("#as-reprint input[name=username]", "manager");
  await page.fill("#as-reprint input[name=password]", "not-the-password");
  await page.click("#as-reprint button[type=submit]");
  await page.waitForFunction(() => document.getElementById("as-error").textContent.length > 0);
  assert.equal(await page.getAttribute("#as-print-status", "data-state"), "refused");
  await page.fill("#as-reprint input[name=password]", "keyun-demo");
  await page.click("#as-reprint button[type=submit]");
  await page.waitForSelector("#as-print-status[data-state=reprinted]");
  assert.match(await page.textContent("#as-print-status"), /已重打（第 2 次，经 manager 同意）/);
  const again = await pdfTextOf(page, await page.getAttribute("#as-print-status a.pdf", "href"));
  assert.ok(again.includes("重打"), `marked 重打:\n${again}`);
  await page.close();
});

// A run of tomorrow whose route has another run of its vehicle class that day: one to change to.
async function runWithASibling() {
  for (const run of tomorrow) {
    const offers = (await call(node, clerk, "GET", `/runs?from=${run.from}&to=${run.to}&date=${run.departs_at.slice(0, 10)}&channel=window`)).body.items;
    const own = offers.find((r) => r.run_id === run.run_id);
    if (own && offers.some((r) => r.run_id !== run.run_id && r.route_code === own.route_code &&
                          r.vehicle_class === own.vehicle_class && r.seats_left > 0)) return run;
  }
  return null;
}

test("change: to another run of the route, the old ticket changed and the new one listed", async () => {
  const run = await runWithASibling();
  assert.ok(run, "the demo station has a route with two runs of one class tomorrow");
  const [sold] = await sell(node, clerk, run, [{ name: "李九", id_number: residentId("19900909", 23) }]);
  const page = await deskPage();
  await find(page, sold.ticket_number, 1);
  await page.click(`#as-tickets tr[data-ticket="${sold.ticket_number}"] button.as-change`);
  await page.waitForSelector("#as-runs[data-loaded]");
  assert.ok(Number(await page.getAttribute("#as-runs", "data-loaded")) > 0, "another run is offered");
  const target = await page.getAttribute("#as-runs tr[data-run]", "data-run");
  assert.notEqual(target, sold.run_id, "its own run is not offered");
  await page.click("#as-runs button.choose");
  await page.waitForSelector("#as-change-quote .rule");
  assert.equal(await page.textContent("#as-change-quote .fee"), "¥0.00", "the first change is free");
  await page.selectOption("#as-change-form select[name=payment_method]", "card");
  await page.click("#as-change-confirm");
  await page.waitForSelector("#as-change-done[data-state=done]");
  await page.waitForSelector(`#as-tickets tr[data-ticket="${sold.ticket_number}"][data-status=changed]`);
  const old = (await call(node, clerk, "GET", `/tickets/${sold.ticket_number}`)).body;
  assert.equal(old.status, "changed");
  const fresh = (await page.textContent("#as-change-done")).match(/\d{19}[\dX]/)[0];
  const moved = (await call(node, clerk, "GET", `/tickets/${fresh}`)).body;
  assert.equal(moved.run_id, target);
  assert.equal(moved.changed_from, sold.ticket_number);
  await page.waitForSelector(`#as-tickets tr[data-ticket="${fresh}"][data-status=issued]`);
  await page.close();
});
