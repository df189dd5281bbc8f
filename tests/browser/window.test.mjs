// The station window page (售票窗口), in a real browser against a real demo node: a clerk logs
// in, finds tomorrow's run from the clerk's station, sells to an adult and a child for cash and
// gets two issued tickets with printable vouchers; a bad ID number is shown at its field.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startNode, launchBrowser, clerkWindowPage, staffLoginPage } from "./harness.mjs";

let node;
let chrome;
before(async () => { node = await startNode(); chrome = await launchBrowser(); });
after(async () => { await chrome?.close(); await node?.stop(); });

const CLERK_STATION = "370102001";  // the demo clerk's station, 济南长途汽车总站

// A valid resident ID (GB 11643: 历下区, the birth date given, MOD 11-2 check character), one
// per `serial`: one ID holds one seat per run.
function residentId(birth, serial) {
  const body = "370102" + birth + String(100 + (serial % 900)).padStart(3, "0");
  const sum = [...body].reduce((s, digit, i) => s + Number(digit) * (2 ** (17 - i) % 11), 0);
  return body + "10X98765432"[sum % 11];
}

function tomorrowInShanghai() {
  return new Date(Date.now() + 8 * 3600 * 1000 + 86400 * 1000).toISOString().slice(0, 10);
}

// The last stop of the first route leaving `station`: tomorrow's runs go there.
async function destinationFrom(station) {
  const routes = await (await fetch(`${node.url}/api/v1/routes?station=${station}`)).json();
  const route = routes.items.find((r) => r.stops[0].station_code === station);
  const last = route.stops[route.stops.length - 1];
  return { code: last.station_code, name: last.station_name };
}

const clerkPage = () => clerkWindowPage(chrome, node);

// Searches tomorrow's runs to `to` and opens the sale form of the first run with seats.
async function chooseFirstRun(page, to) {
  await page.fill("#search-form input[name=to]", to.name);
  await page.fill("#search-form input[name=date]", tomorrowInShanghai());
  await page.press("#search-form input[name=date]", "Enter");
  await page.waitForSelector("#runs[data-loaded]");
  const count = Number(await page.getAttribute("#runs", "data-loaded"));
  assert.ok(count > 0, `tomorrow has runs from the clerk's station to ${to.name}`);
  // The first run's button has the focus: Enter chooses it, as at a counter.
  await page.keyboard.press("Enter");
  await page.waitForSelector("#app[data-state=sale]");
}

async function fillPassenger(page, index, p) {
  const row = `#passengers tr[data-passenger="${index}"]`;
  await page.fill(`${row} input[name=name]`, p.name);
  await page.selectOption(`${row} select[name=id_type]`, p.id_type ?? "resident_id");
  await page.fill(`${row} input[name=id_number]`, p.id_number);
  await page.selectOption(`${row} select[name=fare_type]`, p.fare_type);
}

test("the clerk's station is the default departure and English switches the labels", async () => {
  const page = await clerkPage();
  assert.match(await page.inputValue("#search-form input[name=from]"), new RegExp(`${CLERK_STATION}$`));
  assert.equal(await page.textContent("#search-form [data-i18n=to]"), "到达站");
  await page.click("#lang");
  assert.equal(await page.textContent("#search-form [data-i18n=to]"), "To");
  assert.equal(await page.textContent("#search-panel h2"), "Find a run");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await page.click("#lang");  // back to Chinese for the other tests (the choice is remembered)
  assert.equal(await page.textContent("#search-panel h2"), "查询班次");
  await page.close();
});

