// Passenger mobile purchase (手机购票): no login. Search a trip, choose a run, enter up to five
// real-name passengers, hold the seats, pay in the sandbox wallet and show the QR vouchers; then
// refund (退票) or change (改签) a ticket of the order shown.
// #app's data-step says which step shows: search → passengers → pay → done, and from done
// refund or change (a change that costs more goes through pay again, for its held new order);
// #wallet's data-state follows the sandbox payment: pending → approved → issued, or timeout;
// #refund-panel's data-state: loading → quote → refunding → done (or error), and
// #refund-result's the money: pending → done; #change-panel's: runs → quoting → quote →
// changing (or error), #change-runs' data-loaded the number of runs offered; a ticket card's
// data-status the ticket's status (tests wait on these markers).
import {
  api, escapeHtml, yuan, todayInShanghai, dateInShanghai, newIdempotencyKey, passengerField,
  suggestStations, findStation, ticketPath, rememberOrderToken, orderToken, asHolder, holderUrl,
  nodeNow, syncNodeTime,
} from "/api.js";
import { setupI18n, t, applyTranslations, labelledRow, salesWords, onlineIdTypes, fareTypes } from "/i18n.js";

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
  my_tickets: { zh: "我的车票", en: "Your tickets" },
  ticket_status_issued: { zh: "有效", en: "valid" },
  ticket_status_refunded: { zh: "已退票", en: "refunded" },
  ticket_status_changed: { zh: "已改签", en: "changed" },
  ticket_status_held: { zh: "待支付", en: "awaiting payment" },
  ticket_void: { zh: "此票已作废，二维码不能再检票。", en: "This ticket is void: its QR code no longer boards." },
  refund: { zh: "退票", en: "Refund" },
  change: { zh: "改签", en: "Change" },
  back_to_tickets: { zh: "返回车票", en: "Back to my tickets" },
  failed_refund: { zh: "无法退票：", en: "Cannot refund: " },
  failed_change: { zh: "无法改签：", en: "Cannot change: " },
  failed_change_runs: { zh: "查询可改签的班次失败：", en: "Could not list runs to change to: " },
  failed_order: { zh: "无法读取订单：", en: "Cannot read the order: " },
  after_sale_network_error: { zh: "网络连接失败：请检查网络后再点一次（重试不会重复退票或改签）", en: "Network error: check your connection and tap again (a retry will not refund or change twice)" },
  server_error_hint: { zh: "（系统暂时出错，请稍后再试）", en: " (a fault on our side; try again in a moment)" },
  refund_title: { zh: "退票", en: "Refund" },
  refund_hint: { zh: "退票后车票立即作废，二维码不能再检票；票款扣除手续费后原路退回。", en: "A refunded ticket is void at once and its QR code no longer boards; the fare less the fee goes back the way you paid." },
  refund_confirm: { zh: "确认退票", en: "Confirm refund" },
  refund_done: { zh: "已退票", en: "Refunded" },
  paid_fare: { zh: "实付票款", en: "Paid" },
  refund_fee: { zh: "退票手续费", en: "Refund fee" },
  refund_amount: { zh: "退款金额", en: "Amount back" },
  rule: { zh: "规则", en: "Rule" },
  free_children_refunded: { zh: "随行携童车票 {0} 张一并退票", en: "{0} free child ticket(s) refunded with it" },
  money_back: { zh: "退款方式", en: "Paid back" },
  money_back_provider: { zh: "原路退回支付账户", en: "to the payment account it came from" },
  money_back_cash: { zh: "现金（请到售票窗口领取）", en: "cash (collect it at a ticket window)" },
  money_back_card: { zh: "原路退回银行卡", en: "to the card it was paid with" },
  money_back_none: { zh: "无需退款", en: "nothing to pay back" },
  refund_status: { zh: "退款进度", en: "Refund status" },
  refund_status_pending: { zh: "处理中", en: "pending" },
  refund_status_done: { zh: "已完成", en: "done" },
  refund_pending_hint: { zh: "支付平台正在退款，确认后这里会显示“已完成”。", en: "The payment provider is refunding; this shows “done” once it confirms." },
  refund_still_pending: { zh: "退款仍在处理中：支付平台确认后会自动退回，不要重复退票。请稍后点“再查一次”。", en: "Still pending: the provider pays it back once it confirms; do not refund again. Tap “Check again” later." },
  refund_done_hint: { zh: "¥{0} 已退回。", en: "¥{0} has been paid back." },
  refunded_line: { zh: "已退 ¥{0}：{1}，{2}", en: "¥{0} back: {1}, {2}" },
  change_title: { zh: "改签", en: "Change" },
  change_date: { zh: "新班次日期", en: "Date of the new run" },
  change_runs_count: { zh: "同线路、同车型的其他班次 {0} 个，请选择", en: "{0} other runs of the same route and vehicle class: choose one" },
  change_no_runs: { zh: "这一天没有可改签的班次（须同一线路、同一车型、有余座）。请换一天再查。", en: "No run to change to that day (same route and vehicle class, with seats). Try another date." },
  change_confirm: { zh: "确认改签", en: "Confirm change" },
  change_other: { zh: "选择其他班次", en: "Choose another run" },
  new_run: { zh: "新班次", en: "New run" },
  old_fare: { zh: "原票款", en: "Paid before" },
  new_fare: { zh: "新票款", en: "New fare" },
  change_fee: { zh: "改签手续费", en: "Change fee" },
  charge: { zh: "需补差价", en: "To pay" },
  change_refund: { zh: "退还差价", en: "Paid back" },
  change_pay_hint: { zh: "需补差价 ¥{0}：确认后在沙箱钱包中支付，支付成功才完成改签；不支付则原车票仍然有效。", en: "¥{0} to pay: after you confirm, pay it in the sandbox wallet; the change is made once paid, and until then your ticket stays valid." },
  change_done: { zh: "改签成功", en: "Changed" },
  changed_notice: { zh: "原车票 {0} 已作废，新车票 {1} 已生效：请使用下面的新二维码。", en: "Ticket {0} is void and the new ticket {1} is valid: use the new QR code below." },
  change_money_refund: { zh: "退还差价 ¥{0}：{1}，{2}。", en: "¥{0} paid back: {1}, {2}." },
  change_money_charge: { zh: "已补差价 ¥{0}。", en: "¥{0} paid for the change." },
  change_pay_title: { zh: "改签补差价", en: "Pay for the change" },
  change_amount: { zh: "应补差价", en: "To pay" },
  change_pay_notice: { zh: "改签到 {0} 的班次需补差价。支付成功后原车票作废、新车票生效；未支付则原车票仍然有效。", en: "The change to the {0} run costs more. Once paid, your old ticket is void and the new one valid; unpaid, the old ticket stays valid." },
  change_pay_full: { zh: "改签净补差价 ¥{2}：请先支付新票票款 ¥{0}，改签完成后原票款扣除手续费的 ¥{1} 原路退回。未支付则原车票仍然有效。", en: "The change costs ¥{2} net: pay the new ticket's ¥{0} now; once changed, ¥{1} (your old fare less the fee) goes back the way you paid. Unpaid, your old ticket stays valid." },
  change_money_full: { zh: "已付新票 ¥{0}；原票款扣除手续费的 ¥{1} 原路退回：{2}。", en: "¥{0} paid for the new ticket; ¥{1} of the old fare goes back the way you paid: {2}." },
  change_failed_paid: { zh: "改签未完成：{2}。已支付的 ¥{1} 将原路退回您的支付账户（订单号 {0}）。", en: "Not changed: {2}. The ¥{1} you paid goes back to your wallet automatically (order {0})." },
  change_failed_ticket: { zh: "原车票在支付完成前已变为“{0}”", en: "your ticket became “{0}” before the payment arrived" },
  change_failed_used: { zh: "原车票在支付完成前已检票或有变动", en: "your ticket was checked in or changed before the payment arrived" },
  give_up_change: { zh: "放弃改签", en: "Give up the change" },
  back_to_old_ticket: { zh: "返回原车票", en: "Back to my ticket" },
  change_not_done: { zh: "改签未完成：补差价订单{0}，原车票仍然有效。如仍需改签，请返回原车票重新办理。", en: "Not changed: the payment order is {0} and your ticket stays valid. To change it still, go back to it and start again." },
  change_given_up: { zh: "已放弃改签，原车票仍然有效。", en: "Change given up; your ticket stays valid." },
  previous_order: { zh: "查看原订单 {0}（还有 {1} 张车票）", en: "Order {0}: {1} more ticket(s)" },
};

