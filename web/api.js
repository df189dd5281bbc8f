// The node's JSON API (/api/v1) with the staff token kept in sessionStorage. Every call sends
// Accept-Language for the page's language (i18n.js), so the node's error messages match it.
import { currentLanguage } from "./i18n.js";

const acceptLanguage = () => (currentLanguage() === "en" ? "en" : "zh-CN");
const TOKEN_KEY = "keyun.token";

export class ApiError extends Error {
  constructor(status, body) {
    const error = body && body.error ? body.error : { code: "http_" + status, message: "HTTP " + status, field: "" };
    super(error.message);
    this.status = status;
    this.code = error.code;
    this.field = error.field;
    this.body = body;  // the whole answer, e.g. a check-in refusal's `refusal` beside `error`
  }
}

// The node's time: every answer carries X-Node-Time (Unix ms); the page keeps how far the
// PC's clock is from it, so countdowns, "today" and the gate's history follow the node (right
// under `serve --clock`, and on a PC whose clock is wrong). Kept for reloads of the tab.
const NODE_OFFSET_KEY = "keyun.node_offset_ms";
let nodeOffsetMs = Number(sessionStorage.getItem(NODE_OFFSET_KEY) || 0);
function noteNodeTime(response) {
  const at = Number(response.headers.get("X-Node-Time"));
  if (!at) return;
  nodeOffsetMs = at - Date.now();
  sessionStorage.setItem(NODE_OFFSET_KEY, String(nodeOffsetMs));
}
export const nodeNow = () => Date.now() + nodeOffsetMs;

// Learns the node's time before a page sets its first dates (a page opened before any call).
export async function syncNodeTime() {
  try { noteNodeTime(await fetch("/healthz", { cache: "no-store" })); } catch (e) { /* offline: the last offset */ }
}

export function token() { return sessionStorage.getItem(TOKEN_KEY); }
export function session() { return JSON.parse(sessionStorage.getItem(TOKEN_KEY + ".who") || "null"); }