test("a clerk sells an adult and a child ticket for cash and prints the vouchers", async () => {
  const to = await destinationFrom(CLERK_STATION);
  const page = await clerkPage();
  await chooseFirstRun(page, to);
  const runId = await page.textContent("#sale-run");
  assert.match(runId, /^37\d{7}-\d{8}-/);

  await fillPassenger(page, 0, { name: "张三", id_number: residentId("19800101", 1), fare_type: "adult" });
  await page.keyboard.press("F4");  // adds a passenger row
  await fillPassenger(page, 1, { name: "张小明", id_number: residentId("20150601", 2), fare_type: "child" });
  await page.click("#hold");
  await page.waitForSelector("#app[data-state=held]");
  assert.equal(await page.$$eval("#held-tickets tbody tr", (trs) => trs.length), 2);
  const amount = await page.textContent("#amount");
  assert.match(amount, /^\d+\.\d\d$/);

  // Cash: 100 yuan handed over shows the change, Enter takes the payment.
  await page.fill("#pay-form input[name=received]", "100");
  assert.match(await page.textContent("#change"), /找零 ¥\d+\.\d\d/);
  await page.press("#pay-form input[name=received]", "Enter");
  await page.waitForSelector("#app[data-state=issued]");

  const numbers = await page.$$eval("#issued-tickets .ticket-number", (tds) => tds.map((td) => td.textContent));
  assert.equal(numbers.length, 2);
  for (const number of numbers) assert.match(number, /^\d{19}[\dX]$/, "a ticket number: 19 digits and its check character");
  await page.screenshot({ path: process.env.SCREENSHOT_DIR ? `${process.env.SCREENSHOT_DIR}/window-issued.png` : "/dev/null", fullPage: true }).catch(() => {});

  // Each ticket's print link gives its PDF voucher, and the server agrees it was sold at a window.
  const links = await page.$$eval("#issued-tickets a.print", (as) => as.map((a) => a.href));
  assert.equal(links.length, 2);
  for (const [i, link] of links.entries()) {
    // The link carries the order's access token (a link cannot send the clerk's session);
    // without it the voucher is not given to anyone.
    const [, token] = link.match(new RegExp(`^${node.url}/api/v1/tickets/${numbers[i]}/voucher\\.pdf\\?access_token=([0-9a-f]{32})$`)) || [];
    assert.ok(token, `the print link ${link} carries the order's access token`);
    const pdf = await fetch(link);
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get("content-type"), "application/pdf");
    assert.equal(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString(), "%PDF-");
    assert.equal((await fetch(link.replace(/\?.*$/, ""))).status, 401, "no voucher without a proof");
    const ticket = await (await fetch(`${node.url}/api/v1/tickets/${numbers[i]}?access_token=${token}`)).json();
    assert.equal(ticket.status, "issued");
    assert.equal(ticket.channel, "window");
    assert.equal(ticket.run_id, runId);
  }
  const fareTypes = await page.$$eval("#issued-tickets tbody tr[data-ticket]", (trs) => trs.map((tr) => tr.cells[2].textContent));
  assert.deepEqual(fareTypes, ["全票", "半票（儿童）"]);
  // The QR vouchers loaded.
  await page.waitForFunction(() => Array.from(document.querySelectorAll("#issued-tickets img.qr")).every((img) => img.complete && img.naturalWidth > 0));

  // F2 starts the next sale with the destination cleared.
  await page.keyboard.press("F2");
  await page.waitForSelector("#app[data-state=search]");
  assert.equal(await page.inputValue("#search-form input[name=to]"), "");
  await page.close();
});

test("an invalid ID number is refused with the API's message at that passenger's field", async () => {
  const to = await destinationFrom(CLERK_STATION);
  const page = await clerkPage();
  await chooseFirstRun(page, to);
  await fillPassenger(page, 0, { name: "李四", id_number: residentId("19900202", 3), fare_type: "adult" });
  await page.click("#add-passenger");
  const valid = residentId("19910303", 4);
  const badCheckDigit = valid.slice(0, 17) + (valid[17] === "0" ? "1" : "0");
  await fillPassenger(page, 1, { name: "王五", id_number: badCheckDigit, fare_type: "adult" });
  await page.click("#hold");
  const field = '#passengers tr[data-passenger="1"] [data-error-for=id_number]';
  await page.waitForFunction((selector) => document.querySelector(selector).textContent.length > 0, field);
  assert.match(await page.textContent(field), /^第 2 位乘客：.*校验码/, "the API's message in Chinese, naming the passenger");
  assert.equal(await page.getAttribute('#passengers tr[data-passenger="1"] input[name=id_number]', "aria-invalid"), "true");
  assert.equal(await page.getAttribute('#passengers tr[data-passenger="0"] input[name=id_number]', "aria-invalid"), null);
  assert.equal(await page.getAttribute("#app", "data-state"), "sale", "nothing was held");

  // Corrected, the same form holds the seats.
  await page.fill('#passengers tr[data-passenger="1"] input[name=id_number]', valid);
  assert.equal(await page.textContent(field), "", "typing clears the message");
  await page.click("#hold");
  await page.waitForSelector("#app[data-state=held]");
  await page.click("#cancel-order");
  await page.waitForSelector("#app[data-state=sale]");
  await page.close();
});

test("a wrong password is told in Chinese, and in English after the toggle", async () => {
  const page = await staffLoginPage(chrome, node, "/window", "clerk", "not-the-password");
  await page.waitForFunction(() => document.getElementById("login-error").textContent !== "");
  assert.equal(await page.textContent("#login-error"), "用户名或密码错误");
  await page.click("#lang");
  await page.fill("#login-form input[name=password]", "still-not-it");
  await page.click("#login-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("login-error").textContent === "wrong username or password");
  await page.click("#lang");  // the choice is kept in localStorage: back to Chinese for the others
  await page.close();
});