const MAX_PASSENGERS = 5;
const POLL_MS = 300;
const POLL_LIMIT_MS = 20000;
const LAST_ORDER = "keyun.mobile.order";
const LAST_TRIP = "keyun.mobile.trip";
const PENDING_CHANGE = "keyun.mobile.change";  // a change awaiting payment, to resume after a reload

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
let view = 0;              // counts steps shown: an answer for a step since left is dropped
const actionKeys = new Map();  // one after-sale attempt ("refund:…") → its Idempotency-Key
const refunds = new Map();     // ticket number → { result, key } of a refund made here
let afterSale = null;      // { ticket, route, runs }: the ticket being refunded or changed
let changeOffer = null;    // { run, quote }: the run chosen to change to
let changing = null;       // { oldOrderId, oldTicket, result, action }: a change being paid
let previous = null;       // { orderId, others }: the order a change left, if it has tickets

// Sets (or ends, with null) the change being paid, kept across a reload with its key.
function setChanging(value) {
  changing = value;
  if (value) localStorage.setItem(PENDING_CHANGE, JSON.stringify({ ...value, key: actionKeys.get(value.action) }));
  else localStorage.removeItem(PENDING_CHANGE);
}

// ---- Steps and errors -------------------------------------------------------------------------

function setStep(step) {
  view += 1;
  app.dataset.step = step;
  $("search-panel").hidden = step !== "search";
  $("passenger-panel").hidden = step !== "passengers";
  $("pay-panel").hidden = step !== "pay";
  $("done-panel").hidden = step !== "done";
  $("refund-panel").hidden = step !== "refund";
  $("change-panel").hidden = step !== "change";
  $("resume").hidden = step !== "search" || !localStorage.getItem(LAST_ORDER);
  window.scrollTo(0, 0);
}

