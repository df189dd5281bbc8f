// After-sale on the passenger's mobile page (手机购票), at a phone's viewport against a real demo
// node: a ticket bought and paid on the page is refunded (the quote first, the money back through
// the sandbox provider) or changed (改签) to another run of its route; a change that costs more
// is paid in the sandbox wallet like an order. The API's state is checked after each step.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startNode, launchBrowser } from "./harness.mjs";
import { residentId, call, staffToken, runsOf } from "./demo_api.mjs";

const PHONE = { width: 390, height: 844 };
const yuan = (fen) => `¥${(fen / 100).toFixed(2)}`;
const literally = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

let node;
let chrome;
let pair;  // two open runs of one route and vehicle class leaving the demo station tomorrow
before(async () => {
  node = await startNode();
  chrome = await launchBrowser();
  pair = await sameRoutePair(node);
});
after(async () => { await chrome?.close(); await node?.stop(); });

async function sameRoutePair(someNode) {
  const clerk = await staffToken(someNode, "clerk");
  const byRoute = new Map();
  for (const run of await runsOf(someNode, clerk, 1)) {
    const key = `${run.route_code} ${run.vehicle_class}`;  // a change keeps both
    byRoute.set(key, [...(byRoute.get(key) || []), run]);
  }
  const runs = [...byRoute.values()].find((list) => list.length >= 2);
  assert.ok(runs, "a route with two runs of one vehicle class tomorrow");
  return runs;
}

const fitsThePhone = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
const shot = (page, name) => page.screenshot({ path: process.env.SCREENSHOT_DIR ? `${process.env.SCREENSHOT_DIR}/${name}.png` : "/dev/null", fullPage: true }).catch(() => {});
const textOf = async (page, selector) => (await page.textContent(selector)).trim();

// Buys one adult ticket on `run` (its origin to its last stop) on the page, pays it in the
// sandbox wallet and waits for the QR voucher. Resolves to the page and the ticket number.
async function buyOnThePage(someNode, run, passenger) {
  const page = await chrome.newPage();
  await page.setViewportSize(PHONE);
  await page.goto(someNode.url + "/mobile");
  await page.waitForSelector("#search-form[data-ready=true]");
  await page.fill("#search-form input[name=from]", run.from);
  await page.fill("#search-form input[name=to]", run.to);
  await page.click("#day-chips button[data-days='1']");
  await page.click("#search-form button[type=submit]");
  await page.waitForSelector("#runs[data-loaded]");
  await page.click(`#runs button.run[data-run="${run.run_id}"]`);
  await page.waitForSelector("#app[data-step=passengers]");
  const card = '#passengers [data-passenger="0"]';
  await page.fill(`${card} input[name=name]`, passenger.name);
  await page.selectOption(`${card} select[name=id_type]`, "resident_id");
  await page.fill(`${card} input[name=id_number]`, passenger.id_number);
  await page.click("#submit-order");
  await page.waitForSelector("#app[data-step=pay]");
  await page.click("#pay");
  await page.waitForSelector("#wallet[data-state=pending]");
  await page.click("#approve");
  await page.waitForSelector("#tickets[data-state=ready]", { timeout: 25000 });
  const number = await textOf(page, "#tickets .ticket-number");
  assert.match(number, /^\d{19}[\dX]$/);
  return { page, number };
}

const ticketOf = async (someNode, number) => (await call(someNode, null, "GET", `/tickets/${number}`)).body;

