// The pages keep the node's time, not the PC's: a node started with --clock twelve days before
// the real date (as for training, or a station PC whose clock is wrong by as much) still shows
// a held order's countdown from its hold time, its own "today" in the date fields, and
// departures of its own today. Every answer carries X-Node-Time for this.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startNode, launchBrowser, clerkWindowPage, staffLoginPage } from "./harness.mjs";
import { residentId } from "./demo_api.mjs";

const NODE_START = "2026-11-24T07:10:00+08:00";
let node;
let chrome;
before(async () => {
  node = await startNode(["--clock", NODE_START]);
  chrome = await launchBrowser();
});
after(async () => { await chrome?.close(); await node?.stop(); });

const nodeDate = (days) =>
  new Date(Date.parse(NODE_START) + 8 * 3600 * 1000 + days * 86400 * 1000).toISOString().slice(0, 10);

test("every answer carries the node's time", async () => {
  const before = Date.parse(NODE_START);
  const response = await fetch(node.url + "/healthz");
  const at = Number(response.headers.get("x-node-time"));
  assert.ok(at >= before && at < before + 10 * 60 * 1000, `X-Node-Time ${at} is the node's clock, not the PC's`);
});

test("the window counts a hold down in the node's time, and its today is the node's", async () => {
  const page = await clerkWindowPage(chrome, node);
  assert.equal(await page.inputValue("#search-form input[name=date]"), nodeDate(0));
  const routes = await (await fetch(`${node.url}/api/v1/routes?station=370102001`)).json();
  const route = routes.items.find((r) => r.stops[0].station_code === "370102001");
  await page.fill("#search-form input[name=to]", route.stops[route.stops.length - 1].station_name);
  await page.fill("#search-form input[name=date]", nodeDate(1));
  await page.press("#search-form input[name=date]", "Enter");
  await page.waitForSelector("#runs[data-loaded]");
  assert.ok(Number(await page.getAttribute("#runs", "data-loaded")) > 0, "the node's tomorrow has runs");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#app[data-state=sale]");
  const row = '#passengers tr[data-passenger="0"]';
  await page.fill(`${row} input[name=name]`, "孙一");
  await page.fill(`${row} input[name=id_number]`, residentId("19800101", 41));
  await page.click("#hold");
  await page.waitForSelector("#app[data-state=held]");
  // On the PC's clock the hold ran out twelve days ago (剩余 0:00); on the node's it has minutes.
  const [, minutes] = (await page.textContent("#expires")).match(/剩余 (\d+):\d\d/) || [];
  assert.ok(Number(minutes) >= 1, `the countdown runs from the hold: ${await page.textContent("#expires")}`);
  await page.close();
});

test("the manifest's today lists the node's today's departures", async () => {
  const page = await staffLoginPage(chrome, node, "/manifest", "manager");
  await page.waitForSelector("#runs[data-loaded]");
  const ids = await page.$$eval("#runs tr[data-run]", (trs) => trs.map((tr) => tr.dataset.run));
  assert.ok(ids.length > 0, "the node's today has departures");
  for (const id of ids) assert.match(id, new RegExp(`-${nodeDate(0).replaceAll("-", "")}-`), `${id} runs on the node's today`);
  await page.close();
});
