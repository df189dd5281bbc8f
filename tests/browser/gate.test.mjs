// The gate page (检票口), in a real browser against a real demo node: a gate operator logs in,
// names the gate once, and scans. A ticket of tomorrow is refused red as too_early, by voucher
// and by ID number; garbage is refused as damaged; a ticket on a run inside today's check-in
// window (40 to 2 min before departure) is admitted green once and
// refused as already_checked_in the second time.
//
// The green case runs on a second node started with `--clock` 30 minutes before tomorrow's
// first departure from the station, so it does not depend on the time of day.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startNode, launchBrowser, staffLoginPage } from "./harness.mjs";
import { residentId, staffToken, runsOf, sell } from "./demo_api.mjs";

let node;
let chrome;
let clerk;
before(async () => {
  node = await startNode();
  chrome = await launchBrowser();
  clerk = await staffToken(node, "clerk");
});
after(async () => { await chrome?.close(); await node?.stop(); });


async function gatePage(at = node) {
  const page = await staffLoginPage(chrome, at, "/gate", "gate");
  // The gate number is asked once per browser, then remembered.
  await page.waitForSelector("#gate-panel:not([hidden]), #app[data-ready=true]");
  if (await page.isVisible("#gate-panel")) {
    await page.fill("#gate-form input[name=gate]", "3");
    await page.press("#gate-form input[name=gate]", "Enter");
  }
  await page.waitForSelector("#app[data-ready=true]");
  return page;
}

// Types what a hand scanner would, Enter included, into whatever has the focus (the scan input
// must have it), and resolves to the result panel once it shows this scan.
async function scan(page, text) {
  const seq = Number((await page.getAttribute("#result", "data-seq")) || 0);
  assert.equal(await page.evaluate(() => document.activeElement.id), "scan", "the scan input has the focus");
  await page.keyboard.insertText(text);
  await page.keyboard.press("Enter");
  await page.waitForSelector(`#result[data-seq="${seq + 1}"]`);
  return {
    result: await page.getAttribute("#result", "data-result"),
    reason: await page.getAttribute("#result", "data-reason"),
    verdict: await page.textContent("#verdict"),
    text: await page.textContent("#result-body"),
    background: await page.$eval("#result", (el) => getComputedStyle(el).backgroundColor),
  };
}

const RED = "rgb(198, 40, 40)";
const GREEN = "rgb(31, 138, 61)";

test("a ticket for later today or tomorrow is refused red as too early, by voucher and by ID card; garbage is damaged", async () => {
  // A run 1 to 20 h ahead: past its check-in window, and inside the 24 h a swiped ID looks
  // ahead (a run further off is "no_ticket" by ID), whatever the hour the test runs at.
  const ahead = (run) => Date.parse(run.departs_at) - Date.now();
  const run = [...await runsOf(node, clerk, 0), ...await runsOf(node, clerk, 1)]
    .find((r) => ahead(r) > 3600e3 && ahead(r) < 20 * 3600e3);
  assert.ok(run, "the demo station has a run 1 to 20 h ahead");
  const id = residentId("19800101", 11);
  const [ticket] = await sell(node, clerk, run, [{ name: "张三", id_number: id }]);

  const page = await gatePage();
  assert.equal(await page.textContent("#gate-label"), "3 号检票口");
  assert.equal(await page.getAttribute("#result", "data-result"), "idle");

  const byVoucher = await scan(page, ticket.voucher);
  assert.equal(byVoucher.result, "refused");
  assert.equal(byVoucher.reason, "too_early");
  assert.equal(byVoucher.verdict, "拒绝");
  assert.equal(byVoucher.background, RED);
  assert.match(byVoucher.text, /未到检票时间/, "the Chinese message");
  assert.match(byVoucher.text, /too early: check-in for run/, "and the English one");
  assert.ok(byVoucher.text.includes(run.run_id));

  const byId = await scan(page, id);
  assert.equal(byId.result, "refused");
  assert.equal(byId.reason, "too_early");
  assert.equal(byId.background, RED);

  const garbage = await scan(page, "HELLO-NOT-A-TICKET");
  assert.equal(garbage.result, "refused");
  assert.equal(garbage.reason, "damaged");
  assert.match(garbage.text, /无法识别/);

  // The last results, newest first; the ID number is masked in the list.
  const history = await page.$$eval("#history li", (lis) => lis.map((li) => ({ result: li.dataset.result, reason: li.dataset.reason, text: li.textContent })));
  assert.deepEqual(history.map((h) => h.reason), ["damaged", "too_early", "too_early"]);
  assert.ok(!history[1].text.includes(id), "the full ID number is not shown");
  assert.ok(history[1].text.includes(id.slice(-4)));
  await page.screenshot({ path: process.env.SCREENSHOT_DIR ? `${process.env.SCREENSHOT_DIR}/gate-refused.png` : "/dev/null", fullPage: true }).catch(() => {});

  // Clicking elsewhere leaves the focus on the scan input: the scanner always types there.
  await page.click("#history-panel h2");
  await page.waitForFunction(() => document.activeElement.id === "scan");

  // The gate number is remembered: a new page goes straight to scanning at gate 3.
  await page.reload();
  await page.waitForSelector("#app[data-ready=true]");
  assert.equal(await page.textContent("#gate-label"), "3 号检票口");
  await page.close();
});