test("refund: the quote is shown, the money comes back through the provider, the ticket shows refunded", async () => {
  const { page, number } = await buyOnThePage(node, pair[0], { name: "赵退", id_number: residentId("19860606", 31) });
  const bought = await ticketOf(node, number);
  assert.equal(bought.channel, "mobile");
  const quote = (await call(node, null, "GET", `/tickets/${number}/refund-quote?channel=mobile&order_id=${bought.order_id}`)).body;
  assert.ok(quote.fee > 0 && quote.refunded > 0, `tomorrow: a 10 % fee and the rest back (${JSON.stringify(quote)})`);

  const card = `#tickets [data-ticket="${number}"]`;
  assert.equal(await page.getAttribute(card, "data-status"), "issued");
  await page.click(`${card} button.refund-action`);
  await page.waitForSelector("#app[data-step=refund] #refund-panel[data-state=quote]");
  assert.equal(await textOf(page, "#refund-quote .fare"), yuan(quote.fare));
  assert.equal(await textOf(page, "#refund-quote .fee"), yuan(quote.fee));
  assert.equal(await textOf(page, "#refund-quote .refunded"), yuan(quote.refunded));
  assert.equal(await textOf(page, "#refund-quote .rule"), quote.rule);
  assert.equal((await ticketOf(node, number)).status, "issued", "a quote changes nothing");
  assert.ok(await fitsThePhone(page), "the quote fits the phone's width");
  await shot(page, "mobile-refund-quote");

  await page.click("#refund-confirm");
  await page.waitForSelector("#refund-panel[data-state=done] #refund-result:not([hidden])");
  assert.equal(await textOf(page, "#refund-result .refunded"), yuan(quote.refunded));
  assert.equal(await textOf(page, "#refund-result .money-back"), "原路退回支付账户");
  // The sandbox provider confirms the refund a moment later; the page follows it to "done".
  await page.waitForSelector("#refund-result[data-state=done]", { timeout: 25000 });
  assert.equal(await textOf(page, "#refund-result .refund-status"), "已完成");
  await shot(page, "mobile-refund-done");
  assert.equal(await textOf(page, "#refund-status-hint"), `${yuan(quote.refunded)} 已退回。`);
  assert.equal((await ticketOf(node, number)).status, "refunded");
  const revoked = await call(node, await staffToken(node, "gate"), "GET", "/revocations?since=0");
  assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
  assert.ok(JSON.stringify(revoked.body.items).includes(number), "the voucher is revoked");

  await page.click("#refund-back");
  await page.waitForSelector(`#app[data-step=done] ${card}[data-status=refunded]`);
  assert.equal(await textOf(page, `${card} .status`), "已退票");
  assert.equal(await page.$(`${card} img.qr`), null, "no QR code for a void ticket");
  assert.equal(await page.$(`${card} button.refund-action`), null, "a refunded ticket offers no refund");
  assert.equal(await textOf(page, `${card} .refund-line`), `已退 ${yuan(quote.refunded)}：原路退回支付账户，已完成`);
  await shot(page, "mobile-refunded-ticket");
  await page.click("#lang");
  assert.equal(await textOf(page, `${card} .status`), "refunded");
  assert.match(await textOf(page, `${card} .refund-line`), /back: to the payment account it came from, done$/);
  await page.click("#lang");
  await page.close();
});