// extraHeaders: e.g. { "Idempotency-Key": key } for orders and payments.
export async function api(method, path, body, extraHeaders = {}) {
  const headers = { "Accept": "application/json", "Accept-Language": acceptLanguage(), ...extraHeaders };
  if (token()) headers["Authorization"] = "Bearer " + token();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch("/api/v1" + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  noteNodeTime(response);
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// A buyer's proof of holding an order: its access_token, given only in the answer that made
// the order (or a change's new order). Reads and after-sales of the order send it as
// X-Access-Token (or ?access_token= on an image link); an order number alone proves nothing.
// Kept in localStorage: the phone the passenger bought on keeps their tickets.
const HOLDER_KEY = "keyun.holder";
const holderTokens = () => JSON.parse(localStorage.getItem(HOLDER_KEY) || "{}");

export function rememberOrderToken(orderId, accessToken) {
  if (!orderId || !accessToken) return;
  const tokens = holderTokens();
  tokens[orderId] = accessToken;
  // Only the latest orders: a phone keeps its recent trips, not every one.
  const ids = Object.keys(tokens);
  for (const old of ids.slice(0, Math.max(0, ids.length - 50))) delete tokens[old];
  localStorage.setItem(HOLDER_KEY, JSON.stringify(tokens));
}

export const orderToken = (orderId) => holderTokens()[orderId] || "";
// The header that proves holding `orderId`, for api()'s extraHeaders.
export const asHolder = (orderId) => (orderToken(orderId) ? { "X-Access-Token": orderToken(orderId) } : {});

// A voucher image or PDF a page shows by URL (an <img> or a link cannot send headers): `path`
// under /api/v1 with the order's access token in the query.
export const holderUrl = (path, accessToken) =>
  "/api/v1" + path + (accessToken ? (path.includes("?") ? "&" : "?") + "access_token=" + encodeURIComponent(accessToken) : "");

// A voucher a staff page shows for a ticket it looked up (no access token at hand): fetched
// with the session's Authorization and turned into a blob: URL for an <img> or a link.
export async function staffBlobUrl(path) {
  const headers = { "Accept-Language": acceptLanguage() };
  if (token()) headers["Authorization"] = "Bearer " + token();
  const response = await fetch("/api/v1" + path, { headers });
  noteNodeTime(response);
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  return URL.createObjectURL(await response.blob());
}

export async function login(username, password) {
  const result = await api("POST", "/session", { username, password });
  sessionStorage.setItem(TOKEN_KEY, result.token);
  sessionStorage.setItem(TOKEN_KEY + ".who", JSON.stringify(result));
  return result;
}

export async function logout() {
  try { await api("DELETE", "/session"); } catch (e) { /* already gone */ }
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(TOKEN_KEY + ".who");
}

export function yuan(fen) { return (fen / 100).toFixed(2); }

export function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

export function todayInShanghai() {
  const now = new Date(nodeNow() + 8 * 3600 * 1000);
  return now.toISOString().slice(0, 10);
}

// The Shanghai date `days` after today, e.g. tomorrow for a search past the online cut-off.
export function dateInShanghai(days) {
  const day = new Date(nodeNow() + 8 * 3600 * 1000 + days * 86400 * 1000);
  return day.toISOString().slice(0, 10);
}

// A ticket's API path, "/tickets/3726…".
export const ticketPath = (number) => `/tickets/${encodeURIComponent(number)}`;

// POSTs `body` to `path` for a ticket-printer page: resolves to { blob, sequence, reprint,
// document } from the PDF and its X-Print-Sequence / X-Reprint / X-Document headers; a refusal
// throws ApiError like api().
export async function postForPdf(path, body, extraHeaders = {}) {
  const headers = { "Content-Type": "application/json", "Accept-Language": acceptLanguage(), ...extraHeaders };
  if (token()) headers["Authorization"] = "Bearer " + token();
  const response = await fetch("/api/v1" + path, { method: "POST", headers, body: JSON.stringify(body) });
  noteNodeTime(response);
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  return {
    blob: await response.blob(),
    sequence: response.headers.get("X-Print-Sequence") || "1",
    reprint: response.headers.get("X-Reprint") === "1",
    document: response.headers.get("X-Document"),
  };
}

// Runs `call(key)` with the Idempotency-Key of one user action (e.g. "refund:3726…") kept in
// `keys`: made on the first try, reused by a retry after a network failure or a failure of the
// node itself (5xx: a print may be recorded though its PDF was not drawn, and the same key
// draws it again), dropped once the node has answered success or refusal.
export async function withIdempotencyKey(keys, action, call) {
  if (!keys.has(action)) keys.set(action, newIdempotencyKey());
  try {
    const result = await call(keys.get(action));
    keys.delete(action);
    return result;
  } catch (e) {
    if (e instanceof ApiError && e.status < 500) keys.delete(action);
    throw e;
  }
}

// A fresh random (version 4) UUID for one order or payment attempt's Idempotency-Key. Reuse it
// to retry that same attempt. getRandomValues, unlike randomUUID, also works on plain http to a
// station's LAN address, which browsers do not count as a secure context.
export function newIdempotencyKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// An error's field split when it names a passenger input: "passengers[1].id_number" →
// { index: 1, member: "id_number" }; "passengers" → { index: null, member: null }; else null.
export function passengerField(field) {
  const match = /^passengers(?:\[(\d+)\](?:\.(\w+))?)?$/.exec(field || "");
  if (!match) return null;
  return { index: match[1] === undefined ? null : Number(match[1]), member: match[2] ?? null };
}

// Suggestions for a station input: fills its <datalist> from GET /stations?q= as the user types.
// Each option reads "name code", and its label carries the pinyin initials so "JN" finds 济南.
export function suggestStations(input) {
  const list = document.getElementById(input.getAttribute("list"));
  let timer = null;
  let asked = "";
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      if (!q || q === asked || /\s\d{9}$/.test(q)) return;
      asked = q;
      try {
        const data = await api("GET", `/stations?limit=12&q=${encodeURIComponent(q)}`);
        list.innerHTML = data.items.map((s) =>
          `<option value="${escapeHtml(s.name + " " + s.code)}" label="${escapeHtml(`${s.name} · ${s.pinyin} · ${s.city_name}${s.county_name}`)}"></option>`).join("");
      } catch (e) { /* suggestions are a convenience; the search itself reports errors */ }
    }, 150);
  });
}

// The station an input names: "name code" (a suggestion), a bare 9-digit code, or a name or
// pinyin that matches one station (an exact name wins). Resolves to {code, name} or null.
export async function findStation(text) {
  const value = String(text || "").trim();
  const code = /(?:^|\s)(\d{9})$/.exec(value);
  if (code) {
    try { return await api("GET", `/stations/${code[1]}`); } catch (e) { if (e.status === 404 || e.status === 400) return null; throw e; }
  }
  if (!value) return null;
  const data = await api("GET", `/stations?limit=20&q=${encodeURIComponent(value)}`);
  return data.items.find((s) => s.name === value) || (data.items.length === 1 ? data.items[0] : null);
}

// Gate operators and station managers of a station: who may use the gate and manifest pages
// (a tab's session may be a clerk's).
export function isGateStaff(who) {
  return Boolean(who && (who.role === "gate_operator" || who.role === "station_manager") && who.station);
}

// Wires a staff page's login form (#login-form, its #login-error) and #logout button. An
// account `allowed` refuses is logged out again with `wrongRole(who)`; a network failure shows
// `networkError()`; `onLogin(who)` shows the page, `onLogout()` the login form.
export function wireStaffLogin({ allowed = () => true, wrongRole, networkError, onLogin, onLogout }) {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      const who = await login(form.username.value.trim(), form.password.value);
      if (!allowed(who)) {
        await logout();
        error.textContent = wrongRole(who);
        return;
      }
      await onLogin(who);
    } catch (e) {
      error.textContent = e instanceof TypeError ? networkError() : e.message;
    }
  });
  document.getElementById("logout").addEventListener("click", async () => { await logout(); onLogout(); });
}
