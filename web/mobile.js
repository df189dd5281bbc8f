// Passenger mobile purchase (手机购票): no login. Search a trip, choose a run, enter up to five
// real-name passengers, hold the seats, pay in the sandbox wallet and show the QR vouchers.
// #app's data-step says which step shows: search → passengers → pay → done; #wallet's
// data-state follows the sandbox payment: pending → approved → issued, or timeout (tests wait on
// these markers).
import {
  api, escapeHtml, yuan, todayInShanghai, dateInShanghai, newIdempotencyKey, passengerField,
  suggestStations, findStation,
} from "/api.js";
import { setupI18n, t, applyTranslations, salesWords, onlineIdTypes, fareTypes } from "/i18n.js";

const dict = {
  ...salesWords,
  title: { zh: "汽车票 · 手机购票", en: "Bus tickets · mobile" },
  today: { zh: "今天", en: "Today" },
  tomorrow: { zh: "明天", en: "Tomorrow" },
  day_after: { zh: "后天", en: "Day after" },
  resume_hint: { zh: "您有一笔最近的订单", en: "You have a recent order" },
  resume: { zh: "查看订单", en: "View order" },
  submit_order: { zh: "提交订单", en: "Place order" },
  max_passengers: { zh: "一个订单最多 {0} 位乘客", en: "At most {0} passengers per order" },
  pay_sandbox: { zh: "去支付", en: "Pay" },
  wallet_title: { zh: "沙箱支付", en: "Sandbox payment" },
  wallet_hint: { zh: "这是测试用的沙箱钱包，不会真实扣款。", en: "A test wallet: no real money moves." },
  wallet_amount: { zh: "支付金额", en: "Amount" },
  payment_id: { zh: "支付单号", en: "Payment" },
  approve: { zh: "在沙箱钱包中确认支付", en: "Approve in sandbox wallet" },
  waiting: { zh: "已确认支付，正在出票…", en: "Payment approved; issuing your tickets…" },
  timeout: { zh: "20 秒内未收到出票结果。支付成功后车票会自动出票，请稍后再查。", en: "No ticket yet after 20 s. Once the payment is confirmed the tickets are issued; check again shortly." },
  check_again: { zh: "再查一次", en: "Check again" },
  order_ended: { zh: "订单已{0}，座位已释放", en: "The order is {0}; its seats were released" },
  done: { zh: "购票成功", en: "Your tickets" },
  done_hint: { zh: "检票时出示二维码和本人证件。", en: "Show the QR code and your ID at the gate." },
  buy_again: { zh: "再买一张", en: "Buy another" },
  qr_failed: { zh: "二维码加载失败，请刷新", en: "The QR code did not load; reload the page" },
};

const MAX_PASSENGERS = 5;
const POLL_MS = 300;
const POLL_LIMIT_MS = 20000;
const LAST_ORDER = "keyun.mobile.order";
const LAST_TRIP = "keyun.mobile.trip";

const $ = (id) => document.getElementById(id);
const app = $("app");
const searchForm = $("search-form");
const passengerBox = $("passengers");
const wallet = $("wallet");

let runs = [];
let run = null;            // the offer chosen, for names on the order and tickets
let order = null;
let orderAttempt = null;   // { body, key }: a retry of the same submission reuses its key
let payAttempt = null;     // { orderId, key }
let payment = null;        // the sandbox payment awaiting approval

// ---- Steps and errors -------------------------------------------------------------------------

function setStep(step) {
  app.dataset.step = step;
  $("search-panel").hidden = step !== "search";
  $("passenger-panel").hidden = step !== "passengers";
  $("pay-panel").hidden = step !== "pay";
  $("done-panel").hidden = step !== "done";
  $("resume").hidden = step !== "search" || !localStorage.getItem(LAST_ORDER);
  window.scrollTo(0, 0);
}

function clearErrors(root) {
  root.querySelectorAll("[aria-invalid=true]").forEach((el) => el.removeAttribute("aria-invalid"));
  root.querySelectorAll(".field-error, .error").forEach((el) => { el.textContent = ""; });
}

