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
// A second node whose province charges for the first change (a policy file): there a change
// costs the fee, online, and `dearPair` are its two runs.
let dear;
let dearPair;
let policyDir;
before(async () => {
  policyDir = mkdtempSync(path.join(tmpdir(), "keyun-policy-"));
  const policy = path.join(policyDir, "after-sale.toml");
  writeFileSync(policy, "[change]\nfree_changes = 0\n");
  [node, dear, chrome] = await Promise.all([startNode(), startNode(["--after-sale-policy", policy]), launchBrowser()]);
  pair = await sameRoutePair(node);
  dearPair = await sameRoutePair(dear);
});
after(async () => {
  await chrome?.close();
  await node?.stop();
  await dear?.stop();
  if (policyDir) rmSync(policyDir, { recursive: true, force: true });
});

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

// A ticket as staff of the demo station read it (a stranger reads nothing).
const clerks = new Map();
async function ticketOf(someNode, number) {
  if (!clerks.has(someNode)) clerks.set(someNode, await staffToken(someNode, "clerk"));
  return (await call(someNode, clerks.get(someNode), "GET", `/tickets/${number}`)).body;
}

// The phone's proof of holding `orderId`: the access token the page kept from the order's answer.
async function phoneProof(page, orderId) {
  const tokens = JSON.parse(await page.evaluate(() => localStorage.getItem("keyun.holder")) || "{}");
  assert.match(tokens[orderId] || "", /^[0-9a-f]{32}$/, `the phone keeps the access token of ${orderId}`);
  return tokens[orderId];
}

// An order as the phone that holds it reads it (its access token in X-Access-Token).
async function orderAsPhone(someNode, page, orderId) {
  return (await call(someNode, null, "GET", `/orders/${orderId}`, undefined,
    { "X-Access-Token": await phoneProof(page, orderId) })).body;
}

test("refund: the quote is shown, the money comes back through the provider, the ticket shows refunded", async () => {
  const { page, number } = await buyOnThePage(node, pair[0], { name: "赵退", id_number: residentId("19860606", 31) });
  const bought = await ticketOf(node, number);
  assert.equal(bought.channel, "mobile");
  const quote = (await call(node, null, "GET", `/tickets/${number}/refund-quote?channel=mobile&access_token=${await phoneProof(page, bought.order_id)}`)).body;
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
    `/tickets/${number}/change-quote?run_id=${pair[1].run_id}&channel=mobile&access_token=${await phoneProof(page, oldOrderId)}`)).body;
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
  assert.equal(qr.src, `${node.url}/api/v1/tickets/${fresh}/voucher.svg?access_token=${await phoneProof(page, (await ticketOf(node, fresh)).order_id)}`,
    "the new QR is read with the new order's proof, which the change's answer gave the phone");
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
  const refunded = await call(node, null, "POST", `/tickets/${number}/refund`, { channel: "mobile", access_token: await phoneProof(page, orderId) },
    { "Idempotency-Key": `test-${number}` });
  assert.equal(refunded.status, 200, JSON.stringify(refunded.body));
  await page.click(`#change-runs button.run[data-run="${pair[1].run_id}"]`);
  await page.waitForSelector("#change-panel[data-state=error]");
  assert.match(await textOf(page, "#change-error"), /^无法改签：车票 \d{19}[\dX] 已退票，不能改签/);
  assert.ok(await page.isVisible("#change-runs"), "the runs stay listed");
  await page.click("#change-back");
  await page.waitForSelector(`#tickets [data-ticket="${number}"][data-status=refunded]`);
  await page.close();
});

// On the dear node: buys on its first run, opens the change to its second and confirms the
// quote (which costs the fee); resolves once the pay step shows the held new order.
async function changeThatCostsMore(serial, name) {
  const runs = dearPair;
  const { page, number } = await buyOnThePage(dear, runs[0], { name, id_number: residentId("19860606", serial) });
  const oldOrderId = (await ticketOf(dear, number)).order_id;
  const quote = (await call(dear, null, "GET",
    `/tickets/${number}/change-quote?run_id=${runs[1].run_id}&channel=mobile&access_token=${await phoneProof(page, oldOrderId)}`)).body;
  assert.ok(quote.fee > 0 && quote.charge === quote.new_fare - quote.old_fare + quote.fee, JSON.stringify(quote));

  await page.click(`#tickets [data-ticket="${number}"] button.change-action`);
  await page.waitForSelector("#change-runs[data-loaded]");
  await page.click(`#change-runs button.run[data-run="${runs[1].run_id}"]`);
  await page.waitForFunction(() => ["quote", "error"].includes(document.getElementById("change-panel").dataset.state));
  assert.equal(await page.getAttribute("#change-panel", "data-state"), "quote", `quote: ${await textOf(page, "#change-error")}`);
  assert.equal(await textOf(page, "#change-quote .fee"), yuan(quote.fee));
  assert.equal(await textOf(page, "#change-quote .charge"), yuan(quote.charge));
  assert.match(await textOf(page, "#change-pay-hint"), new RegExp(`需补差价 ${literally(yuan(quote.charge))}：确认后在沙箱钱包中支付`));

  await page.click("#change-confirm");
  await page.waitForSelector("#app[data-step=pay] #pay-panel[data-purpose=change]");
  const newOrderId = await textOf(page, "#order-id");
  assert.notEqual(newOrderId, oldOrderId);
  // The phone kept the new order's access token from the change's answer: it reads the order.
  assert.equal((await call(dear, null, "GET", `/orders/${newOrderId}`)).status, 401, "no order without a proof");
  const held = await orderAsPhone(dear, page, newOrderId);
  assert.equal(held.status, "held");
  assert.equal(held.run_id, runs[1].run_id);
  assert.equal(held.tickets[0].status, "held");
  assert.equal(held.tickets[0].changed_from, number);
  assert.equal(await textOf(page, "#pay-title"), "改签补差价");
  assert.equal(await textOf(page, "#amount"), (held.amount / 100).toFixed(2));
  assert.equal((await ticketOf(dear, number)).status, "issued", "unpaid, the old ticket stays valid");
  return { page, number, oldOrderId, newOrderId, held, quote };
}

