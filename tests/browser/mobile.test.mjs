// The passenger's mobile page (手机购票) at a phone's viewport, in a real browser against a real
// demo node: search tomorrow's runs, buy an adult ticket, approve it in the sandbox wallet and
// see the QR voucher; a bad ID number is shown at its field.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startNode, launchBrowser } from "./harness.mjs";

let node;
let chrome;
before(async () => { node = await startNode(); chrome = await launchBrowser(); });
after(async () => { await chrome?.close(); await node?.stop(); });

const PHONE = { width: 390, height: 844 };
const FROM = { code: "370102001", name: "济南长途汽车总站" };

// A valid resident ID (GB 11643: 历下区, the birth date given, MOD 11-2 check character), one
// per `serial`: one ID holds one seat per run.
function residentId(birth, serial) {
  const body = "370102" + birth + String(100 + (serial % 900)).padStart(3, "0");
  const sum = [...body].reduce((s, digit, i) => s + Number(digit) * (2 ** (17 - i) % 11), 0);
  return body + "10X98765432"[sum % 11];
}

// The last stop of the first route leaving `station`: tomorrow's runs go there.
async function destinationFrom(station) {
  const routes = await (await fetch(`${node.url}/api/v1/routes?station=${station}`)).json();
  const route = routes.items.find((r) => r.stops[0].station_code === station);
  const last = route.stops[route.stops.length - 1];
  return { code: last.station_code, name: last.station_name };
}

const fitsThePhone = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

async function phonePage() {
  const page = await chrome.newPage();
  await page.setViewportSize(PHONE);
  await page.goto(node.url + "/mobile");
  await page.waitForSelector("#search-form[data-ready=true]");
  return page;
}

// Searches tomorrow's runs from FROM to `to` and opens the passenger form of the first one.
async function chooseFirstRun(page, to) {
  await page.fill("#search-form input[name=from]", FROM.name);
  await page.fill("#search-form input[name=to]", to.name);
  await page.click("#day-chips button[data-days='1']");
  await page.click("#search-form button[type=submit]");
  await page.waitForSelector("#runs[data-loaded]");
  assert.ok(Number(await page.getAttribute("#runs", "data-loaded")) > 0, `tomorrow has runs to ${to.name} on sale online`);
  assert.ok(await fitsThePhone(page), "the runs fit the phone's width");
  await page.click("#runs button.run >> nth=0");
  await page.waitForSelector("#app[data-step=passengers]");
}

async function fillPassenger(page, index, p) {
  const card = `#passengers [data-passenger="${index}"]`;
  await page.fill(`${card} input[name=name]`, p.name);
  await page.selectOption(`${card} select[name=id_type]`, "resident_id");
  await page.fill(`${card} input[name=id_number]`, p.id_number);
  await page.selectOption(`${card} select[name=fare_type]`, p.fare_type);
}

test("Chinese by default, and English switches the labels", async () => {
  const page = await phonePage();
  assert.equal(await page.textContent("#search-form [data-i18n=to]"), "到达站");
  await page.click("#lang");
  assert.equal(await page.textContent("#search-form [data-i18n=to]"), "To");
  assert.equal(await page.textContent("#search-form button[type=submit]"), "Search");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await page.click("#lang");  // the choice is remembered: back to Chinese for the other tests
  assert.equal(await page.textContent("#search-form [data-i18n=to]"), "到达站");
  await page.close();
});