// Shows an API failure next to the passenger input its `field` names, else in `general`.
function showError(e, general) {
  if (e instanceof TypeError) { general.textContent = t("network_error"); return; }
  const where = passengerField(e.field);
  const card = where && where.index !== null ? passengerBox.children[where.index] : null;
  const input = card && card.querySelector(`[name=${where.member || "name"}]`);
  if (input) {
    input.setAttribute("aria-invalid", "true");
    card.querySelector(`[data-error-for=${input.name}]`).textContent = e.message;
    input.focus();
    input.scrollIntoView({ block: "center" });
    return;
  }
  if (e.field && searchForm.elements[e.field] && app.dataset.step === "search") {
    searchForm.elements[e.field].setAttribute("aria-invalid", "true");
  }
  general.textContent = e.message;
}

async function busy(button, work) {
  button.disabled = true;
  try { await work(); } finally { button.disabled = false; }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const when = (iso) => `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;

// ---- Search -----------------------------------------------------------------------------------

async function searchRuns() {
  clearErrors($("search-panel"));
  const list = $("runs");
  delete list.dataset.loaded;
  runs = [];
  try {
    const [from, to] = await Promise.all([findStation(searchForm.from.value), findStation(searchForm.to.value)]);
    const unknown = !from ? searchForm.from : !to ? searchForm.to : null;
    if (unknown) {
      unknown.setAttribute("aria-invalid", "true");
      $("search-error").textContent = t("unknown_station");
      return;
    }
    searchForm.from.value = `${from.name} ${from.code}`;
    searchForm.to.value = `${to.name} ${to.code}`;
    localStorage.setItem(LAST_TRIP, JSON.stringify({ from: searchForm.from.value, to: searchForm.to.value }));
    const data = await api("GET", `/runs?from=${from.code}&to=${to.code}&date=${encodeURIComponent(searchForm.date.value)}&channel=mobile`);
    runs = data.items;
  } catch (e) {
    showError(e, $("search-error"));
  } finally {
    renderRuns();
    list.dataset.loaded = String(runs.length);
    renderRunsCount();
  }
}

function renderRunsCount() {
  const list = $("runs");
  $("runs-count").textContent = runs.length ? t("runs_count", runs.length) : (list.dataset.loaded ? t("no_runs") : "");
}

function renderRuns() {
  $("runs").innerHTML = runs.map((r, i) => `
    <li><button type="button" class="run" data-index="${i}" data-run="${escapeHtml(r.run_id)}" ${r.seats_left > 0 ? "" : "disabled"}>
      <span class="time">${escapeHtml(r.departs_at.slice(11, 16))}</span>
      <span class="where">${escapeHtml(r.from_stop.name)} → ${escapeHtml(r.to_stop.name)}
        <small>${escapeHtml(r.route_name)} · ${escapeHtml(r.vehicle_class)}</small></span>
      <span class="price">¥${yuan(r.fares.adult + r.fares.station_fee)}
        <small><span data-i18n="seats_left"></span> ${r.seats_left}</small></span>
    </button></li>`).join("");
  applyTranslations($("runs"));
}

// ---- Passengers -------------------------------------------------------------------------------

function options(values, prefix) {
  return values.map((v) => `<option value="${v}" data-i18n="${prefix}${v}"></option>`).join("");
}

function addPassenger() {
  if (passengerBox.children.length >= MAX_PASSENGERS) {
    $("order-error").textContent = t("max_passengers", MAX_PASSENGERS);
    return;
  }
  const card = document.createElement("fieldset");
  card.className = "passenger card";
  card.innerHTML = `
    <legend><span data-i18n="passenger_n"></span> <span class="n"></span></legend>
    <button type="button" class="remove" data-i18n="remove"></button>
    <label><span data-i18n="name"></span><input name="name" maxlength="40" autocomplete="name" required>
      <span class="field-error" data-error-for="name"></span></label>
    <label><span data-i18n="id_type"></span><select name="id_type">${options(onlineIdTypes, "id_")}</select>
      <span class="field-error" data-error-for="id_type"></span></label>
    <label><span data-i18n="id_number"></span><input name="id_number" maxlength="24" spellcheck="false" autocapitalize="characters" required>
      <span class="field-error" data-error-for="id_number"></span></label>
    <label><span data-i18n="fare_type"></span><select name="fare_type">${options(fareTypes, "fare_")}</select>
      <span class="field-error" data-error-for="fare_type"></span></label>`;
  passengerBox.append(card);
  applyTranslations(card);
  renumber();
}

function renumber() {
  Array.from(passengerBox.children).forEach((card, i) => {
    card.dataset.passenger = String(i);
    card.querySelector(".n").textContent = String(i + 1);
    card.querySelector(".remove").hidden = passengerBox.children.length === 1;
  });
  $("add-passenger").disabled = passengerBox.children.length >= MAX_PASSENGERS;
  updateEstimate();
}

function readPassengers() {
  return Array.from(passengerBox.children).map((card) => {
    const value = (name) => card.querySelector(`[name=${name}]`).value.trim();
    return { name: value("name"), id_type: value("id_type"), id_number: value("id_number").toUpperCase(), fare_type: value("fare_type") };
  });
}

function updateEstimate() {
  if (!run) return;
  const fen = readPassengers().reduce((sum, p) =>
    sum + (p.fare_type === "free_child" ? 0 : run.fares[p.fare_type] + run.fares.station_fee), 0);
  $("estimate").textContent = yuan(fen);
}

function runCard(r) {
  return `<p class="time"><b>${escapeHtml(when(r.departs_at))}</b> · ${escapeHtml(r.run_id)}</p>
    <p>${escapeHtml(r.from_stop.name)} → ${escapeHtml(r.to_stop.name)}</p>
    <p class="muted">${escapeHtml(r.route_name)} · ${escapeHtml(r.carrier_name)}</p>
    <p class="muted"><span data-i18n="fare_adult"></span> ¥${yuan(r.fares.adult)} ·
      <span data-i18n="fare_child"></span> ¥${yuan(r.fares.child)} ·
      <span data-i18n="station_fee"></span> ¥${yuan(r.fares.station_fee)}</p>`;
}

function chooseRun(index) {
  run = runs[index];
  $("run-card").innerHTML = runCard(run);
  applyTranslations($("run-card"));
  passengerBox.innerHTML = "";
  clearErrors($("passenger-panel"));
  orderAttempt = null;
  addPassenger();
  setStep("passengers");
  passengerBox.querySelector("[name=name]").focus();
}

async function placeOrder() {
  clearErrors($("passenger-panel"));
  const body = { run_id: run.run_id, from: run.from_stop.code, to: run.to_stop.code, channel: "mobile", passengers: readPassengers() };
  const text = JSON.stringify(body);
  if (!orderAttempt || orderAttempt.body !== text) orderAttempt = { body: text, key: newIdempotencyKey() };
  try {
    order = await api("POST", "/orders", body, { "Idempotency-Key": orderAttempt.key });
    orderAttempt = null;
    localStorage.setItem(LAST_ORDER, order.order_id);
    showOrder();
  } catch (e) {
    showError(e, $("order-error"));
  }
}

// ---- Payment in the sandbox -------------------------------------------------------------------

function showOrder() {
  clearErrors($("pay-panel"));
  payAttempt = null;
  payment = null;
  $("order-id").textContent = order.order_id;
  $("order-card").innerHTML = (run && run.run_id === order.run_id ? runCard(run) : `<p>${escapeHtml(order.run_id)}</p>`) +
    `<ul class="plain">${order.tickets.map((tk) => `<li>${escapeHtml(tk.passenger_name)}
      <span class="muted">${escapeHtml(tk.id_number)}</span> · <span data-i18n="fare_${escapeHtml(tk.fare_type)}"></span>
      · <span data-i18n="seat"></span> ${tk.seat ?? "—"}</li>`).join("")}</ul>`;
  applyTranslations($("order-card"));
  $("amount").textContent = yuan(order.amount);
  $("expires").textContent = order.expires_at.slice(11, 16);
  wallet.hidden = true;
  delete wallet.dataset.state;
  $("pay").hidden = false;
  $("cancel-order").hidden = false;
  setStep("pay");
  $("pay").focus();
}

async function pay() {
  clearErrors($("pay-panel"));
  if (!payAttempt || payAttempt.orderId !== order.order_id) payAttempt = { orderId: order.order_id, key: newIdempotencyKey() };
  try {
    const answer = await api("POST", `/orders/${encodeURIComponent(order.order_id)}/pay`, { method: "sandbox" },
      { "Idempotency-Key": payAttempt.key });
    if (answer.status === "issued") { order = answer; showTickets(); return; }
    payment = answer.payment;
    $("wallet-amount").textContent = yuan(payment.amount);
    $("payment-id").textContent = payment.payment_id;
    $("wallet-status").textContent = "";
    $("check-again").hidden = true;
    $("approve").hidden = false;
    $("pay").hidden = true;
    wallet.hidden = false;
    wallet.dataset.state = "pending";
    $("approve").focus();
  } catch (e) {
    showError(e, $("pay-error"));
  }
}

// The sandbox stands in for the passenger's wallet app: approving there makes the provider
// notify the node, which issues the tickets a moment later; the page polls the order till then.
async function approve() {
  clearErrors($("pay-panel"));
  try {
    await api("POST", `/sandbox/wallet/${encodeURIComponent(payment.payment_id)}/approve`);
  } catch (e) {
    showError(e, $("pay-error"));
    return;
  }
  $("approve").hidden = true;
  $("cancel-order").hidden = true;
  wallet.dataset.state = "approved";
  await waitForIssue();
}

async function waitForIssue() {
  $("check-again").hidden = true;
  $("wallet-status").textContent = t("waiting");
  const deadline = Date.now() + POLL_LIMIT_MS;
  while (Date.now() < deadline) {
    await sleep(POLL_MS);
    let current;
    try {
      current = await api("GET", `/orders/${encodeURIComponent(order.order_id)}`);
    } catch (e) {
      if (e instanceof TypeError) continue;  // the phone lost its signal for a moment
      showError(e, $("pay-error"));
      return;
    }
    if (current.status === "issued") {
      order = current;
      wallet.dataset.state = "issued";
      showTickets();
      return;
    }
    if (current.status !== "held") {
      $("wallet-status").textContent = "";
      $("pay-error").textContent = t("order_ended", t("status_" + current.status));
      return;
    }
  }
  wallet.dataset.state = "timeout";
  $("wallet-status").textContent = t("timeout");
  $("check-again").hidden = false;
}

async function cancelOrder() {
  try {
    await api("POST", `/orders/${encodeURIComponent(order.order_id)}/cancel`);
    localStorage.removeItem(LAST_ORDER);
    order = null;
    setStep("passengers");
  } catch (e) {
    showError(e, $("pay-error"));
  }
}

// ---- Tickets ----------------------------------------------------------------------------------

async function stationName(code) {
  if (run && run.from_stop.code === code) return run.from_stop.name;
  if (run && run.to_stop.code === code) return run.to_stop.name;
  try { return (await findStation(code))?.name ?? code; } catch (e) { return code; }
}

// One card per ticket with its QR voucher; #tickets' data-state turns "ready" once every QR
// image has loaded.
async function showTickets() {
  const box = $("tickets");
  box.dataset.state = "loading";
  setStep("done");
  const first = order.tickets[0];
  const [fromName, toName] = await Promise.all([stationName(first.from), stationName(first.to)]);
  box.innerHTML = order.tickets.map((tk) => `
    <article class="ticket card" data-ticket="${escapeHtml(tk.ticket_number)}">
      <img class="qr" src="/api/v1/tickets/${encodeURIComponent(tk.ticket_number)}/voucher.svg" alt="QR ${escapeHtml(tk.ticket_number)}">
      <dl>
        <dt data-i18n="ticket_number"></dt><dd class="ticket-number">${escapeHtml(tk.ticket_number)}</dd>
        <dt data-i18n="passenger"></dt><dd>${escapeHtml(tk.passenger_name)} <span class="muted">${escapeHtml(tk.id_number)}</span></dd>
        <dt data-i18n="departs"></dt><dd class="departs">${escapeHtml(tk.departs_at.slice(0, 10))} ${escapeHtml(tk.departs_at.slice(11, 16))}</dd>
        <dt data-i18n="run"></dt><dd class="run-id">${escapeHtml(tk.run_id)}</dd>
        <dt data-i18n="from_to"></dt><dd>${escapeHtml(fromName)} → ${escapeHtml(toName)}</dd>
        <dt data-i18n="seat"></dt><dd class="seat">${tk.seat ?? "—"}</dd>
        <dt data-i18n="fare_type"></dt><dd><span data-i18n="fare_${escapeHtml(tk.fare_type)}"></span> ¥${yuan(tk.fare + tk.station_fee)}</dd>
      </dl>
    </article>`).join("");
  applyTranslations(box);
  try {
    await Promise.all(Array.from(box.querySelectorAll("img.qr"), (img) => img.decode()));
    box.dataset.state = "ready";
  } catch (e) {
    box.dataset.state = "error";
    box.insertAdjacentHTML("afterbegin", `<p class="error">${escapeHtml(t("qr_failed"))}</p>`);
  }
}

async function resumeOrder() {
  const id = localStorage.getItem(LAST_ORDER);
  try {
    order = await api("GET", `/orders/${encodeURIComponent(id)}`);
  } catch (e) {
    localStorage.removeItem(LAST_ORDER);
    setStep("search");
    showError(e, $("search-error"));
    return;
  }
  if (order.status === "issued") showTickets();
  else if (order.status === "held" && Date.parse(order.expires_at) > Date.now()) showOrder();
  else {
    localStorage.removeItem(LAST_ORDER);
    setStep("search");
    $("search-error").textContent = t("order_ended", t("status_" + order.status));
  }
}

// ---- Wiring -----------------------------------------------------------------------------------

suggestStations(searchForm.from);
suggestStations(searchForm.to);
searchForm.addEventListener("submit", (event) => {
  event.preventDefault();
  busy(searchForm.querySelector("button[type=submit]"), searchRuns);
});
$("swap").addEventListener("click", () => {
  [searchForm.from.value, searchForm.to.value] = [searchForm.to.value, searchForm.from.value];
});
$("day-chips").addEventListener("click", (event) => {
  const chip = event.target.closest("button[data-days]");
  if (chip) searchForm.date.value = dateInShanghai(Number(chip.dataset.days));
});
$("runs").addEventListener("click", (event) => {
  const button = event.target.closest("button.run");
  if (button) chooseRun(Number(button.dataset.index));
});
$("add-passenger").addEventListener("click", () => {
  addPassenger();
  passengerBox.lastElementChild.querySelector("[name=name]").focus();
});
passengerBox.addEventListener("click", (event) => {
  if (!event.target.closest("button.remove")) return;
  event.target.closest("fieldset").remove();
  renumber();
});
passengerBox.addEventListener("input", (event) => {
  event.target.removeAttribute("aria-invalid");
  const box = event.target.closest("fieldset").querySelector(`[data-error-for=${event.target.name}]`);
  if (box) box.textContent = "";
  updateEstimate();
});
passengerBox.addEventListener("change", updateEstimate);
$("passenger-form").addEventListener("submit", (event) => {
  event.preventDefault();
  busy($("submit-order"), placeOrder);
});
$("back-to-runs").addEventListener("click", () => setStep("search"));
$("pay").addEventListener("click", () => busy($("pay"), pay));
$("approve").addEventListener("click", () => busy($("approve"), approve));
$("check-again").addEventListener("click", () => busy($("check-again"), waitForIssue));
$("cancel-order").addEventListener("click", () => busy($("cancel-order"), cancelOrder));
$("again").addEventListener("click", () => {
  order = null;  // the issued order stays in LAST_ORDER, to show its tickets again
  $("resume-id").textContent = localStorage.getItem(LAST_ORDER) || "";
  setStep("search");
});
$("resume-order").addEventListener("click", () => busy($("resume-order"), resumeOrder));

setupI18n(dict, $("lang"), renderRunsCount);
const trip = JSON.parse(localStorage.getItem(LAST_TRIP) || "null");
if (trip) { searchForm.from.value = trip.from; searchForm.to.value = trip.to; }
searchForm.date.min = todayInShanghai();
searchForm.date.value = todayInShanghai();
$("resume-id").textContent = localStorage.getItem(LAST_ORDER) || "";
setStep("search");
searchForm.dataset.ready = "true";