function clearErrors(root) {
  root.querySelectorAll("[aria-invalid=true]").forEach((el) => el.removeAttribute("aria-invalid"));
  root.querySelectorAll(".field-error, .error").forEach(unsay);
}

// A sentence with values in it ("¥{0} back: {1}"), kept with its key and values so the
// language toggle says it again; a value { w: key } is itself a word to translate.
const word = (key) => ({ w: key });
const spoken = (key, args) => t(key, ...args.map((a) => (a && typeof a === "object" ? t(a.w) : a)));
function say(el, key, ...args) {
  el.dataset.say = key;
  el.dataset.sayArgs = JSON.stringify(args);
  el.textContent = spoken(key, args);
}
function unsay(el) {
  el.textContent = "";
  delete el.dataset.say;
}
function sayHtml(key, ...args) {
  return `<span data-say="${escapeHtml(key)}" data-say-args="${escapeHtml(JSON.stringify(args))}">${escapeHtml(spoken(key, args))}</span>`;
}
function sayAgain() {
  document.querySelectorAll("[data-say]").forEach((el) => { el.textContent = spoken(el.dataset.say, JSON.parse(el.dataset.sayArgs)); });
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

// One run to choose, in the search's list or the change's.
function runButton(r, i) {
  return `
    <li><button type="button" class="run" data-index="${i}" data-run="${escapeHtml(r.run_id)}" ${r.seats_left > 0 ? "" : "disabled"}>
      <span class="time">${escapeHtml(r.departs_at.slice(11, 16))}</span>
      <span class="where">${escapeHtml(r.from_stop.name)} → ${escapeHtml(r.to_stop.name)}
        <small>${escapeHtml(r.route_name)} · ${escapeHtml(r.vehicle_class)}</small></span>
      <span class="price">¥${yuan(r.fares.adult + r.fares.station_fee)}
        <small><span data-i18n="seats_left"></span> ${r.seats_left}</small></span>
    </button></li>`;
}

function renderRuns() {
  $("runs").innerHTML = runs.map(runButton).join("");
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
    rememberOrderToken(order.order_id, order.access_token);  // this phone's proof of the order
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
  // A change that costs more is paid like an order: its held new order, with words of a change.
  $("pay-panel").dataset.purpose = changing ? "change" : "order";
  $("pay-title").dataset.i18n = changing ? "change_pay_title" : "order";
  // The charge alone is "to pay"; the new fare in full (old_fare_back: the old fare comes
  // back) is the amount due, as for an order.
  $("amount-label").dataset.i18n = changing && !(changing.result.old_fare_back > 0) ? "change_amount" : "amount";
  $("cancel-order").dataset.i18n = changing ? "give_up_change" : "cancel_order";
  applyTranslations($("pay-panel"));
  $("pay-notice").hidden = !changing;
  // Either the charge alone is paid, or (old_fare_back) the new fare in full and the old fare
  // less the fee comes back once the change is done.
  const hold = changing?.result;
  if (hold?.old_fare_back > 0) say($("pay-notice"), "change_pay_full", yuan(hold.to_pay ?? order.amount), yuan(hold.old_fare_back), yuan(hold.charge));
  else if (changing) say($("pay-notice"), "change_pay_notice", when(order.tickets[0]?.departs_at || changeOffer?.run.departs_at || ""));
  $("pay-back").hidden = true;
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
      { "Idempotency-Key": payAttempt.key, ...asHolder(order.order_id) });
    if (answer.status === "issued") { order = answer; issued(); return; }
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
      current = await api("GET", `/orders/${encodeURIComponent(order.order_id)}`, undefined, asHolder(order.order_id));
    } catch (e) {
      if (e instanceof TypeError) continue;  // the phone lost its signal for a moment
      showError(e, $("pay-error"));
      return;
    }
    if (current.status === "issued") {
      order = current;
      wallet.dataset.state = "issued";
      issued();
      return;
    }
    if (current.status !== "held") {
      $("wallet-status").textContent = "";
      if (changing) {
        await changeEnded(current);
      } else {
        $("pay-error").textContent = t("order_ended", t("status_" + current.status));
      }
      return;
    }
  }
  wallet.dataset.state = "timeout";
  $("wallet-status").textContent = t("timeout");
  $("check-again").hidden = false;
}

