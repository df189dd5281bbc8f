// The management page, in a real browser against a real demo node: log in, see the demo
// province's stations, routes, schedules and the day's runs, switch to English.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startNode, launchBrowser } from "./harness.mjs";

let node;
let chrome;
before(async () => { node = await startNode(); chrome = await launchBrowser(); });
after(async () => { await chrome?.close(); await node?.stop(); });

async function loggedInPage(username = "admin") {
  const page = await chrome.newPage();
  await page.goto(node.url + "/manage");
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", "keyun-demo");
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#app:not([hidden])");
  return page;
}

test("a wrong password is refused with a message", async () => {
  const page = await chrome.newPage();
  await page.goto(node.url + "/manage");
  await page.fill("input[name=username]", "admin");
  await page.fill("input[name=password]", "wrong");
  await page.click("#login-form button[type=submit]");
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