test("change: the route's other runs, the quote, and the new ticket's QR; the old one shows changed", async () => {
  const { page, number } = await buyOnThePage(node, pair[0], { name: "钱改", id_number: residentId("19860606", 32) });
  const oldOrderId = (await ticketOf(node, number)).order_id;
  await page.click(`#tickets [data-ticket="${number}"] button.change-action`);
  await page.waitForSelector("#app[data-step=change] #change-runs[data-loaded]");
  const offered = await page.$$eval("#change-runs button.run", (bs) => bs.map((b) => b.dataset.run));
  assert.ok(offered.includes(pair[1].run_id), "the route's other run is offered");
  assert.ok(!offered.includes(pair[0].run_id), "not the ticket's own run");
  assert.match(await textOf(page, "#change-runs-count"), new RegExp(`其他班次 ${offered.length} 个`));

  await page.click(`#change-runs button.run[data-run="${pair[1].run_id}"]`);
  await page.waitForFunction(() => ["quote", "error"].includes(document.getElementById("change-panel").dataset.state));
  assert.equal(await page.getAttribute("#change-panel", "data-state"), "quote", `quote: ${await textOf(page, "#change-error")}`);
  const quote = (await call(node, null, "GET",
    `/tickets/${number}/change-quote?run_id=${pair[1].run_id}&channel=mobile&order_id=${oldOrderId}`)).body;
  assert.equal(quote.charge, 0, "the first change is free and the fare the same");
  assert.equal(await textOf(page, "#change-quote .fee"), yuan(quote.fee));
  assert.equal(await textOf(page, "#change-quote .charge"), yuan(quote.charge));
  assert.equal(await textOf(page, "#change-quote .refund"), yuan(quote.refund));
  assert.equal(await textOf(page, "#change-quote .rule"), quote.rule);
  assert.ok(await page.isHidden("#change-pay-hint"), "nothing to pay");
  assert.ok(await fitsThePhone(page), "the quote fits the phone's width");
  await shot(page, "mobile-change-quote");

  await page.click("#change-confirm");
  await page.waitForSelector("#app[data-step=done] #after-sale-notice[data-kind=changed]");
  await page.waitForSelector("#tickets[data-state=ready]");
  const fresh = await textOf(page, "#tickets .ticket-number");
  assert.match(fresh, /^\d{19}[\dX]$/);
  assert.notEqual(fresh, number);
  assert.equal(await textOf(page, "#done-title"), "改签成功");
  assert.match(await textOf(page, "#after-sale-notice"), new RegExp(`${literally(number)} 已作废.*${literally(fresh)} 已生效`));
  assert.equal(await textOf(page, "#tickets .run-id"), pair[1].run_id);
  const qr = await page.$eval("#tickets img.qr", (img) => ({ src: img.src, width: img.naturalWidth }));
  assert.equal(qr.src, `${node.url}/api/v1/tickets/${fresh}/voucher.svg`);
  assert.ok(qr.width > 0, "the new QR loaded");
  await shot(page, "mobile-changed");

  const old = await ticketOf(node, number);
  assert.equal(old.status, "changed");
  const now = await ticketOf(node, fresh);
  assert.equal(now.status, "issued");
  assert.equal(now.run_id, pair[1].run_id);
  assert.equal(now.changed_from, number);
  // The page goes on with the new order: it is the one to re-open, and its ticket has actions.
  assert.equal(await page.evaluate(() => localStorage.getItem("keyun.mobile.order")), now.order_id);
  assert.notEqual(now.order_id, oldOrderId);
  assert.ok(await page.isVisible(`#tickets [data-ticket="${fresh}"] button.refund-action`));

  // The old order still shows the old ticket, void.
  await page.evaluate((id) => localStorage.setItem("keyun.mobile.order", id), oldOrderId);
  await page.reload();
  await page.waitForSelector("#search-form[data-ready=true]");
  await page.click("#resume-order");
  await page.waitForSelector(`#tickets [data-ticket="${number}"][data-status=changed]`);
  assert.equal(await page.$(`#tickets [data-ticket="${number}"] img.qr`), null);
  await page.close();
});

test("change: a ticket refunded meanwhile (another phone) is refused in words; the runs stay listed", async () => {
  const { page, number } = await buyOnThePage(node, pair[0], { name: "孙拒", id_number: residentId("19860606", 33) });
  const orderId = (await ticketOf(node, number)).order_id;
  await page.click(`#tickets [data-ticket="${number}"] button.change-action`);
  await page.waitForSelector("#change-runs[data-loaded]");
  // Meanwhile the ticket is refunded (another phone with the same order): the quote says so.
  const refunded = await call(node, null, "POST", `/tickets/${number}/refund`, { channel: "mobile", order_id: orderId },
    { "Idempotency-Key": `test-${number}` });
  assert.equal(refunded.status, 200, JSON.stringify(refunded.body));
  await page.click(`#change-runs button.run[data-run="${pair[1].run_id}"]`);
  await page.waitForSelector("#change-panel[data-state=error]");
  assert.match(await textOf(page, "#change-error"), /^无法改签：.*refunded/);
  assert.ok(await page.isVisible("#change-runs"), "the runs stay listed");
  await page.click("#change-back");
  await page.waitForSelector(`#tickets [data-ticket="${number}"][data-status=refunded]`);
  await page.close();
});
