// The self-service ticket machine (/kiosk, 自助售取票机) in a real browser against a real demo
// node: staff set the machine up; a passenger buys a ticket by card and gets its QR; collects a
// ticket by ID and prints the reimbursement ticket (报销凭证) once — the second print is refused;
// refunds with the quote's numbers shown; walks away and the machine forgets them; English; and
// every home-screen control is big enough for a finger.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startNode, launchBrowser, pdfTextOf } from "./harness.mjs";
import { STATION, residentId, call, staffToken, runsOf, sell } from "./demo_api.mjs";
import { kioskPage, padType, idle, findByIdCard } from "./kiosk_steps.mjs";

let node;
let chrome;
let clerk;
let tomorrow;  // open runs leaving the demo station tomorrow
before(async () => {
  node = await startNode();
  chrome = await launchBrowser();
  clerk = await staffToken(node, "clerk");
  tomorrow = await runsOf(node, clerk, 1);
  assert.ok(tomorrow.length >= 3, "the demo station has runs tomorrow");
});
after(async () => { await chrome?.close(); await node?.stop(); });

// The last stop of the first route leaving the demo station: tomorrow's runs go there.
async function destination() {
  const routes = (await call(node, null, "GET", `/routes?station=${STATION}`)).body;
  const route = routes.items.find((r) => r.stops[0].station_code === STATION);
  const last = route.stops[route.stops.length - 1];
  return { code: last.station_code, name: last.station_name };
}

const shot = (page, name) => process.env.SCREENSHOT_DIR
  ? page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/kiosk-${name}.png`, fullPage: true }).catch(() => {}) : null;

test("set-up: a clerk's account is refused (machines have their own); the kiosk account serves; home buttons are ≥ 64 px", async () => {
  const refused = await kioskPage(chrome, node, "", "clerk");
  await refused.waitForFunction(() => document.getElementById("error").textContent.length > 0);
  assert.match(await refused.textContent("#error"), /自助售取票机账号/);
  assert.equal(await refused.getAttribute("#app", "data-screen"), "setup");
  await refused.close();

  const page = await kioskPage(chrome, node);
  assert.match(await page.textContent("#station-name"), /济南长途汽车总站 · 自助售票机（演示）/);
  const who = await page.evaluate(() => JSON.parse(sessionStorage.getItem("keyun.token.who")));
  assert.equal(who.username, "kiosk");
  assert.equal(who.role, "kiosk");
  const boxes = await page.$$eval("button", (buttons) => buttons
    .filter((b) => b.offsetParent !== null)
    .map((b) => ({ id: b.id || b.textContent.trim(), height: b.getBoundingClientRect().height })));
  assert.ok(boxes.length >= 5, "four services and the language toggle");
  for (const box of boxes) assert.ok(box.height >= 64, `${box.id} is ${box.height} px tall`);
  await shot(page, "home");
  await page.close();
});

test("English toggle: the services and the find screen switch language, and back", async () => {
  const page = await kioskPage(chrome, node);
  assert.equal(await page.textContent("#go-buy b"), "购票");
  await page.click("#lang");
  assert.equal(await page.textContent("#go-buy b"), "Buy");
  assert.equal(await page.textContent("#go-refund b"), "Refund");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await page.click("#go-collect");
  assert.match(await page.textContent("#find-title"), /^Collect/);
  assert.equal(await page.textContent('#find-modes [data-mode="order"]'), "Order number");
  await page.click("#lang");  // the choice is remembered: back to Chinese for the other tests
  assert.match(await page.textContent("#find-title"), /^取票/);
  await page.close();
});

test("a passenger buys one ticket by card and gets its QR voucher", async () => {
  const to = await destination();
  const page = await kioskPage(chrome, node);
  await page.click("#go-buy");
  await shot(page, "destinations");
  await page.click(`#destinations button[data-code="${to.code}"]`);
  await page.waitForSelector("#app[data-screen=runs]");
  await idle(page);
  await page.click('#day-chips button[data-days="1"]');
  await page.waitForSelector("#runs[data-loaded]");
  assert.ok(Number(await page.getAttribute("#runs", "data-loaded")) > 0, `runs tomorrow to ${to.name}`);
  await page.click("#runs button.run:not([disabled])");
  await page.waitForSelector("#app[data-screen=passengers]");

  const id = residentId("19850505", 11);
  await page.fill('#passenger-list [data-passenger="0"] input[name=name]', "孙八");
  await page.click('#passenger-list [data-passenger="0"] input[name=id_number]');
  await padType(page, id);
  assert.equal(await page.inputValue('#passenger-list [data-passenger="0"] input[name=id_number]'), id);
  for (const height of await page.$$eval("#pad button", (bs) => bs.map((b) => b.getBoundingClientRect().height))) {
    assert.ok(height >= 64, `pad key ${height} px`);
  }
  await shot(page, "passengers");
  await page.click("#hold");
  await page.waitForSelector("#app[data-screen=pay]");
  assert.match(await page.textContent("#amount"), /^\d+\.\d\d$/);
  await page.click("#pay-card");
  await page.waitForSelector("#app[data-screen=issued] #issued[data-state=ready]");
  const numbers = await page.$$eval("#issued .ticket-number", (ps) => ps.map((p) => p.textContent));
  assert.equal(numbers.length, 1);
  assert.match(numbers[0], /^\d{19}[\dX]$/);
  assert.ok(await page.$eval("#issued img.qr", (img) => img.naturalWidth > 0), "the QR loaded");
  // The print link carries the order's access token: a link cannot send a session.
  const pdf = await page.getAttribute("#issued a.print", "href");
  assert.match(pdf, new RegExp(`^/api/v1/tickets/${numbers[0]}/voucher\\.pdf\\?access_token=[0-9a-f]{32}$`));
  assert.equal((await fetch(node.url + pdf)).status, 200);
  assert.equal((await fetch(node.url + pdf.replace(/\?.*$/, ""))).status, 401);
  const ticket = (await call(node, clerk, "GET", `/tickets/${numbers[0]}`)).body;
  assert.equal(ticket.channel, "kiosk");
  assert.equal(ticket.status, "issued");
  await shot(page, "issued");
  await page.close();
});