test("a change that costs more: the held new order is paid in the sandbox wallet, then the change is done", async () => {
  const { page, number, newOrderId, held, quote } = await changeThatCostsMore(34, "李补");
  // The node takes the new fare in full and gives the old fare less the fee back: net, the charge.
  assert.equal(held.amount, quote.new_fare, "the new order is paid in full");
  assert.match(await textOf(page, "#pay-notice"),
    new RegExp(`净补差价 ${literally(yuan(quote.charge))}.*新票票款 ${literally(yuan(held.amount))}.*${literally(yuan(quote.old_fare - quote.fee))} 原路退回`));
  await shot(page, "mobile-change-pay");

  await page.click("#pay");
  await page.waitForSelector("#wallet[data-state=pending]");
  assert.equal(await textOf(page, "#wallet-amount"), (held.amount / 100).toFixed(2), "the wallet asks for the held order's amount");
  await page.click("#approve");
  await page.waitForSelector("#app[data-step=done] #after-sale-notice[data-kind=changed]", { timeout: 25000 });
  await page.waitForSelector("#tickets[data-state=ready]");
  const fresh = await textOf(page, "#tickets .ticket-number");
  assert.match(fresh, /^\d{19}[\dX]$/);
  assert.notEqual(fresh, number);
  assert.equal(await textOf(page, "#tickets .run-id"), dearPair[1].run_id);
  assert.ok(await page.$eval("#tickets img.qr", (img) => img.naturalWidth > 0), "the new QR loaded");
  assert.match(await textOf(page, "#after-sale-notice"),
    new RegExp(`已付新票 ${literally(yuan(held.amount))}；原票款扣除手续费的 ${literally(yuan(quote.old_fare - quote.fee))} 原路退回`));
  await shot(page, "mobile-change-paid");

  assert.equal((await ticketOf(dear, number)).status, "changed");
  const now = await ticketOf(dear, fresh);
  assert.equal(now.status, "issued");
  assert.equal(now.changed_from, number);
  assert.equal(now.order_id, newOrderId);
  assert.equal((await orderAsPhone(dear, page, newOrderId)).status, "issued");
  assert.equal(await page.evaluate(() => localStorage.getItem("keyun.mobile.order")), newOrderId);
  assert.equal(await page.evaluate(() => localStorage.getItem("keyun.mobile.change")), null, "no change left pending");
  await page.close();
});

test("a change that costs more, given up: the held order is cancelled and the old ticket stays valid", async () => {
  const { page, number, newOrderId } = await changeThatCostsMore(35, "周弃");
  assert.equal(await textOf(page, "#cancel-order"), "放弃改签");
  await page.click("#cancel-order");
  await page.waitForSelector(`#app[data-step=done] #tickets [data-ticket="${number}"][data-status=issued]`);
  assert.equal(await textOf(page, "#after-sale-notice"), "已放弃改签，原车票仍然有效。");
  assert.equal((await ticketOf(dear, number)).status, "issued");
  assert.equal((await orderAsPhone(dear, page, newOrderId)).status, "cancelled");
  await page.close();
});

test("a change that costs more, paid after the old ticket was refunded elsewhere: not changed, and the money goes back to the wallet", async () => {
  const { page, number, oldOrderId, newOrderId, held } = await changeThatCostsMore(36, "吴迟");
  await page.click("#pay");
  await page.waitForSelector("#wallet[data-state=pending]");
  const refunded = await call(dear, null, "POST", `/tickets/${number}/refund`, { channel: "mobile", access_token: await phoneProof(page, oldOrderId) },
    { "Idempotency-Key": `test-${number}` });
  assert.equal(refunded.status, 200, JSON.stringify(refunded.body));
  await page.click("#approve");
  await page.waitForFunction(() => document.getElementById("pay-error").textContent.length > 0, null, { timeout: 25000 });
  assert.match(await textOf(page, "#pay-error"),
    new RegExp(`^改签未完成：原车票在支付完成前已变为“已退票”。已支付的 ${literally(yuan(held.amount))} 将原路退回您的支付账户（订单号 ${newOrderId}）。$`));
  assert.equal((await orderAsPhone(dear, page, newOrderId)).status, "cancelled");

  assert.equal((await ticketOf(dear, number)).status, "refunded");
  await page.click("#pay-back");
  await page.waitForSelector(`#app[data-step=done] #tickets [data-ticket="${number}"][data-status=refunded]`);
  await page.close();
});

test("a change that costs more survives a reload: re-opening the order goes back to paying it", async () => {
  const { page, number, newOrderId } = await changeThatCostsMore(37, "郑续");
  await page.reload();
  await page.waitForSelector("#search-form[data-ready=true]");
  await page.click("#resume-order");
  await page.waitForSelector("#app[data-step=pay] #pay-panel[data-purpose=change]");
  assert.equal(await textOf(page, "#order-id"), newOrderId);
  await page.click("#pay");
  await page.waitForSelector("#wallet[data-state=pending]");
  await page.click("#approve");
  await page.waitForSelector("#app[data-step=done] #after-sale-notice[data-kind=changed]", { timeout: 25000 });
  assert.equal((await ticketOf(dear, number)).status, "changed");
  const fresh = await textOf(page, "#tickets .ticket-number");
  assert.equal((await ticketOf(dear, fresh)).changed_from, number);
  await page.close();
});
