// Station window (售票窗口): a clerk finds a run, enters up to five real-name passengers, holds
// their seats, takes cash or card and prints the vouchers. Keyboard first: F2 starts a new sale,
// F4 adds a passenger, Enter confirms each step, Esc goes back one, ↑↓ move through the runs.
// #app's data-state says which step shows: search → sale → held → issued (tests wait on it), or
// after-sale: the desk for refunds, changes and reimbursement tickets (F6, window_after_sale.js).
import {
  api, session, wireStaffLogin, escapeHtml, yuan, todayInShanghai, newIdempotencyKey,
  passengerField, suggestStations, findStation, holderUrl, ticketPath, nodeNow,
} from "/api.js";
import { setupI18n, t, applyTranslations, salesWords, windowIdTypes, fareTypes } from "/i18n.js";
import { afterSaleWords, initAfterSale, openAfterSale, renderAfterSale } from "/window_after_sale.js";

const dict = {
  ...salesWords,
  ...afterSaleWords,
  title: { zh: "售票窗口", en: "Ticket window" },
  home: { zh: "首页", en: "Home" },
  logout: { zh: "退出", en: "Log out" },
  login: { zh: "售票员登录", en: "Clerk login" },
  username: { zh: "用户名", en: "Username" },
  password: { zh: "密码", en: "Password" },
  login_button: { zh: "登录", en: "Log in" },
  session_expired: { zh: "登录已过期，请重新登录", en: "Your session has ended; log in again" },
  keys_hint: { zh: "F2 新售票 · F4 添加乘客 · Enter 确认 · Esc 返回上一步 · ↑↓ 选择班次", en: "F2 new sale · F4 add passenger · Enter confirm · Esc back · ↑↓ pick a run" },
  find_run: { zh: "查询班次", en: "Find a run" },
  sale: { zh: "售票", en: "Sale" },
  hold: { zh: "锁座", en: "Hold seats" },
  max_passengers: { zh: "一个订单最多 {0} 位乘客", en: "At most {0} passengers per order" },
  payment: { zh: "收款", en: "Payment" },
  method: { zh: "付款方式", en: "Payment method" },
  cash: { zh: "现金", en: "Cash" },
  card: { zh: "银行卡", en: "Card" },
  received: { zh: "实收（元）", en: "Received (yuan)" },
  received_hint: { zh: "可不填", en: "optional" },
  change_due: { zh: "找零 ¥{0}", en: "Change ¥{0}" },
  short_cash: { zh: "实收金额不足 ¥{0}", en: "Received is less than ¥{0}" },
  bad_cash: { zh: "请输入金额，如 50 或 50.00", en: "Enter an amount such as 50 or 50.00" },
  take_payment: { zh: "收款出票", en: "Take payment and issue" },
  time_left: { zh: "剩余 {0}", en: "{0} left" },
  issued: { zh: "已出票", en: "Issued" },
  paid: { zh: "实收", en: "Paid" },
  print: { zh: "打印凭证", en: "Print voucher" },
  next_sale: { zh: "下一位（F2）", en: "Next customer (F2)" },
  unexpected_status: { zh: "订单状态为 {0}", en: "The order is {0}" },
};

const MAX_PASSENGERS = 5;

const $ = (id) => document.getElementById(id);
const app = $("app");
const searchForm = $("search-form");
const runsTable = $("runs");
const passengerBody = $("passengers").tBodies[0];
const payForm = $("pay-form");

let runs = [];            // the last search's offers
let run = null;           // the offer being sold
let order = null;         // the held, then issued, order
let orderAccessToken = "";  // the held order's proof (POST /orders answer), for voucher links
let orderAttempt = null;  // { body, key }: an order submission; a retry of the same body reuses its key
let payAttempt = null;    // { orderId, method, key }: likewise for a payment
let receivedFen = null;   // cash handed over, for the change shown after issue
let countdown = null;

// ---- Steps ------------------------------------------------------------------------------------

function setState(state) {
  app.dataset.state = state;
  $("search-panel").hidden = state !== "search";
  $("sale-panel").hidden = state !== "sale";
  $("pay-panel").hidden = state !== "held";
  $("issued-panel").hidden = state !== "issued";
  $("after-sale-panel").hidden = state !== "after-sale";
  $("go-after-sale").hidden = state === "after-sale";
  if (state !== "held") { clearInterval(countdown); countdown = null; }
}

