// The demo node's API as the browser tests use it to set up a scene: staff logins, the runs of
// the demo station, tickets sold for cash at the window with their voucher texts.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

export const STATION = "370102001";  // the demo staff's station, 济南长途汽车总站

// A valid resident ID (GB 11643: 历下区, the birth date given, MOD 11-2 check character), one
// per `serial`: one ID holds one seat per run.
export function residentId(birth, serial) {
  const body = "370102" + birth + String(100 + (serial % 900)).padStart(3, "0");
  const sum = [...body].reduce((s, digit, i) => s + Number(digit) * (2 ** (17 - i) % 11), 0);
  return body + "10X98765432"[sum % 11];
}

export function shanghaiDate(days) {
  return new Date(Date.now() + 8 * 3600 * 1000 + days * 86400 * 1000).toISOString().slice(0, 10);
}

export async function call(node, token, method, path, body, headers = {}) {
  const response = await fetch(`${node.url}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const type = response.headers.get("content-type") || "";
  return { status: response.status, body: type.includes("json") && text ? JSON.parse(text) : text };
}

export async function staffToken(node, username) {
  const r = await call(node, null, "POST", "/session", { username, password: "keyun-demo" });
  assert.equal(r.status, 201, `login ${username}: ${JSON.stringify(r.body)}`);
  return r.body.token;
}

// The open runs leaving the demo station on the Shanghai day `days` from today.
export async function runsOf(node, token, days) {
  const r = await call(node, token, "GET", `/departures?date=${shanghaiDate(days)}&station=${STATION}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items.filter((run) => run.status === "open");
}

// Sells one issued ticket per passenger on `run` (origin to last stop) for cash at the window;
// resolves to the issued tickets, each with its order id and Base45 voucher text added.
export async function sell(node, clerkToken, run, passengers) {
  const order = await call(node, clerkToken, "POST", "/orders", {
    run_id: run.run_id, from: run.from, to: run.to, channel: "window",
    passengers: passengers.map((p) => ({ id_type: "resident_id", fare_type: "adult", ...p })),
  }, { "Idempotency-Key": randomUUID() });
  assert.equal(order.status < 300, true, `hold on ${run.run_id}: ${JSON.stringify(order.body)}`);
  const paid = await call(node, clerkToken, "POST", `/orders/${order.body.order_id}/pay`, { method: "cash" },
    { "Idempotency-Key": randomUUID() });
  assert.equal(paid.body.status, "issued", JSON.stringify(paid.body));
  for (const ticket of paid.body.tickets) {
    ticket.order_id = paid.body.order_id;
    const voucher = await call(node, clerkToken, "GET", `/tickets/${ticket.ticket_number}/voucher`);
    assert.equal(voucher.status, 200);
    ticket.voucher = voucher.body.replace(/\r?\n$/, "");  // Base45 may end in a space: no trim
    assert.match(ticket.voucher, /^KY1:/);
  }
  return paid.body.tickets;
}
