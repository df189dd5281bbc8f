// The node stops cleanly (ISSUE 13, item 5): SIGTERM or SIGINT under load logs the stop, stops
// accepting, finishes the requests in flight and exits 0; every sale the node acknowledged is
// there after a restart on the same database. No browser: a real `keyun serve` and the API.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { test } from "node:test";
import { startNode } from "./harness.mjs";
import { call, residentId, runsOf, staffToken } from "./demo_api.mjs";

const WORKERS = 16;

// One window sale (hold + cash) per call; resolves to the ticket numbers the node answered
// "issued" for, or throws when the node no longer answers.
async function sellOne(node, clerk, run, n) {
  const birth = String(19600101 + Math.floor(n / 900) * 10000);
  const order = await call(node, clerk, "POST", "/orders", {
    run_id: run.run_id, from: run.from, to: run.to, channel: "window",
    passengers: [{ name: "乘客", id_type: "resident_id", id_number: residentId(birth, n), fare_type: "adult" }],
  }, { "Idempotency-Key": randomUUID() });
  if (order.status >= 300) return [];
  const paid = await call(node, clerk, "POST", `/orders/${order.body.order_id}/pay`, { method: "cash" },
    { "Idempotency-Key": randomUUID() });
  if (paid.status !== 200 || paid.body.status !== "issued") return [];
  return paid.body.tickets.map((t) => t.ticket_number);
}

async function stopUnderLoad(signal) {
  const node = await startNode();
  try {
    const clerk = await staffToken(node, "clerk");
    const runs = await runsOf(node, clerk, 2);
    assert.ok(runs.length >= 4, "the demo station has runs in two days");
    const acknowledged = [];
    let next = 0;
    let refused = 0;
    const worker = async () => {
      for (;;) {
        const n = next++;
        try {
          acknowledged.push(...await sellOne(node, clerk, runs[n % runs.length], n));
        } catch {
          refused++;  // the node stopped: connection refused or closed before an answer
          return;
        }
      }
    };
    const load = Array.from({ length: WORKERS }, worker);
    // Let the load build up, then stop the node in the middle of it.
    while (acknowledged.length < 50) await new Promise((r) => setTimeout(r, 20));
    const exit = await node.signal(signal);
    await Promise.all(load);
    assert.deepEqual(exit, { code: 0, signal: null }, `keyun exited by ${JSON.stringify(exit)}:\n${node.output().slice(-2000)}`);
    assert.match(node.output(), new RegExp(`${signal} received`));
    assert.match(node.output(), /the node stopped cleanly/);
    assert.equal(refused, WORKERS, "every worker saw the node go");

    // Every acknowledged sale is in the store after a restart.
    const again = await startNode([], { keep: node.dir });
    try {
      const manager = await staffToken(again, "clerk");
      for (const number of acknowledged) {
        const ticket = await call(again, manager, "GET", `/tickets/${number}`);
        assert.equal(ticket.status, 200, `ticket ${number} was acknowledged as issued: ${JSON.stringify(ticket.body)}`);
        assert.equal(ticket.body.status, "issued");
      }
    } finally {
      await again.stop();
    }
    return acknowledged.length;
  } finally {
    rmSync(node.dir, { recursive: true, force: true });
  }
}

test("SIGTERM under load: exit 0, every acknowledged sale survives the restart", async () => {
  const sold = await stopUnderLoad("SIGTERM");
  assert.ok(sold >= 50);
});

test("SIGINT (Ctrl-C) stops the node the same way", async () => {
  await stopUnderLoad("SIGINT");
});