function newSale() {
  if (app.dataset.state === "held") return;  // a held order is paid or cancelled first
  order = null;
  run = null;
  runs = [];
  orderAttempt = null;
  payAttempt = null;
  searchForm.to.value = "";
  runsTable.tBodies[0].innerHTML = "";
  delete runsTable.dataset.loaded;
  $("runs-count").textContent = "";
  clearErrors(document);
  setState("search");
  searchForm.to.focus();
}

// ---- Errors -----------------------------------------------------------------------------------

function clearErrors(root) {
  root.querySelectorAll("[aria-invalid=true]").forEach((el) => el.removeAttribute("aria-invalid"));
  root.querySelectorAll(".field-error").forEach((el) => { el.textContent = ""; });
  root.querySelectorAll(".error").forEach((el) => { el.textContent = ""; });
}

function markInvalid(input, message, errorBox) {
  input.setAttribute("aria-invalid", "true");
  if (errorBox) errorBox.textContent = message;
  input.focus();
}

// Shows an API failure: next to the passenger input its `field` names, else in `general`.
function showError(e, general) {
  if (e instanceof TypeError) { general.textContent = t("network_error"); return; }
  if (e.status === 401) { showLogin(t("session_expired")); return; }
  const where = passengerField(e.field);
  if (where && where.index !== null) {
    const row = passengerBody.rows[where.index];
    const input = row && row.querySelector(`[name=${where.member || "name"}]`);
    if (input) {
      markInvalid(input, e.message, row.querySelector(`[data-error-for=${input.name}]`));
      return;
    }
  }
  if (e.field && searchForm.elements[e.field] && app.dataset.state === "search") {
    markInvalid(searchForm.elements[e.field], e.message, null);
  }
  general.textContent = e.message;
}

async function busy(button, work) {
  button.disabled = true;
  try { await work(); } finally { button.disabled = false; }
}

// ---- Search -----------------------------------------------------------------------------------

async function searchRuns() {
  clearErrors($("search-panel"));
  delete runsTable.dataset.loaded;
  const error = $("search-error");
  try {
    const [from, to] = await Promise.all([findStation(searchForm.from.value), findStation(searchForm.to.value)]);
    const unknown = !from ? searchForm.from : !to ? searchForm.to : null;
    if (unknown) {
      error.textContent = t("unknown_station");
      markInvalid(unknown, "", null);
      return;
    }
    searchForm.from.value = `${from.name} ${from.code}`;
    searchForm.to.value = `${to.name} ${to.code}`;
    const data = await api("GET", `/runs?from=${from.code}&to=${to.code}&date=${encodeURIComponent(searchForm.date.value)}&channel=window`);
    runs = data.items;
  } catch (e) {
    runs = [];
    showError(e, error);
  }
  renderRuns();
  runsTable.dataset.loaded = String(runs.length);
  renderRunsCount();
  const first = runsTable.querySelector("button.choose:not([disabled])");
  if (first) first.focus();
}

function renderRunsCount() {
  $("runs-count").textContent = runs.length ? t("runs_count", runs.length) : (runsTable.dataset.loaded ? t("no_runs") : "");
}

function renderRuns() {
  runsTable.tBodies[0].innerHTML = runs.map((r, i) => `
    <tr data-run="${escapeHtml(r.run_id)}">
      <td><b>${escapeHtml(r.departs_at.slice(11, 16))}</b></td>
      <td>${escapeHtml(r.run_id)}</td>
      <td>${escapeHtml(r.route_name)}<div class="muted">${escapeHtml(r.carrier_name)}</div></td>
      <td>${escapeHtml(r.from_stop.name)} → ${escapeHtml(r.to_stop.name)}</td>
      <td>${escapeHtml(r.vehicle_class)}</td>
      <td class="num">${yuan(r.fares.adult)}</td><td class="num">${yuan(r.fares.child)}</td>
      <td class="num">${yuan(r.fares.discount)}</td><td class="num">${yuan(r.fares.station_fee)}</td>
      <td class="num seats-left">${r.seats_left}</td>
      <td><button type="button" class="choose" data-index="${i}" ${r.seats_left > 0 ? "" : "disabled"} data-i18n="choose">选择</button></td>
    </tr>`).join("");
  applyTranslations(runsTable);
}

// ---- Passengers -------------------------------------------------------------------------------