test("the English toggle switches the gate's labels", async () => {
  const page = await gatePage();
  assert.equal(await page.textContent("#scan-form [data-i18n=scan_label]"), "扫描电子客票二维码或刷身份证（回车确认）");
  await page.click("#lang");
  assert.equal(await page.textContent("#scan-form [data-i18n=scan_label]"), "Scan the e-ticket QR code or swipe the ID card (Enter)");
  assert.equal(await page.textContent("#gate-label"), "Gate 3");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  const refused = await scan(page, "KY1:GARBAGE");
  assert.equal(refused.verdict, "Refused");
  assert.equal(refused.reason, "damaged");
  await page.click("#lang");  // back to Chinese for the other tests (the choice is remembered)
  assert.equal(await page.textContent("#verdict"), "拒绝");
  await page.close();
});

test("a ticket inside the check-in window is admitted green once, then refused as already checked in", async () => {
  // A second node whose clock starts 30 minutes before tomorrow's first departure from the
  // station (keyun serve --clock), so the check-in window is open whatever the real time is.
  const first = (await runsOf(node, clerk, 1))[0];
  assert.ok(first, "the demo has runs tomorrow");
  const timed = await startNode(["--clock", new Date(Date.parse(first.departs_at) - 30 * 60000).toISOString()]);
  try {
    await admittedOnce(timed, first.run_id);
  } finally {
    await timed.stop();
  }
});

async function admittedOnce(node, runId) {
  const clerk = await staffToken(node, "clerk");
  const run = (await runsOf(node, clerk, 1)).find((r) => r.run_id === runId);
  assert.ok(run, `run ${runId} on the timed node`);
  const id = residentId("19850505", 21);
  const [ticket] = await sell(node, clerk, run, [{ name: "王小红", id_number: id }]);
  const page = await gatePage(node);
  const admitted = await scan(page, ticket.voucher);
  assert.equal(admitted.result, "accepted", admitted.text);
  assert.equal(admitted.verdict, "通过");
  assert.equal(admitted.background, GREEN);
  assert.equal(await page.textContent("#result-seat"), `${ticket.seat} 号座`);
  assert.equal(await page.textContent("#result-name"), "王*红");
  assert.equal(await page.textContent("#result-fare"), "全票");
  await page.screenshot({ path: process.env.SCREENSHOT_DIR ? `${process.env.SCREENSHOT_DIR}/gate-accepted.png` : "/dev/null", fullPage: true }).catch(() => {});

  const again = await scan(page, id);  // the same passenger swipes the ID card as well
  assert.equal(again.result, "refused");
  assert.equal(again.reason, "already_checked_in");
  assert.match(again.text, /已检票/);
  assert.match(again.text, /3 号检票口/);
  await page.close();
}