// The order paid for is issued: its tickets, or a change's new ticket.
async function issued() {
  if (!changing) { showTickets("done"); return; }
  const { oldOrderId, oldTicket, action } = changing;
  const hold = changing.result;
  let result = hold;
  // The same change request, with its key, now answers with the completed change and its
  // money (what went back of the old fare); failing that, the hold's answer will do.
  const key = actionKeys.get(action);
  try {
    if (key) {
      result = await api("POST", `${ticketPath(oldTicket.ticket_number)}/change`,
        { run_id: hold.new_run_id, channel: "mobile", access_token: orderToken(oldOrderId) }, { "Idempotency-Key": key });
    }
  } catch (e) { /* the tickets are issued either way */ }
  setChanging(null);
  actionKeys.delete(action);
  await changeDone(oldOrderId, oldTicket, result, hold);
}

// A change's held order ended unissued: lapsed or cancelled before payment, or paid after the
// old ticket was refunded or used (the node then owes the money back).
async function changeEnded(current) {
  const paid = wallet.dataset.state === "approved" || wallet.dataset.state === "timeout";
  actionKeys.delete(changing.action);  // a new try is a new change, with a new key
  if (!paid) {
    say($("pay-error"), "change_not_done", word("status_" + current.status));
  } else {
    let reason = word("change_failed_used");
    try {
      const old = await api("GET", ticketPath(changing.oldTicket.ticket_number), undefined, asHolder(changing.oldOrderId));
      if (old.status !== "issued") reason = spoken("change_failed_ticket", [word("ticket_status_" + old.status)]);
    } catch (e) { /* the general reason */ }
    say($("pay-error"), "change_failed_paid", current.order_id, yuan(current.amount), reason);
  }
  $("pay-back").hidden = false;
}