function options(values, prefix) {
  return values.map((v) => `<option value="${v}" data-i18n="${prefix}${v}"></option>`).join("");
}

function addPassenger() {
  if (passengerBody.rows.length >= MAX_PASSENGERS) {
    $("sale-error").textContent = t("max_passengers", MAX_PASSENGERS);
    return;
  }
  const row = passengerBody.insertRow();
  row.innerHTML = `
    <td class="n"></td>
    <td><input name="name" maxlength="40" required><div class="field-error" data-error-for="name"></div></td>
    <td><select name="id_type">${options(windowIdTypes, "id_")}</select><div class="field-error" data-error-for="id_type"></div></td>
    <td><input name="id_number" class="id-number" maxlength="24" spellcheck="false" autocapitalize="characters" required><div class="field-error" data-error-for="id_number"></div></td>
    <td><select name="fare_type">${options(fareTypes, "fare_")}</select><div class="field-error" data-error-for="fare_type"></div></td>
    <td><input name="seat" class="seat" type="number" min="1" max="70" data-i18n-placeholder="seat_any"><div class="field-error" data-error-for="seat"></div></td>
    <td><button type="button" class="remove" data-i18n="remove">删除</button></td>`;
  applyTranslations(row);
  renumber();
  row.querySelector("[name=name]").focus();
}

function renumber() {
  Array.from(passengerBody.rows).forEach((row, i) => {
    row.dataset.passenger = String(i);
    row.cells[0].textContent = String(i + 1);
  });
  $("add-passenger").disabled = passengerBody.rows.length >= MAX_PASSENGERS;
  updateEstimate();
}

function readPassengers() {
  return Array.from(passengerBody.rows).map((row) => {
    const value = (name) => row.querySelector(`[name=${name}]`).value.trim();
    const passenger = {
      name: value("name"), id_type: value("id_type"),
      id_number: value("id_number").toUpperCase(), fare_type: value("fare_type"),
    };
    if (value("seat")) passenger.seat = Number(value("seat"));
    return passenger;
  });
}

// What the order should cost: fare plus station fee per seated passenger. The order's own
// amount, shown once the seats are held, is the one charged.
function updateEstimate() {
  if (!run) return;
  const fen = readPassengers().reduce((sum, p) =>
    sum + (p.fare_type === "free_child" ? 0 : run.fares[p.fare_type] + run.fares.station_fee), 0);
  $("estimate").textContent = yuan(fen);
}

function chooseRun(index) {
  run = runs[index];
  clearErrors($("sale-panel"));
  $("sale-run").textContent = run.run_id;
  $("run-summary").innerHTML = `<b>${escapeHtml(run.departs_at.slice(0, 10))} ${escapeHtml(run.departs_at.slice(11, 16))}</b>
    ${escapeHtml(run.from_stop.name)} → ${escapeHtml(run.to_stop.name)} · ${escapeHtml(run.route_name)} ·
    <span data-i18n="seats_left"></span> <span class="seats-left">${run.seats_left}</span>`;
  applyTranslations($("run-summary"));
  passengerBody.innerHTML = "";
  orderAttempt = null;
  setState("sale");
  addPassenger();
}

async function holdSeats() {
  clearErrors($("sale-panel"));
  const body = { run_id: run.run_id, from: run.from_stop.code, to: run.to_stop.code, channel: "window", passengers: readPassengers() };
  const text = JSON.stringify(body);
  if (!orderAttempt || orderAttempt.body !== text) orderAttempt = { body: text, key: newIdempotencyKey() };
  try {
    order = await api("POST", "/orders", body, { "Idempotency-Key": orderAttempt.key });
    // The order's proof, for the voucher images and PDF links (which cannot send the session).
    orderAccessToken = order.access_token;
    orderAttempt = null;
    payAttempt = null;
    showHeld();
  } catch (e) {
    showError(e, $("sale-error"));
  }
}

// ---- Payment ----------------------------------------------------------------------------------

