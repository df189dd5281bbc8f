// The manifest page (发车/旅客清单), in a real browser against a real demo node: the station
// manager opens tomorrow's run of the demo station, sees its booked passengers counted, is
// refused departure while the crew check-in (报班) and then the safety check (例检) are
// missing, records both, departs, and sees the manifest frozen with the no-shows.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startNode, launchBrowser, staffLoginPage } from "./harness.mjs";
import { residentId, call, staffToken, runsOf, sell } from "./demo_api.mjs";

let node;
let chrome;
let clerk;
before(async () => {
  node = await startNode();
  chrome = await launchBrowser();
  clerk = await staffToken(node, "clerk");
});
after(async () => { await chrome?.close(); await node?.stop(); });


async function managerPage(username = "manager") {
  const page = await staffLoginPage(chrome, node, "/manifest", username);
  await page.waitForSelector("#runs[data-loaded]");
  return page;
}

// Opens `run` from tomorrow's list and resolves once its manifest has loaded.
async function openTomorrowsRun(page, run) {
  await page.selectOption("#date", "1");
  await page.waitForSelector("#runs[data-loaded]");
  await page.click(`#runs button.choose[data-run="${run.run_id}"]`);
  await page.waitForSelector(`#manifest[data-loaded="${run.run_id}"]`);
}

async function counts(page) {
  return {
    booked: Number(await page.textContent("#count-booked")),
    checkedIn: Number(await page.textContent("#count-checked-in")),
    noShow: Number(await page.textContent("#count-no-show")),
  };
}

// Presses 发车 and resolves to the refusal shown (or null once the run has departed).
async function depart(page) {
  await page.click("#depart");
  await page.waitForSelector('#ops-error[data-code], #depart-status[data-done="true"]');
  return (await page.getAttribute("#ops-error", "data-code")) ? page.textContent("#ops-error") : null;
}

test("the manager departs tomorrow's run only after crew and safety check, and the manifest freezes", async () => {
  const manager = await staffToken(node, "manager");
  const run = (await runsOf(node, manager, 1))[0];
  assert.ok(run, "the demo station has runs tomorrow");
  const sold = await sell(node, clerk, run, [
    { name: "赵一", id_number: residentId("19700101", 31) },
    { name: "钱二", id_number: residentId("19750202", 32) },
  ]);

  const page = await managerPage();
  await openTomorrowsRun(page, run);
  assert.equal(await page.textContent("#run-id"), run.run_id);
  assert.deepEqual(await counts(page), { booked: 2, checkedIn: 0, noShow: 0 });
  const listed = await page.$$eval("#list-booked tbody tr[data-ticket]", (trs) => trs.map((tr) => tr.dataset.ticket));
  assert.deepEqual(listed.sort(), sold.map((t) => t.ticket_number).sort());
  assert.equal(await page.getAttribute("#manifest", "data-frozen"), "false");

  // No crew check-in yet: refused, with the node's words in the page's language.
  assert.match(await depart(page), /^不能发车：车辆和驾驶员尚未报班/);

  // The crew checks in with a bus of the run's carrier that has the seats.
  const vehicles = (await call(node, manager, "GET", "/vehicles")).body.items;
  const bus = vehicles.find((v) => v.carrier === run.carrier && v.seats >= run.seats && v.active !== false);
  assert.ok(bus, "the run's carrier has a bus big enough");
  await page.fill("#crew-form input[name=vehicle_plate]", bus.plate);
  await page.fill("#crew-form input[name=driver_name]", "王强");
  await page.fill("#crew-form input[name=driver_licence]", "370102198001011234");
  await page.check("#crew-form input[name=documents_ok]");
  await page.click("#crew-submit");
  await page.waitForSelector('#crew-status[data-done="true"]');
  assert.match(await page.textContent("#crew-status"), new RegExp(`已报班 .*${bus.plate}`));

  // Still no safety check: refused again, naming the rule.
  assert.match(await depart(page), /^不能发车：尚未登记例检/);
  assert.equal(await page.getAttribute("#manifest", "data-frozen"), "false");

  await page.click("#safety-submit");
  await page.waitForSelector('#safety-status[data-done="true"]');
  assert.match(await page.textContent("#safety-status"), /例检合格/);

  // Tomorrow's run is not due: leaving early is refused until confirmed with a reason.
  assert.equal(await page.isVisible("#early-box"), false);
  assert.match(await depart(page), /^班次计划 \d\d:\d\d 发车（还有 \d+ 分钟），旅客仍可检票/);
  assert.equal(await page.getAttribute("#ops-error", "data-code"), "failed_precondition");
  assert.equal(await page.isVisible("#early-box"), true, "the page asks for the reason");
  assert.equal(await page.textContent("#depart"), "确认提前发车");
  assert.equal(await page.getAttribute("#manifest", "data-frozen"), "false");
  // A confirmation without a reason is refused too.
  await depart(page);
  assert.equal(await page.getAttribute("#ops-error", "data-code"), "invalid_argument");
  assert.equal(await page.getAttribute("#manifest", "data-frozen"), "false");
  await page.fill("#early-reason", "旅客已全部到站");
  assert.equal(await depart(page), null, "departed");
  await page.waitForSelector('#manifest[data-frozen="true"]');
  assert.match(await page.textContent("#depart-status"), /已发车 .*上车 0 人，未乘车 2 人/);
  assert.equal(await page.isVisible("#frozen"), true);
  assert.match(await page.textContent("#frozen"), /旅客清单已冻结/);
  assert.deepEqual(await counts(page), { booked: 0, checkedIn: 0, noShow: 2 });
  assert.equal(await page.isDisabled("#depart"), true, "a frozen run cannot depart again");
  await page.screenshot({ path: process.env.SCREENSHOT_DIR ? `${process.env.SCREENSHOT_DIR}/manifest-frozen.png` : "/dev/null", fullPage: true }).catch(() => {});

  // The node agrees: frozen, left early for the reason given.
  const manifest = (await call(node, manager, "GET", `/runs/${run.run_id}/manifest`)).body;
  assert.equal(manifest.frozen, true);
  const ops = (await call(node, manager, "GET", `/runs/${run.run_id}/operations`)).body;
  assert.equal(ops.early_reason, "旅客已全部到站");
  await page.selectOption("#date", "0");
  await page.selectOption("#date", "1");
  await page.waitForSelector(`#runs tr[data-run="${run.run_id}"] .badge.departed`);
  await page.close();
});

test("a gate operator may open a manifest, and English switches the labels", async () => {
  const gate = await staffToken(node, "gate");
  const run = (await runsOf(node, gate, 1))[1];
  assert.ok(run, "the demo station has a second run tomorrow");
  const page = await managerPage("gate");
  assert.equal(await page.textContent("#runs-panel h2"), "本站班次");
  await openTomorrowsRun(page, run);
  assert.deepEqual(await counts(page), { booked: 0, checkedIn: 0, noShow: 0 });
  assert.equal(await page.textContent("#crew-form h3"), "报班");
  await page.click("#lang");
  assert.equal(await page.textContent("#crew-form h3"), "Crew check-in");
  assert.equal(await page.textContent("#depart"), "Depart");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await page.click("#lang");
  assert.equal(await page.textContent("#crew-form h3"), "报班");
  await page.close();
});

test("a clerk is sent back to log in as station staff", async () => {
  const page = await staffLoginPage(chrome, node, "/manifest", "clerk");
  await page.waitForFunction(() => document.getElementById("login-error").textContent.length > 0);
  assert.match(await page.textContent("#login-error"), /站务经理和检票员/);
  assert.equal(await page.isVisible("#app"), false);
  await page.close();
});