async function cancelOrder() {
  try {
    await api("POST", `/orders/${encodeURIComponent(order.order_id)}/cancel`, undefined, asHolder(order.order_id));
    if (changing) {  // giving up a change: the old ticket stays as it was
      actionKeys.delete(changing.action);
      const oldOrderId = changing.oldOrderId;
      setChanging(null);
      await backToOrder(oldOrderId, { say: ["change_given_up"], kind: "given-up" });
      return;
    }
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

// One card per ticket: a valid one with its QR voucher and the refund and change actions, a
// refunded or changed one marked void. #tickets' data-state turns "ready" once every QR image
// has loaded. `title` is the heading's word; `notice` ({ say, more?, kind }, each of say and
// more [key, ...values]) what just happened, above them.
async function showTickets(title = "my_tickets", notice = null) {
  const box = $("tickets");
  box.dataset.state = "loading";
  setStep("done");
  clearErrors($("done-panel"));
  $("done-title").dataset.i18n = title;
  const shown = $("after-sale-notice");
  shown.hidden = !notice;
  shown.innerHTML = notice ? [notice.say, notice.more].filter(Boolean).map((words) => sayHtml(...words)).join(" ") : "";
  if (notice) shown.dataset.kind = notice.kind; else delete shown.dataset.kind;
  const others = previous && previous.orderId !== order.order_id ? previous : null;
  $("open-previous").hidden = !others;
  if (others) say($("open-previous"), "previous_order", others.orderId, others.others);
  applyTranslations($("done-panel"));
  const first = order.tickets[0];
  const [fromName, toName] = await Promise.all([stationName(first.from), stationName(first.to)]);
  box.innerHTML = order.tickets.map((tk) => ticketCard(tk, fromName, toName)).join("");
  applyTranslations(box);
  try {
    await Promise.all(Array.from(box.querySelectorAll("img.qr"), (img) => img.decode()));
    box.dataset.state = "ready";
  } catch (e) {
    box.dataset.state = "error";
    box.insertAdjacentHTML("afterbegin", `<p class="error">${escapeHtml(t("qr_failed"))}</p>`);
  }
}

function ticketCard(tk, fromName, toName) {
  const valid = tk.status === "issued";
  const refund = refunds.get(tk.ticket_number)?.result;
  return `
    <article class="ticket card" data-ticket="${escapeHtml(tk.ticket_number)}" data-status="${escapeHtml(tk.status)}">
      ${valid ? `<img class="qr" src="${escapeHtml(holderUrl(`${ticketPath(tk.ticket_number)}/voucher.svg`, orderToken(order.order_id)))}" alt="QR ${escapeHtml(tk.ticket_number)}">`
    : `<p class="void"><b class="ticket-status" data-i18n="ticket_status_${escapeHtml(tk.status)}"></b> <span data-i18n="ticket_void"></span></p>`}
      <dl>
        <dt data-i18n="ticket_number"></dt><dd class="ticket-number">${escapeHtml(tk.ticket_number)}</dd>
        <dt data-i18n="passenger"></dt><dd>${escapeHtml(tk.passenger_name)} <span class="muted">${escapeHtml(tk.id_number)}</span></dd>
        <dt data-i18n="departs"></dt><dd class="departs">${escapeHtml(tk.departs_at.slice(0, 10))} ${escapeHtml(tk.departs_at.slice(11, 16))}</dd>
        <dt data-i18n="run"></dt><dd class="run-id">${escapeHtml(tk.run_id)}</dd>
        <dt data-i18n="from_to"></dt><dd>${escapeHtml(fromName)} → ${escapeHtml(toName)}</dd>
        <dt data-i18n="seat"></dt><dd class="seat">${tk.seat ?? "—"}</dd>
        <dt data-i18n="fare_type"></dt><dd><span data-i18n="fare_${escapeHtml(tk.fare_type)}"></span> ¥${yuan(tk.fare + tk.station_fee)}</dd>
        <dt data-i18n="status"></dt><dd class="status" data-i18n="ticket_status_${escapeHtml(tk.status)}"></dd>
      </dl>
      ${refund ? `<p class="refund-line" data-state="${escapeHtml(refund.refund_status)}">${sayHtml("refunded_line", yuan(refund.refunded),
    word("money_back_" + refund.money_back), word("refund_status_" + refund.refund_status))}</p>` : ""}
      ${valid && !tk.attached_to && !tk.checked_in_at ? `<div class="ticket-actions">
        <button type="button" class="refund-action" data-i18n="refund"></button>
        <button type="button" class="change-action" data-i18n="change"></button>
      </div>` : ""}
    </article>`;
}

// A change that was awaiting payment when the page was left: pay it, or see it done. False
// if there is none (any more).
async function resumeChange() {
  const pending = JSON.parse(localStorage.getItem(PENDING_CHANGE) || "null");
  if (!pending) return false;
  try {
    const held = await api("GET", `/orders/${encodeURIComponent(pending.result.new_order_id)}`, undefined, asHolder(pending.result.new_order_id));
    const { key, ...value } = pending;
    actionKeys.set(value.action, key);
    changing = value;
    order = held;
    if (held.status === "issued") { await issued(); return true; }
    if (held.status === "held" && Date.parse(held.expires_at) > nodeNow()) { showOrder(); return true; }
  } catch (e) { /* shown as the old order below */ }
  setChanging(null);
  return false;
}

async function resumeOrder() {
  if (await resumeChange()) return;
  const id = localStorage.getItem(LAST_ORDER);
  try {
    order = await api("GET", `/orders/${encodeURIComponent(id)}`, undefined, asHolder(id));
  } catch (e) {
    localStorage.removeItem(LAST_ORDER);
    setStep("search");
    showError(e, $("search-error"));
    return;
  }
  if (order.status === "issued") showTickets();
  else if (order.status === "held" && Date.parse(order.expires_at) > nodeNow()) showOrder();
  else {
    localStorage.removeItem(LAST_ORDER);
    setStep("search");
    $("search-error").textContent = t("order_ended", t("status_" + order.status));
  }
}

// ---- After-sale: shared ------------------------------------------------------------------------

// Runs one after-sale attempt with its Idempotency-Key: made on the first try, reused when the
// network failed (the node may have done it), dropped once the node said no (a new try is new).
async function withKey(action, call) {
  if (!actionKeys.has(action)) actionKeys.set(action, newIdempotencyKey());
  try {
    return await call(actionKeys.get(action));
  } catch (e) {
    if (!(e instanceof TypeError)) actionKeys.delete(action);
    throw e;
  }
}

// An after-sale failure in words: what failed (`prefix`), the node's reason and what to do.
function showAfterSaleError(e, box, prefix) {
  delete box.dataset.say;
  if (e instanceof TypeError) { box.textContent = t("after_sale_network_error"); return; }
  box.textContent = t(prefix) + e.message + (e.status >= 500 ? t("server_error_hint") : "");
}

function ticketSummary(tk) {
  return `<p><span class="ticket-number">${escapeHtml(tk.ticket_number)}</span></p>
    <p><b>${escapeHtml(when(tk.departs_at))}</b> · ${escapeHtml(tk.run_id)}</p>
    <p class="muted">${escapeHtml(tk.passenger_name)} · <span data-i18n="seat"></span> ${tk.seat ?? "—"} ·
      <span data-i18n="fare_${escapeHtml(tk.fare_type)}"></span> ¥${yuan(tk.fare + tk.station_fee)}</p>`;
}

// Back to the tickets of `orderId` as the node has them now (a refund or change ended one).
async function backToOrder(orderId, notice = null) {
  try {
    order = await api("GET", `/orders/${encodeURIComponent(orderId)}`, undefined, asHolder(orderId));
  } catch (e) {
    if (!order || order.order_id !== orderId) {
      setStep("search");
      showAfterSaleError(e, $("search-error"), "failed_order");
      return;
    }
    // Shows what the page had; the error says the state may be older.
    await showTickets("my_tickets", notice);
    showAfterSaleError(e, $("tickets-error"), "failed_order");
    return;
  }
  localStorage.setItem(LAST_ORDER, order.order_id);
  await showTickets("my_tickets", notice);
}

// ---- Refund (退票) -----------------------------------------------------------------------------

async function startRefund(number) {
  const tk = order.tickets.find((x) => x.ticket_number === number);
  afterSale = { ticket: tk };
  const panel = $("refund-panel");
  clearErrors(panel);
  $("refund-quote").innerHTML = "";
  $("refund-result").hidden = true;
  $("refund-hint").hidden = false;
  $("refund-confirm").hidden = true;
  panel.dataset.state = "loading";
  setStep("refund");
  const seen = view;
  try {
    const quote = await api("GET", `${ticketPath(number)}/refund-quote?channel=mobile`, undefined, asHolder(order.order_id));
    if (seen !== view) return;
    $("refund-quote").innerHTML = refundRows(quote);
    applyTranslations($("refund-quote"));
    $("refund-confirm").hidden = false;
    panel.dataset.state = "quote";
    $("refund-confirm").focus();
  } catch (e) {
    if (seen !== view) return;
    panel.dataset.state = "error";
    showAfterSaleError(e, $("refund-error"), "failed_refund");
  }
}

function refundRows(r) {
  return labelledRow("ticket_number", `<span class="ticket-number">${escapeHtml(r.ticket_number)}</span>`) +
    labelledRow("paid_fare", `¥${yuan(r.fare)}`, "fare") +
    labelledRow("refund_fee", `¥${yuan(r.fee)}`, "fee") +
    labelledRow("refund_amount", `<b>¥${yuan(r.refunded)}</b>`, "refunded") +
    labelledRow("rule", escapeHtml(r.rule), "rule") +
    (r.free_children?.length ? `<dt></dt><dd>${sayHtml("free_children_refunded", r.free_children.length)}</dd>` : "");
}

async function confirmRefund() {
  const number = afterSale.ticket.ticket_number;
  const action = `refund:${number}`;
  const panel = $("refund-panel");
  clearErrors(panel);
  panel.dataset.state = "refunding";
  const seen = view;
  let result;
  try {
    result = await withKey(action, (key) => api("POST", `${ticketPath(number)}/refund`,
      { channel: "mobile", access_token: orderToken(order.order_id) }, { "Idempotency-Key": key }));
  } catch (e) {
    if (seen !== view) return;
    panel.dataset.state = e instanceof TypeError ? "quote" : "error";
    $("refund-confirm").hidden = !(e instanceof TypeError);  // a network failure: tap again
    showAfterSaleError(e, $("refund-error"), "failed_refund");
    return;
  }
  // The key stays: asking again with it is how the money's status is read (the same refund).
  refunds.set(number, { result, key: actionKeys.get(action) });
  if (seen !== view) return;
  showRefundResult(result);
  panel.dataset.state = "done";
  if (result.refund_status === "pending") await followRefund(number);
}

function showRefundResult(r) {
  const box = $("refund-result");
  box.hidden = false;
  box.dataset.state = r.refund_status;
  box.querySelector(".refunded").textContent = `¥${yuan(r.refunded)}`;
  box.querySelector(".money-back").dataset.i18n = "money_back_" + r.money_back;
  box.querySelector(".refund-status").dataset.i18n = "refund_status_" + r.refund_status;
  applyTranslations(box);
  const hint = $("refund-status-hint");
  if (r.refund_status === "pending") say(hint, "refund_pending_hint");
  else if (r.refunded > 0) say(hint, "refund_done_hint", yuan(r.refunded));
  else unsay(hint);
  $("refund-hint").hidden = true;
  $("refund-confirm").hidden = true;
  $("refund-check").hidden = true;
}

// A provider refund is "pending" until the provider's signed notification reaches the node:
// the same request, with the same key, answers the refund with its current status.
async function followRefund(number) {
  const made = refunds.get(number);
  const seen = view;
  const deadline = Date.now() + POLL_LIMIT_MS;
  $("refund-check").hidden = true;
  while (Date.now() < deadline) {
    await sleep(POLL_MS * 2);
    if (seen !== view) return;
    try {
      made.result = await api("POST", `${ticketPath(number)}/refund`,
        { channel: "mobile", access_token: orderToken(made.result.order_id) }, { "Idempotency-Key": made.key });
    } catch (e) {
      if (e instanceof TypeError) continue;
      if (seen === view) showAfterSaleError(e, $("refund-error"), "failed_refund");
      return;
    }
    if (seen !== view) return;
    showRefundResult(made.result);
    if (made.result.refund_status !== "pending") return;
  }
  if (seen !== view) return;
  say($("refund-status-hint"), "refund_still_pending");
  $("refund-check").hidden = false;
}

// ---- Change (改签) -----------------------------------------------------------------------------

async function startChange(number) {
  const tk = order.tickets.find((x) => x.ticket_number === number);
  const day = tk.departs_at.slice(0, 10);
  afterSale = { ticket: tk, route: null, runs: [] };
  changeOffer = null;
  const panel = $("change-panel");
  clearErrors(panel);
  $("change-ticket").innerHTML = ticketSummary(tk);
  applyTranslations($("change-ticket"));
  $("change-date").min = todayInShanghai();
  $("change-date").value = day < todayInShanghai() ? todayInShanghai() : day;
  showChangeRuns();
  setStep("change");
  const seen = view;
  try {
    // A change keeps the route and the vehicle class (DESIGN.md §3): the ticket's own run, as
    // offered on its day, says which; if it is no longer offered the quote decides.
    const same = await api("GET", `/runs?from=${tk.from}&to=${tk.to}&date=${day}&channel=mobile`);
    const own = same.items.find((r) => r.run_id === tk.run_id);
    if (own) afterSale.route = { code: own.route_code, vehicle_class: own.vehicle_class };
  } catch (e) { /* listed unfiltered below; the quote refuses another route */ }
  if (seen === view) await loadChangeRuns();
}

function showChangeRuns() {
  $("change-pick").hidden = false;
  $("change-offer").hidden = true;
  $("change-panel").dataset.state = "runs";
}

async function loadChangeRuns() {
  const tk = afterSale.ticket;
  const list = $("change-runs");
  const panel = $("change-panel");
  clearErrors(panel);
  showChangeRuns();
  delete list.dataset.loaded;
  list.innerHTML = "";
  unsay($("change-runs-count"));
  const seen = view;
  let items = [];
  try {
    const data = await api("GET", `/runs?from=${tk.from}&to=${tk.to}&date=${encodeURIComponent($("change-date").value)}&channel=mobile`);
    const route = afterSale.route;
    items = data.items.filter((r) => r.run_id !== tk.run_id &&
      (!route || (r.route_code === route.code && r.vehicle_class === route.vehicle_class)));
  } catch (e) {
    if (seen !== view) return;
    showAfterSaleError(e, $("change-error"), "failed_change_runs");
  }
  if (seen !== view) return;
  afterSale.runs = items;
  list.innerHTML = items.map((r, i) => runButton(r, i)).join("");
  applyTranslations(list);
  list.dataset.loaded = String(items.length);
  if (items.length) say($("change-runs-count"), "change_runs_count", items.length);
  else if (!$("change-error").textContent) say($("change-runs-count"), "change_no_runs");
}

async function quoteChange(index) {
  const tk = afterSale.ticket;
  const target = afterSale.runs[index];
  const panel = $("change-panel");
  clearErrors(panel);
  panel.dataset.state = "quoting";
  const seen = view;
  try {
    const quote = await api("GET", `${ticketPath(tk.ticket_number)}/change-quote?run_id=${encodeURIComponent(target.run_id)}` +
      "&channel=mobile", undefined, asHolder(order.order_id));
    if (seen !== view) return;
    changeOffer = { run: target, quote };
  } catch (e) {
    if (seen !== view) return;
    panel.dataset.state = "error";  // the runs stay listed: choose another
    showAfterSaleError(e, $("change-error"), "failed_change");
    return;
  }
  $("change-run-card").innerHTML = runCard(target);
  $("change-quote").innerHTML = changeRows(changeOffer.quote);
  applyTranslations($("change-offer"));
  const dearer = changeOffer.quote.charge > 0;
  $("change-pay-hint").hidden = !dearer;
  if (dearer) say($("change-pay-hint"), "change_pay_hint", yuan(changeOffer.quote.charge));
  $("change-pick").hidden = true;
  $("change-offer").hidden = false;
  panel.dataset.state = "quote";
  $("change-confirm").focus();
}

function changeRows(q) {
  return labelledRow("old_fare", `¥${yuan(q.old_fare)}`, "old-fare") +
    labelledRow("new_fare", `¥${yuan(q.new_fare)}`, "new-fare") +
    labelledRow("change_fee", `¥${yuan(q.fee)}`, "fee") +
    labelledRow("charge", `<b>¥${yuan(q.charge)}</b>`, "charge") +
    labelledRow("change_refund", `¥${yuan(q.refund)}`, "refund") +
    labelledRow("rule", escapeHtml(q.rule), "rule");
}

async function confirmChange() {
  const tk = afterSale.ticket;
  const target = changeOffer.run;
  const action = `change:${tk.ticket_number}:${target.run_id}`;
  const panel = $("change-panel");
  clearErrors(panel);
  panel.dataset.state = "changing";
  const seen = view;
  let result;
  try {
    result = await withKey(action, (key) => api("POST", `${ticketPath(tk.ticket_number)}/change`,
      { run_id: target.run_id, channel: "mobile", access_token: orderToken(order.order_id) }, { "Idempotency-Key": key }));
  } catch (e) {
    if (seen !== view) return;
    panel.dataset.state = e instanceof TypeError ? "quote" : "error";
    showAfterSaleError(e, $("change-error"), "failed_change");
    return;
  }
  rememberOrderToken(result.new_order_id, result.access_token);  // the new order's proof
  if (seen !== view) return;
  run = target;  // names the new run on its order and tickets
  if (result.status === "awaiting_payment") {
    // Costs more: the node holds the new seat in a new order, paid like any order.
    setChanging({ oldOrderId: order.order_id, oldTicket: tk, result, action });
    try {
      order = await api("GET", `/orders/${encodeURIComponent(result.new_order_id)}`, undefined, asHolder(result.new_order_id));
    } catch (e) {
      // The page can still pay it: the held order's id and amount are known.
      order = { order_id: result.new_order_id, run_id: result.new_run_id, status: "held", amount: result.charge,
        expires_at: result.expires_at || "", tickets: [result.ticket] };
    }
    showOrder();
    return;
  }
  actionKeys.delete(action);
  await changeDone(order.order_id, tk, result);
}

// The change is made: the new order's tickets, with what happened said above them; the old
// order's other tickets stay one tap away.
async function changeDone(oldOrderId, oldTicket, result, hold = null) {
  let before = null;
  try {
    before = await api("GET", `/orders/${encodeURIComponent(oldOrderId)}`, undefined, asHolder(oldOrderId));
  } catch (e) { /* only for the link to its other tickets */ }
  const others = before ? before.tickets.filter((x) => x.status === "issued" && !x.attached_to).length : 0;
  previous = others ? { orderId: oldOrderId, others } : null;
  try {
    order = await api("GET", `/orders/${encodeURIComponent(result.new_order_id)}`, undefined, asHolder(result.new_order_id));
  } catch (e) {
    order = { order_id: result.new_order_id, run_id: result.new_run_id, status: "issued", amount: 0,
      tickets: [result.ticket, ...(result.free_children || []).map((c) => c.ticket)] };
  }
  localStorage.setItem(LAST_ORDER, order.order_id);
  $("resume-id").textContent = order.order_id;
  const fresh = order.tickets.find((x) => x.changed_from === oldTicket.ticket_number) || order.tickets[0];
  const money = result.refund > 0
    ? ["change_money_refund", yuan(result.refund), word("money_back_" + result.money), word("refund_status_" + result.money_status)]
    : hold?.old_fare_back > 0
      ? ["change_money_full", yuan(hold.to_pay), yuan(hold.old_fare_back), word("refund_status_" + (result.money_status === "done" ? "done" : "pending"))]
      : result.charge > 0 ? ["change_money_charge", yuan(result.charge)] : null;
  await showTickets("change_done",
    { say: ["changed_notice", oldTicket.ticket_number, fresh.ticket_number], more: money, kind: "changed" });
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
$("tickets").addEventListener("click", (event) => {
  const button = event.target.closest(".ticket-actions button");
  if (!button) return;
  const number = button.closest("[data-ticket]").dataset.ticket;
  if (button.classList.contains("refund-action")) busy(button, () => startRefund(number));
  else busy(button, () => startChange(number));
});
$("open-previous").addEventListener("click", () => busy($("open-previous"), () => backToOrder(previous.orderId)));
$("refund-confirm").addEventListener("click", () => busy($("refund-confirm"), confirmRefund));
$("refund-check").addEventListener("click", () => busy($("refund-check"), () => followRefund(afterSale.ticket.ticket_number)));
$("refund-back").addEventListener("click", () => busy($("refund-back"), () => backToOrder(order.order_id)));
$("change-date").addEventListener("change", () => { if ($("change-date").value) loadChangeRuns(); });
$("change-runs").addEventListener("click", (event) => {
  const button = event.target.closest("button.run");
  if (button) busy(button, () => quoteChange(Number(button.dataset.index)));
});
$("change-other").addEventListener("click", showChangeRuns);
$("change-confirm").addEventListener("click", () => busy($("change-confirm"), confirmChange));
$("change-back").addEventListener("click", () => busy($("change-back"), () => backToOrder(order.order_id)));
$("pay-back").addEventListener("click", () => {
  const oldOrderId = changing.oldOrderId;
  setChanging(null);
  busy($("pay-back"), () => backToOrder(oldOrderId));
});

setupI18n(dict, $("lang"), () => { renderRunsCount(); sayAgain(); });
const trip = JSON.parse(localStorage.getItem(LAST_TRIP) || "null");
if (trip) { searchForm.from.value = trip.from; searchForm.to.value = trip.to; }
await syncNodeTime();
searchForm.date.min = todayInShanghai();
searchForm.date.value = todayInShanghai();
$("resume-id").textContent = localStorage.getItem(LAST_ORDER) || "";
setStep("search");
searchForm.dataset.ready = "true";