function showHeld() {
  clearErrors($("pay-panel"));
  $("order-id").textContent = order.order_id;
  $("amount").textContent = yuan(order.amount);
  $("held-tickets").tBodies[0].innerHTML = order.tickets.map((tk) => `<tr>
    <td>${escapeHtml(tk.passenger_name)}</td><td class="id-number">${escapeHtml(tk.id_number)}</td>
    <td data-i18n="fare_${escapeHtml(tk.fare_type)}"></td><td>${tk.seat ?? "—"}</td>
    <td class="num">${yuan(tk.fare)}</td><td class="num">${yuan(tk.station_fee)}</td></tr>`).join("");
  applyTranslations($("pay-panel"));
  payForm.received.value = "";
  $("change").textContent = "";
  setState("held");
  const tick = () => {
    const left = Math.max(0, Math.floor((Date.parse(order.expires_at) - nodeNow()) / 1000));
    const mmss = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    $("expires").textContent = `${order.expires_at.slice(11, 19)}（${t("time_left", mmss)}）`;
  };
  tick();
  countdown = setInterval(tick, 1000);
  onMethodChange();
}

function onMethodChange() {
  const cash = payForm.method.value === "cash";
  $("received-label").hidden = !cash;
  (cash ? payForm.received : $("pay")).focus();
}

// The cash handed over in fen, null if none was entered, NaN if it is not an amount.
function received() {
  const text = payForm.received.value.trim();
  if (!text) return null;
  return /^\d+(\.\d{1,2})?$/.test(text) ? Math.round(Number(text) * 100) : NaN;
}

function showChange() {
  const fen = received();
  $("change").textContent = fen !== null && fen >= order.amount ? t("change_due", yuan(fen - order.amount)) : "";
}

async function pay() {
  clearErrors($("pay-panel"));
  const method = payForm.method.value;
  receivedFen = method === "cash" ? received() : null;
  if (Number.isNaN(receivedFen) || (receivedFen !== null && receivedFen < order.amount)) {
    $("pay-error").textContent = Number.isNaN(receivedFen) ? t("bad_cash") : t("short_cash", yuan(order.amount));
    markInvalid(payForm.received, "", null);
    return;
  }
  if (!payAttempt || payAttempt.orderId !== order.order_id || payAttempt.method !== method) {
    payAttempt = { orderId: order.order_id, method, key: newIdempotencyKey() };
  }
  try {
    const paid = await api("POST", `/orders/${encodeURIComponent(order.order_id)}/pay`, { method }, { "Idempotency-Key": payAttempt.key });
    if (paid.status !== "issued") { $("pay-error").textContent = t("unexpected_status", paid.status); return; }
    order = paid;
    showIssued();
  } catch (e) {
    showError(e, $("pay-error"));
  }
}

async function cancelOrder() {
  try {
    await api("POST", `/orders/${encodeURIComponent(order.order_id)}/cancel`);
    order = null;
    setState("sale");  // the passengers stay entered, to correct and hold again
    passengerBody.querySelector("[name=name]")?.focus();
  } catch (e) {
    showError(e, $("pay-error"));
  }
}

// ---- Issued -----------------------------------------------------------------------------------

function showIssued() {
  renderIssued();
  setState("issued");
  $("issued-tickets").querySelector("a.print")?.focus();
}

// One row per ticket with its QR and the printable PDF voucher; a free child (携童) has its own.
function renderIssued() {
  $("issued-order").textContent = order.order_id;
  $("issued-tickets").tBodies[0].innerHTML = order.tickets.map((tk) => {
    const voucher = (kind) => escapeHtml(holderUrl(`${ticketPath(tk.ticket_number)}/voucher.${kind}`, orderAccessToken));
    return `<tr data-ticket="${escapeHtml(tk.ticket_number)}">
      <td class="ticket-number">${escapeHtml(tk.ticket_number)}</td>
      <td>${escapeHtml(tk.passenger_name)} <span class="muted id-number">${escapeHtml(tk.id_number)}</span></td>
      <td data-i18n="fare_${escapeHtml(tk.fare_type)}"></td>
      <td>${tk.seat ?? "—"}</td>
      <td class="num">${yuan(tk.fare + tk.station_fee)}</td>
      <td><img class="qr" src="${voucher("svg")}" alt="QR ${escapeHtml(tk.ticket_number)}" width="96" height="96"></td>
      <td><a class="print" href="${voucher("pdf")}" target="_blank" rel="noopener" data-i18n="print">打印凭证</a></td>
    </tr>`;
  }).join("") + (receivedFen !== null
    ? `<tr><td colspan="7" class="change">${escapeHtml(t("change_due", yuan(receivedFen - order.amount)))}</td></tr>` : "");
  applyTranslations($("issued-panel"));
}