test("collect by ID: the reimbursement ticket prints once, a second print is refused", async () => {
  const run = tomorrow[0];
  const id = residentId("19790909", 12);
  const [sold] = await sell(node, clerk, run, [{ name: "赵六", id_number: id }]);
  const page = await kioskPage(chrome, node);
  await findByIdCard(page, "collect", id);
  const card = `#ticket-list [data-ticket="${sold.ticket_number}"]`;
  assert.match(await page.textContent(`${card} .stations`), new RegExp(`${run.from_name} → ${run.to_name}`));
  await page.click(`${card} button.reimburse`);
  await page.waitForSelector(`${card} .print-status[data-state=printed]`);

  // The PDF the page got (an object URL): the ticket number, the stations and 报销凭证.
  const href = await page.getAttribute(`${card} a.reimb-pdf`, "href");
  assert.match(href, /^blob:/);
  const text = await pdfTextOf(page, href);
  assert.ok(text.includes(sold.ticket_number), "the ticket number");
  assert.ok(text.includes("报销凭证"), "报销凭证");
  assert.ok(text.includes(run.from_name) && text.includes(run.to_name), `the stations in:\n${text}`);
  assert.ok(text.includes("自助机"), "printed by a self-service machine");

  // A second print: the API refuses, the page says so and sends the passenger to a window.
  await page.click(`${card} button.reimburse`);
  await page.waitForSelector(`${card} .print-status[data-state=refused]`);
  assert.match(await page.textContent("#error"), /只能打印一次.*窗口.*a reprint \(重打\) needs a station manager/);
  assert.match(await page.textContent(`${card} .print-status`), /只能打印一次/);
  assert.equal(await page.getAttribute(`${card} a.reimb-pdf`, "href"), href, "the first print's PDF stays");
  await shot(page, "reprint-refused");
  await page.close();
});

test("collect by order number: the receipt asks for the ID card first", async () => {
  const id = residentId("19810303", 15);
  const [sold] = await sell(node, clerk, tomorrow[0], [{ name: "陈十三", id_number: id }]);
  const orderId = sold.order_id;
  assert.match(orderId, /^O[0-9a-f]+$/);
  const page = await kioskPage(chrome, node);
  await page.click("#go-collect");
  await page.click('#find-modes [data-mode="order"]');
  assert.equal(await page.inputValue("#find-input"), "O");
  await padType(page, orderId.slice(1).toUpperCase());
  await page.click("#find-ok");
  await page.waitForSelector("#app[data-screen=tickets] #ticket-list[data-loaded='1']");
  const card = `#ticket-list [data-ticket="${sold.ticket_number}"]`;
  await page.click(`${card} button.reimburse`);
  await page.waitForSelector("#app[data-screen=find]");
  assert.match(await page.textContent("#find-title"), /购票时使用的身份证/);
  await padType(page, residentId("19810303", 16));  // someone else's ID: refused in words
  await page.click("#find-ok");
  await page.waitForSelector(`${card} .print-status[data-state=error]`);
  assert.match(await page.textContent("#error"), /^打印失败：该证件不是购买车票 \d{19}[\dX] 时使用的证件/);
  await page.click(`${card} button.reimburse`);
  await padType(page, id);
  await page.click("#find-ok");
  await page.waitForSelector(`${card} .print-status[data-state=printed]`);
  assert.match(await page.getAttribute(`${card} a.reimb-pdf`, "href"), /^blob:/);
  await page.close();
});

