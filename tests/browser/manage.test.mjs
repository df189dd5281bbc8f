// The management page, in a real browser against a real demo node: log in, see the demo
// province's stations, routes, schedules and the day's runs, switch to English; the station
// manager stops a run with a ticket sold (停班有售) and sees its holder listed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startNode, launchBrowser, staffLoginPage } from "./harness.mjs";
import { residentId, call, staffToken, runsOf, sell, shanghaiDate } from "./demo_api.mjs";

let node;
let chrome;
before(async () => { node = await startNode(); chrome = await launchBrowser(); });
after(async () => { await chrome?.close(); await node?.stop(); });

async function loggedInPage(username = "admin") {
  const page = await staffLoginPage(chrome, node, "/manage", username);
  await page.waitForSelector("#app:not([hidden])");
  return page;
}

test("a wrong password is refused with a message", async () => {
  const page = await staffLoginPage(chrome, node, "/manage", "admin", "wrong");
  await page.waitForFunction(() => document.getElementById("login-error").textContent.length > 0);
  assert.equal(await page.isVisible("#app"), false);
  await page.close();
});

test("the stations tab lists the demo province's stations", async () => {
  const page = await loggedInPage();
  await page.waitForSelector("#table[data-loaded=stations]");
  const rows = await page.$$eval("#table tbody tr", (trs) => trs.map((tr) => tr.innerText));
  assert.ok(rows.length >= 40, `expected at least 40 stations, saw ${rows.length}`);
  assert.ok(rows.some((r) => /汽车/.test(r)), "station names are Chinese bus-station names");
  assert.ok(rows.every((r) => /^37\d{7}/.test(r)), "every station code is a Shandong (37) code");
  await page.screenshot({ path: process.env.SCREENSHOT_DIR ? `${process.env.SCREENSHOT_DIR}/manage-stations.png` : "/dev/null" }).catch(() => {});
  await page.close();
});

test("routes, schedules and the day's runs show, and English works", async () => {
  const page = await loggedInPage();
  // Tomorrow's runs: today's are only those not yet departed when the demo was seeded, and late
  // in the Shanghai evening there may be none left.
  const tomorrow = new Date(Date.now() + (8 + 24) * 3600 * 1000).toISOString().slice(0, 10);
  for (const tab of ["routes", "schedules", "departures"]) {
    if (tab === "departures") {
      await page.$eval("input[name=date]", (input, date) => { input.value = date; }, tomorrow);
    }
    await page.click(`nav.tabs button[data-tab=${tab}]`);
    await page.waitForSelector(`#table[data-loaded=${tab}]`);
    const count = await page.$$eval("#table tbody tr", (trs) => trs.length);
    assert.ok(count > 0, `${tab} shows rows`);
  }
  const departures = await page.$$eval("#table tbody tr", (trs) => trs.map((tr) => tr.innerText));
  assert.ok(departures.every((r) => /^37\d{7}-\d{8}-/.test(r)), "runs are {station}-{date}-{schedule}");
  await page.click("#lang");
  assert.equal(await page.textContent("nav.tabs button[data-tab=stations]"), "Stations");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await page.close();
});

test("the station manager stops a run with a ticket sold: 停班有售, the holder listed, the refund free", async () => {
  const clerk = await staffToken(node, "clerk");
  const run = (await runsOf(node, clerk, 1))[2];
  const [sold] = await sell(node, clerk, run, [{ name: "冯十", id_number: residentId("19770707", 24) }]);
  const page = await loggedInPage("manager");
  if (await page.getAttribute("html", "lang") === "en") await page.click("#lang");  // an earlier test chose English
  await page.$eval("input[name=date]", (input, date) => { input.value = date; }, shanghaiDate(1));
  await page.click("nav.tabs button[data-tab=departures]");
  await page.waitForSelector("#table[data-loaded=departures]");
  const stop = `#table button.stop-run[data-run="${run.run_id}"]`;
  await page.click(stop);
  assert.equal(await page.textContent(stop), "确认停班？", "a second click confirms");
  await page.click(stop);
  await page.waitForSelector("#stop-result[data-status=stopped_sold]");
  assert.match(await page.textContent("#stop-result"), /停班有售：1 张车票/);
  assert.ok(await page.isVisible(`#stop-result tr[data-ticket="${sold.ticket_number}"]`), "the holder's ticket");
  await page.waitForSelector("#table[data-loaded=departures]");
  assert.equal(await page.$(stop), null, "a stopped run has no stop button");

  const runs = (await call(node, clerk, "GET", `/departures?date=${shanghaiDate(1)}&station=${run.from}`)).body.items;
  assert.equal(runs.find((r) => r.run_id === run.run_id).status, "stopped_sold");
  const quote = (await call(node, clerk, "GET", `/tickets/${sold.ticket_number}/refund-quote`)).body;
  assert.equal(quote.fee, 0, JSON.stringify(quote));
  await page.close();
});