test("a passenger buys a ticket, approves it in the sandbox wallet and gets the QR voucher", async () => {
  const to = await destinationFrom(FROM.code);
  const page = await phonePage();
  await chooseFirstRun(page, to);
  const runId = await page.getAttribute("#runs button.run >> nth=0", "data-run");

  await fillPassenger(page, 0, { name: "刘一", id_number: residentId("19850505", 11), fare_type: "adult" });
  await page.click("#submit-order");
  await page.waitForSelector("#app[data-step=pay]");
  const amount = await page.textContent("#amount");
  assert.match(amount, /^\d+\.\d\d$/);

  await page.click("#pay");
  await page.waitForSelector("#wallet[data-state=pending]");
  assert.ok(await page.isVisible("#wallet"), "the sandbox wallet panel shows");
  assert.equal(await page.textContent("#wallet h3"), "沙箱支付");
  assert.equal(await page.textContent("#wallet-amount"), amount, "the wallet asks for the order's amount");
  assert.match(await page.textContent("#payment-id"), /^P/);
  await page.screenshot({ path: process.env.SCREENSHOT_DIR ? `${process.env.SCREENSHOT_DIR}/mobile-wallet.png` : "/dev/null", fullPage: true }).catch(() => {});

  await page.click("#approve");
  // The provider's callback issues the ticket; the page polls until then and loads the QR.
  await page.waitForSelector("#tickets[data-state=ready]", { timeout: 25000 });
  const number = await page.textContent("#tickets .ticket-number");
  assert.match(number, /^\d{19}[\dX]$/, "a ticket number: 19 digits and its check character");
  assert.equal(await page.textContent("#tickets .run-id"), runId);
  assert.match(await page.textContent("#tickets .seat"), /^\d+$/);
  assert.match(await page.textContent("#tickets .departs"), /^\d{4}-\d\d-\d\d \d\d:\d\d$/);
  const qr = await page.$eval("#tickets img.qr", (img) => ({ src: img.src, width: img.naturalWidth, shown: img.getBoundingClientRect().width }));
  // The image carries the order's access token, which only this phone got (an <img> cannot
  // send a header); the ticket number alone opens nothing.
  const [, token] = qr.src.match(new RegExp(`^${node.url}/api/v1/tickets/${number}/voucher\\.svg\\?access_token=([0-9a-f]{32})$`)) || [];
  assert.ok(token, `the QR ${qr.src} is read with the order's access token`);
  const kept = JSON.parse(await page.evaluate(() => localStorage.getItem("keyun.holder")));
  assert.ok(Object.values(kept).includes(token), "the phone keeps the proof of its order");
  assert.equal((await fetch(`${node.url}/api/v1/tickets/${number}/voucher.svg`)).status, 401);
  assert.equal((await fetch(`${node.url}/api/v1/tickets/${number}`)).status, 401, "nor does it read the ticket");
  assert.ok(qr.width > 0 && qr.shown >= 200, "the QR code is drawn large enough to scan");
  assert.ok(await fitsThePhone(page), "the ticket fits the phone's width");
  await page.screenshot({ path: process.env.SCREENSHOT_DIR ? `${process.env.SCREENSHOT_DIR}/mobile-ticket.png` : "/dev/null", fullPage: true }).catch(() => {});

  const ticket = await (await fetch(`${node.url}/api/v1/tickets/${number}`, { headers: { "X-Access-Token": token } })).json();
  assert.equal(ticket.status, "issued");
  assert.equal(ticket.channel, "mobile");
  assert.equal(ticket.run_id, runId);
  const svg = await fetch(qr.src);
  assert.equal(svg.status, 200);
  assert.equal(svg.headers.get("content-type"), "image/svg+xml");
  await page.close();
});

test("an invalid ID number is refused with the API's message at that passenger's field", async () => {
  const to = await destinationFrom(FROM.code);
  const page = await phonePage();
  await chooseFirstRun(page, to);
  const valid = residentId("19870707", 12);
  const badDate = valid.slice(0, 10) + "1332" + valid.slice(14);  // the 32nd of the 13th month
  await fillPassenger(page, 0, { name: "陈二", id_number: badDate, fare_type: "adult" });
  await page.click("#submit-order");
  const field = '#passengers [data-passenger="0"] [data-error-for=id_number]';
  await page.waitForFunction((selector) => document.querySelector(selector).textContent.length > 0, field);
  assert.match(await page.textContent(field), /^第 1 位乘客：/, "the API's message in Chinese, naming the passenger");
  assert.equal(await page.getAttribute('#passengers [data-passenger="0"] input[name=id_number]', "aria-invalid"), "true");
  assert.equal(await page.getAttribute("#app", "data-step"), "passengers", "no order was made");
  await page.close();
});