test("refund: the quote's fare, fee and refund are shown, then the refund", async () => {
  const run = tomorrow[1];
  const id = residentId("19880808", 13);
  const [sold] = await sell(node, clerk, run, [{ name: "周九", id_number: id }]);
  const quote = (await call(node, await staffToken(node, "kiosk"), "GET", `/tickets/${sold.ticket_number}/refund-quote`)).body;
  assert.ok(quote.fee > 0, "tomorrow: the 10 % fee");
  const yuan = (fen) => (fen / 100).toFixed(2);

  const page = await kioskPage(chrome, node);
  await findByIdCard(page, "refund", id);
  await page.click(`#ticket-list [data-ticket="${sold.ticket_number}"] button.pick`);
  await page.waitForSelector("#app[data-screen=refund-quote]");
  assert.equal(await page.textContent("#refund-quote .fare"), `¥${yuan(quote.fare)}`);
  assert.equal(await page.textContent("#refund-quote .fee"), `¥${yuan(quote.fee)}`);
  assert.equal(await page.textContent("#refund-quote .refunded"), `¥${yuan(quote.refunded)}`);
  assert.equal(await page.textContent("#refund-quote .rule"), quote.rule);
  await shot(page, "refund-quote");
  await page.click("#refund-confirm");
  await page.waitForSelector("#app[data-screen=refund-done]");
  assert.equal(await page.textContent("#refund-result .refunded"), `¥${yuan(quote.refunded)}`);
  assert.equal(await page.textContent("#refund-result .money-back"), "现金（请到售票窗口领取）");
  const ticket = (await call(node, clerk, "GET", `/tickets/${sold.ticket_number}`)).body;
  assert.equal(ticket.status, "refunded");
  await page.close();
});

test("refund asks for the holder's ID card: an order number finds tickets only to collect them", async () => {
  const id = residentId("19830404", 17);
  const [sold] = await sell(node, clerk, tomorrow[1], [{ name: "郑十四", id_number: id }]);
  const page = await kioskPage(chrome, node);
  await page.click("#go-collect");
  await page.waitForSelector("#app[data-screen=find]");
  assert.equal(await page.isVisible("#find-modes"), true, "collecting may go by order number");
  await page.goto(node.url + "/kiosk");
  await page.click("#go-refund");
  await page.waitForSelector("#app[data-screen=find]");
  assert.equal(await page.isVisible("#find-modes"), false, "a refund goes by ID card only");
  assert.equal(await page.isVisible('#find-modes [data-mode="order"]'), false);
  await page.close();

  // The node agrees: the kiosk's session with the order number but no card refunds nothing.
  const kiosk = await staffToken(node, "kiosk");
  const path = `/tickets/${sold.ticket_number}/refund`;
  const byOrder = await call(node, kiosk, "POST", path, { order_id: sold.order_id }, { "Idempotency-Key": "k-order" });
  assert.equal(byOrder.status, 400);
  assert.equal(byOrder.body.error.field, "order_id", "an order number is no proof of holding");
  const bare = await call(node, kiosk, "POST", path, { channel: "kiosk" }, { "Idempotency-Key": "k-bare" });
  assert.equal(bare.status, 400);
  assert.equal(bare.body.error.field, "id_number");
  assert.match(bare.body.error.message, /^在自助机上退票，请刷购票时使用的身份证/);
  const other = await call(node, kiosk, "POST", path, { id_number: residentId("19830404", 18) }, { "Idempotency-Key": "k-other" });
  assert.equal(other.status, 403);
  assert.equal((await call(node, clerk, "GET", `/tickets/${sold.ticket_number}`)).body.status, "issued");
});

// Nothing of the passenger anywhere in the DOM: markup, text and input values.
const leftOnScreen = (page) => page.evaluate(() => document.documentElement.outerHTML + "\n" +
  document.body.innerText + "\n" + Array.from(document.querySelectorAll("input")).map((i) => i.value).join("\n"));

test("idle timeout (?idle=3): back home with the passenger's name, ID and tickets gone", async () => {
  const id = residentId("19900101", 14);
  const [sold] = await sell(node, clerk, tomorrow[2], [{ name: "吴十", id_number: id }]);
  const page = await kioskPage(chrome, node, "?idle=3");

  // Halfway through a purchase: name and ID typed.
  await page.click("#go-buy");
  await page.click(`#destinations button[data-code="${(await destination()).code}"]`);
  await page.waitForSelector("#app[data-screen=runs]");
  await idle(page);
  await page.click('#day-chips button[data-days="1"]');
  await page.waitForSelector("#runs[data-loaded]");
  await page.click("#runs button.run:not([disabled])");
  await page.fill('#passenger-list [data-passenger="0"] input[name=name]', "郑十一");
  await padType(page, id);
  assert.ok((await leftOnScreen(page)).includes(id));
  await page.waitForSelector("#app[data-screen=home][data-idle-resets='1']", { timeout: 10000 });
  let left = await leftOnScreen(page);
  assert.ok(!left.includes("郑十一") && !left.includes(id), "name and ID number are gone");
  assert.match(await page.textContent("#notice"), /无操作/);

  // A ticket list found by ID.
  await findByIdCard(page, "collect", id);
  assert.ok((await leftOnScreen(page)).includes(sold.ticket_number));
  await page.waitForSelector("#app[data-screen=home][data-idle-resets='2']", { timeout: 10000 });
  left = await leftOnScreen(page);
  assert.ok(!left.includes(sold.ticket_number) && !left.includes(id) && !left.includes("吴*"), "the ticket list is gone");
  await page.close();
});