// ---- Session ----------------------------------------------------------------------------------

function showLogin(message = "") {
  app.hidden = true;
  $("logout").hidden = true;
  $("login-panel").hidden = false;
  $("who").textContent = "";
  $("login-error").textContent = message;
  $("login-form").username.focus();
}

async function showApp() {
  const who = session();
  $("login-panel").hidden = true;
  app.hidden = false;
  $("logout").hidden = false;
  $("who").textContent = `${who.display_name} (${who.username})`;
  if (!searchForm.date.value) searchForm.date.value = todayInShanghai();
  searchForm.date.min = todayInShanghai();
  if (who.station && !searchForm.from.value) {
    try {
      const station = await findStation(who.station);
      if (station) searchForm.from.value = `${station.name} ${station.code}`;
    } catch (e) { /* the clerk types it */ }
  }
  setState(app.dataset.state || "search");
  searchForm.dataset.ready = "true";
  searchForm.to.focus();
}

// ---- Wiring -----------------------------------------------------------------------------------

wireStaffLogin({ networkError: () => t("network_error"), onLogin: showApp, onLogout: showLogin });

suggestStations(searchForm.from);
suggestStations(searchForm.to);
searchForm.addEventListener("submit", (event) => {
  event.preventDefault();
  busy(searchForm.querySelector("button[type=submit]"), searchRuns);
});
runsTable.addEventListener("click", (event) => {
  const button = event.target.closest("button.choose");
  if (button) chooseRun(Number(button.dataset.index));
});
runsTable.addEventListener("keydown", (event) => {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const buttons = Array.from(runsTable.querySelectorAll("button.choose:not([disabled])"));
  const at = buttons.indexOf(document.activeElement);
  const next = buttons[Math.min(buttons.length - 1, Math.max(0, at + (event.key === "ArrowDown" ? 1 : -1)))];
  if (next) { event.preventDefault(); next.focus(); }
});

$("add-passenger").addEventListener("click", addPassenger);
passengerBody.addEventListener("click", (event) => {
  if (!event.target.closest("button.remove") || passengerBody.rows.length === 1) return;
  event.target.closest("tr").remove();
  renumber();
});
passengerBody.addEventListener("input", (event) => {
  const row = event.target.closest("tr");
  event.target.removeAttribute("aria-invalid");
  const box = row.querySelector(`[data-error-for=${event.target.name}]`);
  if (box) box.textContent = "";
  updateEstimate();
});
passengerBody.addEventListener("change", updateEstimate);
$("back-to-runs").addEventListener("click", () => setState("search"));
$("passenger-form").addEventListener("submit", (event) => {
  event.preventDefault();
  busy($("hold"), holdSeats);
});

payForm.addEventListener("change", (event) => { if (event.target.name === "method") onMethodChange(); });
payForm.received.addEventListener("input", showChange);
payForm.addEventListener("submit", (event) => {
  event.preventDefault();
  busy($("pay"), pay);
});
$("cancel-order").addEventListener("click", () => busy($("cancel-order"), cancelOrder));
$("next-sale").addEventListener("click", newSale);

// The after-sale desk; a held order is paid or cancelled first, as for a new sale.
function goAfterSale() {
  if (app.dataset.state === "held") return;
  setState("after-sale");
  openAfterSale();
}
initAfterSale({ unauthorized: () => showLogin(t("session_expired")) });
$("go-after-sale").addEventListener("click", goAfterSale);
$("back-to-sale").addEventListener("click", newSale);

document.addEventListener("keydown", (event) => {
  if (app.hidden) return;
  if (event.key === "F2") { event.preventDefault(); newSale(); }
  if (event.key === "F6") { event.preventDefault(); goAfterSale(); }
  if (event.key === "F4" && app.dataset.state === "sale") { event.preventDefault(); addPassenger(); }
  if (event.key === "Escape" && app.dataset.state === "sale") {
    event.preventDefault();
    setState("search");
    runsTable.querySelector(`tr[data-run="${CSS.escape(run.run_id)}"] button.choose`)?.focus();
  }
});

setupI18n(dict, $("lang"), () => {
  renderRunsCount();
  if (order && app.dataset.state === "held") showChange();
  if (order && app.dataset.state === "issued") renderIssued();
  renderAfterSale();
});
if (session()) showApp(); else showLogin();
