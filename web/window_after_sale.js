// The window's after-sale desk (退票 · 改签 · 报销凭证), part of the station window page: the
// clerk finds a passenger's tickets by ticket number or ID document, then refunds one (the
// quote first; the operator's causes — run stopped, delayed, missed through the station or
// carrier — refund without fee, and only staff may give them), changes it to another run of its
// route (quote, then cash or card for the difference), or prints its reimbursement ticket (报销
// 凭证; a refunded ticket's refund receipt), a second print only with a station manager's
// username and password (重打). Everything the node refuses is shown with its message.
// #after-sale-panel[data-mode] says what the desk shows: find, refund, change or print; every
// request that changes something carries an Idempotency-Key kept until a definitive answer.
import { api, ApiError, escapeHtml, yuan, ticketPath, postForPdf, withIdempotencyKey, holderUrl } from "/api.js";
import { t, applyTranslations, labelledRow, windowIdTypes } from "/i18n.js";

export const afterSaleWords = {
  after_sale: { zh: "退票 · 改签 · 报销凭证", en: "Refund · change · reimbursement ticket" },
  go_after_sale: { zh: "退改签 / 报销凭证（F6）", en: "Refund / change / receipt (F6)" },
  back_to_sale: { zh: "返回售票（F2）", en: "Back to sales (F2)" },
  as_query: { zh: "票号或证件号码", en: "Ticket number or ID number" },
  as_found: { zh: "找到 {0} 张车票", en: "{0} ticket(s) found" },
  as_none: { zh: "没有找到车票（按证件查询：近 30 天内可用的车票）", en: "No tickets found (by ID: usable tickets of the last 30 days)" },
  as_status: { zh: "状态", en: "Status" },
  status_issued: { zh: "可使用", en: "valid" },
  status_refunded: { zh: "已退票", en: "refunded" },
  status_changed: { zh: "已改签", en: "changed" },
  status_checked_in: { zh: "已检票", en: "checked in" },
  prints_n: { zh: "报销凭证已打印 {0} 次", en: "receipt printed {0}×" },
  checked_in_at: { zh: "已检票（{0}），不能退票或改签", en: "checked in at {0}: no refund or change" },
  do_refund: { zh: "退票", en: "Refund" },
  do_change: { zh: "改签", en: "Change" },
  do_print: { zh: "报销凭证", en: "Receipt" },
  do_receipt: { zh: "退票费收据", en: "Refund receipt" },
  cause: { zh: "退票原因", en: "Cause" },
  cause_passenger: { zh: "旅客原因（按时段收取退票费）", en: "the passenger's (fee by time before departure)" },
  cause_run_stopped: { zh: "停班（免费退票）", en: "run stopped (no fee)" },
  cause_run_delayed: { zh: "班次晚点（免费退票）", en: "run delayed (no fee)" },
  cause_missed_by_operator: { zh: "站方/承运人原因误乘（免费退票）", en: "missed through the station or carrier (no fee)" },
  paid_fare: { zh: "实付票款", en: "Fare paid" },
  fee: { zh: "退票费", en: "Fee" },
  refunded: { zh: "应退金额", en: "To refund" },
  rule: { zh: "规则", en: "Rule" },
  money_back: { zh: "退款方式", en: "Paid back" },
  money_back_cash: { zh: "现金退还旅客", en: "cash, to the passenger now" },
  money_back_card: { zh: "退回银行卡", en: "to the card" },
  money_back_provider: { zh: "原路退回支付账户", en: "to the payment account" },
  money_back_none: { zh: "无需退款", en: "nothing" },
  confirm_refund: { zh: "确认退票", en: "Confirm refund" },
  refund_done: { zh: "已退票，退款 ¥{0}（{1}）", en: "Refunded ¥{0} ({1})" },
  change_to: { zh: "改签到", en: "Change to" },
  change_runs_none: { zh: "当日没有同线路同车型的其他班次", en: "No other run of this route and vehicle class that day" },
  change_fee: { zh: "改签费", en: "Change fee" },
  charge: { zh: "应补差价", en: "To collect" },
  change_refund: { zh: "应退差价", en: "To pay back" },
  pay_by: { zh: "收/退款方式", en: "Paid by" },
  confirm_change: { zh: "确认改签", en: "Confirm change" },
  change_done: { zh: "已改签，新票号 {0}", en: "Changed; new ticket {0}" },
  print_voucher: { zh: "打印新票凭证", en: "Print the new voucher" },
  print_first: { zh: "打印", en: "Print" },
  printed: { zh: "已打印第 {0} 次", en: "Printed (print {0})" },
  reprinted: { zh: "已重打（第 {0} 次，经 {1} 同意）", en: "Reprinted (print {0}, approved by {1})" },
  open_pdf: { zh: "打开 PDF", en: "Open PDF" },
  reprint_needed: { zh: "已打印过，重打须站务经理同意：", en: "Already printed; a reprint needs a station manager:" },
  manager: { zh: "站务经理用户名", en: "Station manager's username" },
  manager_password: { zh: "站务经理密码", en: "Their password" },
  reprint: { zh: "重打", en: "Reprint" },
  close: { zh: "返回列表", en: "Back to the list" },
};

const $ = (id) => document.getElementById(id);
const panel = () => $("after-sale-panel");
const minute = (iso) => iso.slice(0, 16).replace("T", " ");

let tickets = [];      // the last search's tickets
let ticket = null;     // the ticket being worked on
let changeRun = null;  // the run its quoted change goes to
let runs = [];         // the runs it may be changed to
let ownRun = null;     // { route_code, vehicle_class } of its run, when on sale
let onUnauthorized = () => {};
const stationNames = new Map();
// Idempotency-Keys of after-sale requests under way (api.js withIdempotencyKey).
const keys = new Map();
const withKey = (action, call) => withIdempotencyKey(keys, action, call);
let pdfUrl = null;

function showError(e) {
  if (e instanceof ApiError && e.status === 401) { onUnauthorized(); return; }
  $("as-error").textContent = e instanceof ApiError ? e.message : t("network_error");
  $("as-error").dataset.code = e instanceof ApiError ? e.code : "network";
}

function clearMessages() {
  $("as-error").textContent = "";
  delete $("as-error").dataset.code;
}

async function busy(button, work) {
  if (button) button.disabled = true;
  clearMessages();
  try { await work(); } catch (e) { showError(e); } finally { if (button) button.disabled = false; }
}

async function stationName(code) {
  if (!stationNames.has(code)) {
    try { stationNames.set(code, (await api("GET", `/stations/${encodeURIComponent(code)}`)).name); } catch (e) { stationNames.set(code, code); }
  }
  return stationNames.get(code);
}

function setMode(mode) {
  panel().dataset.mode = mode;
  $("as-work").hidden = mode === "find";
}

// ---- Find -------------------------------------------------------------------------------------

async function find() {
  const form = $("as-find-form");
  const query = form.query.value.trim().toUpperCase();
  delete $("as-tickets").dataset.loaded;
  if (/^\d{19}[\dX]$/.test(query)) {  // a ticket number: 20 characters, the last a check (X = 10)
    tickets = [await api("GET", ticketPath(query))];
  } else {
    tickets = (await api("POST", "/tickets/lookup", { id_type: form.id_type.value, id_number: query })).items;
  }
  await Promise.all(tickets.flatMap((tk) => [stationName(tk.from), stationName(tk.to)]));
  setMode("find");
  renderTickets();
}

// Refreshes one ticket's row after an after-sale changed it.
async function reload(number) {
  const fresh = await api("GET", ticketPath(number));
  tickets = tickets.map((tk) => (tk.ticket_number === number ? { ...tk, ...fresh } : tk));
  renderTickets();
}

function renderTickets() {
  const table = $("as-tickets");
  table.tBodies[0].innerHTML = tickets.map((tk, i) => {
    const issued = tk.status === "issued";
    // A boarded ticket (检票) is neither refunded nor changed: only its reimbursement paper.
    const boarded = issued && Boolean(tk.checked_in_at);
    const actions = issued
      ? `${boarded ? "" : `<button type="button" class="as-refund" data-index="${i}" data-i18n="do_refund"></button>
         <button type="button" class="as-change" data-index="${i}" data-i18n="do_change"></button>`}
         <button type="button" class="as-print" data-index="${i}" data-i18n="do_print"></button>`
      : tk.status === "refunded" ? `<button type="button" class="as-print" data-index="${i}" data-i18n="do_receipt"></button>` : "";
    return `<tr data-ticket="${escapeHtml(tk.ticket_number)}" data-status="${escapeHtml(tk.status)}">
      <td class="ticket-number">${escapeHtml(tk.ticket_number)}</td>
      <td><b>${escapeHtml(minute(tk.departs_at))}</b></td>
      <td>${escapeHtml(tk.run_id)}</td>
      <td>${escapeHtml(stationNames.get(tk.from) || tk.from)} → ${escapeHtml(stationNames.get(tk.to) || tk.to)}</td>
      <td>${escapeHtml(tk.passenger_name)}</td>
      <td class="status"><span data-i18n="status_${escapeHtml(tk.status)}"></span>${boarded ? ` <span class="checked-in">${escapeHtml(t("checked_in_at", minute(tk.checked_in_at)))}</span>` : ""}${tk.reimbursement_prints ? `<div class="muted">${escapeHtml(t("prints_n", tk.reimbursement_prints))}</div>` : ""}</td>
      <td class="actions">${actions}</td>
    </tr>`;
  }).join("");
  applyTranslations(table);
  table.dataset.loaded = String(tickets.length);
  $("as-count").textContent = tickets.length ? t("as_found", tickets.length) : t("as_none");
}

function workTitle(kind) {
  return `<h3><span data-i18n="${kind}"></span> · <span class="ticket-number">${escapeHtml(ticket.ticket_number)}</span>
    <span class="muted">${escapeHtml(minute(ticket.departs_at))} ${escapeHtml(ticket.run_id)}</span></h3>`;
}

// ---- Refund -----------------------------------------------------------------------------------

function openRefund() {
  const causes = ["passenger", "run_stopped", "run_delayed", "missed_by_operator"];
  $("as-work").innerHTML = `${workTitle("do_refund")}
    <form id="as-refund-form" class="inline" autocomplete="off">
      <label><span><span data-i18n="cause"></span></span><select name="cause">${causes.map((c) => `<option value="${c}" data-i18n="cause_${c}"></option>`).join("")}</select></label>
    </form>
    <dl class="quote" id="as-refund-quote"></dl>
    <p class="summary" id="as-refund-done"></p>
    <div class="actions"><span class="spacer"></span>
      <button type="button" class="as-close"><span data-i18n="close"></span></button>
      <button type="button" class="primary" id="as-refund-confirm" disabled><span data-i18n="confirm_refund"></span></button></div>`;
  setMode("refund");
  applyTranslations($("as-work"));
  $("as-refund-form").cause.addEventListener("change", () => busy(null, quoteRefund));
  $("as-refund-confirm").addEventListener("click", () => busy($("as-refund-confirm"), refund));
  return quoteRefund();
}

async function quoteRefund() {
  const cause = $("as-refund-form").cause.value;
  $("as-refund-confirm").disabled = true;
  $("as-refund-quote").innerHTML = "";
  renderRefund(await api("GET", `${ticketPath(ticket.ticket_number)}/refund-quote?channel=window&cause=${cause}`));
  $("as-refund-confirm").disabled = false;
}

function renderRefund(r) {
  $("as-refund-quote").innerHTML = labelledRow("paid_fare", `¥${yuan(r.fare)}`, "fare") + labelledRow("fee", `¥${yuan(r.fee)}`, "fee") +
    labelledRow("refunded", `<b>¥${yuan(r.refunded)}</b>`, "refunded") + labelledRow("rule", escapeHtml(r.rule), "rule") +
    labelledRow("money_back", `<span data-i18n="money_back_${escapeHtml(r.money_back)}"></span>`, "money-back");
  applyTranslations($("as-refund-quote"));
}

async function refund() {
  const cause = $("as-refund-form").cause.value;
  const number = ticket.ticket_number;
  const done = await withKey(`refund:${number}:${cause}`, (key) =>
    api("POST", `${ticketPath(number)}/refund`, { channel: "window", cause }, { "Idempotency-Key": key }));
  renderRefund(done);
  $("as-refund-confirm").disabled = true;
  $("as-refund-form").cause.disabled = true;
  $("as-refund-done").textContent = t("refund_done", yuan(done.refunded), t("money_back_" + done.money_back));
  $("as-refund-done").dataset.state = "done";
  await reload(number);
}

// ---- Change -----------------------------------------------------------------------------------

async function openChange() {
  changeRun = null;
  runs = [];
  const day = ticket.departs_at.slice(0, 10);
  $("as-work").innerHTML = `${workTitle("do_change")}
    <form id="as-change-form" class="inline" autocomplete="off">
      <label><span><span data-i18n="date"></span></span><input name="date" type="date" value="${escapeHtml(day)}"></label>
      <label><span><span data-i18n="pay_by"></span></span><select name="payment_method">
        <option value="cash" data-i18n="cash"></option><option value="card" data-i18n="card"></option></select></label>
    </form>
    <p class="muted" id="as-runs-count"></p>
    <div class="scroll"><table id="as-runs"><tbody></tbody></table></div>
    <dl class="quote" id="as-change-quote"></dl>
    <p class="summary" id="as-change-done"></p>
    <div class="actions"><span class="spacer"></span>
      <button type="button" class="as-close"><span data-i18n="close"></span></button>
      <button type="button" class="primary" id="as-change-confirm" disabled><span data-i18n="confirm_change"></span></button></div>`;
  setMode("change");
  applyTranslations($("as-work"));
  const form = $("as-change-form");
  form.date.addEventListener("change", () => busy(null, loadRuns));
  $("as-runs").addEventListener("click", (event) => {
    const button = event.target.closest("button.choose");
    if (button) busy(button, () => quoteChange(runs[Number(button.dataset.index)]));
  });
  $("as-change-confirm").addEventListener("click", () => busy($("as-change-confirm"), change));
  // The ticket's own run, when still on sale, names its route and vehicle class: a change keeps
  // both (DESIGN.md §3), so only such runs are offered; the quote has the last word.
  ownRun = null;
  try {
    const same = await api("GET", `/runs?from=${ticket.from}&to=${ticket.to}&date=${day}&channel=window`);
    const own = same.items.find((r) => r.run_id === ticket.run_id);
    if (own) ownRun = { route_code: own.route_code, vehicle_class: own.vehicle_class };
  } catch (e) { /* the quote decides */ }
  await loadRuns();
}

async function loadRuns() {
  const date = $("as-change-form").date.value;
  delete $("as-runs").dataset.loaded;
  const data = await api("GET", `/runs?from=${ticket.from}&to=${ticket.to}&date=${encodeURIComponent(date)}&channel=window`);
  runs = data.items.filter((r) => r.run_id !== ticket.run_id &&
    (!ownRun || (r.route_code === ownRun.route_code && r.vehicle_class === ownRun.vehicle_class)));
  $("as-runs").tBodies[0].innerHTML = runs.map((r, i) => `<tr data-run="${escapeHtml(r.run_id)}">
    <td><b>${escapeHtml(r.departs_at.slice(11, 16))}</b></td><td>${escapeHtml(r.run_id)}</td>
    <td>${escapeHtml(r.route_name)}</td><td>${escapeHtml(r.vehicle_class)}</td>
    <td class="num">¥${yuan(r.fares.adult)}</td><td class="num seats-left">${r.seats_left}</td>
    <td><button type="button" class="choose" data-index="${i}" ${r.seats_left > 0 ? "" : "disabled"}><span data-i18n="choose"></span></button></td></tr>`).join("");
  applyTranslations($("as-runs"));
  $("as-runs").dataset.loaded = String(runs.length);
  $("as-runs-count").textContent = runs.length ? "" : t("change_runs_none");
}

async function quoteChange(run) {
  $("as-change-confirm").disabled = true;
  $("as-change-quote").innerHTML = "";
  const method = $("as-change-form").payment_method.value;
  const q = await api("GET", `${ticketPath(ticket.ticket_number)}/change-quote?channel=window&run_id=${encodeURIComponent(run.run_id)}&payment_method=${method}`);
  changeRun = run;
  renderChange({ ...q, run });
  $("as-change-confirm").disabled = false;
}

function renderChange(q) {
  $("as-change-quote").innerHTML = labelledRow("change_to", `<b>${escapeHtml(minute(q.run.departs_at))}</b> ${escapeHtml(q.run.run_id)}`, "new-run") +
    labelledRow("change_fee", `¥${yuan(q.fee)}`, "fee") + labelledRow("charge", `¥${yuan(q.charge)}`, "charge") +
    labelledRow("change_refund", `¥${yuan(q.refund)}`, "refund") + labelledRow("rule", escapeHtml(q.rule), "rule");
  applyTranslations($("as-change-quote"));
}

async function change() {
  const number = ticket.ticket_number;
  const run = changeRun;
  const method = $("as-change-form").payment_method.value;
  const done = await withKey(`change:${number}:${run.run_id}:${method}`, (key) =>
    api("POST", `${ticketPath(number)}/change`, { run_id: run.run_id, channel: "window", payment_method: method }, { "Idempotency-Key": key }));
  renderChange({ ...done, run });
  $("as-change-confirm").disabled = true;
  $("as-runs").tBodies[0].querySelectorAll("button").forEach((b) => { b.disabled = true; });
  const fresh = done.new_ticket_number;
  $("as-change-done").innerHTML = `${escapeHtml(t("change_done", fresh))}
    <a class="print-new button" href="${escapeHtml(holderUrl(`${ticketPath(fresh)}/voucher.pdf`, done.access_token))}" target="_blank" rel="noopener"><span data-i18n="print_voucher"></span></a>`;
  applyTranslations($("as-change-done"));
  $("as-change-done").dataset.state = "done";
  await reload(number);
  tickets.push(done.ticket);
  renderTickets();
}

// ---- Reimbursement ticket (报销凭证) or refund receipt ------------------------------------------

function openPrint() {
  $("as-work").innerHTML = `${workTitle(ticket.status === "refunded" ? "do_receipt" : "do_print")}
    <p class="summary print-status" id="as-print-status"></p>
    <form id="as-reprint" class="inline" autocomplete="off" hidden>
      <span><span data-i18n="reprint_needed"></span></span>
      <label><span><span data-i18n="manager"></span></span><input name="username" autocomplete="off"></label>
      <label><span><span data-i18n="manager_password"></span></span><input name="password" type="password" autocomplete="off"></label>
      <button type="submit" class="primary"><span data-i18n="reprint"></span></button>
    </form>
    <div class="actions"><span class="spacer"></span>
      <button type="button" class="as-close"><span data-i18n="close"></span></button>
      <button type="button" class="primary" id="as-print-first"><span data-i18n="print_first"></span></button></div>`;
  setMode("print");
  applyTranslations($("as-work"));
  $("as-print-first").addEventListener("click", () => busy($("as-print-first"), () => print(null)));
  $("as-reprint").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = $("as-reprint");
    busy(form.querySelector("button"), () => print({ username: form.username.value.trim(), password: form.password.value }));
  });
  return print(null);
}

async function print(supervisor) {
  const number = ticket.ticket_number;
  const status = $("as-print-status");
  try {
    const pdf = await withKey(`print:${number}:${supervisor ? "reprint" : "first"}`, (key) =>
      postForPdf(`${ticketPath(number)}/reimbursement`, supervisor ? { supervisor } : {}, { "Idempotency-Key": key }));
    if (pdfUrl) URL.revokeObjectURL(pdfUrl);
    pdfUrl = URL.createObjectURL(pdf.blob);
    status.dataset.state = pdf.reprint ? "reprinted" : "printed";
    status.innerHTML = `${escapeHtml(pdf.reprint ? t("reprinted", pdf.sequence, supervisor.username) : t("printed", pdf.sequence))}
      <a class="pdf button" href="${pdfUrl}" target="_blank" rel="noopener" download="${escapeHtml(number)}.pdf"><span data-i18n="open_pdf"></span></a>`;
    applyTranslations(status);
    $("as-reprint").hidden = true;
    $("as-reprint").reset();
    $("as-print-first").hidden = true;
    tickets = tickets.map((tk) => (tk.ticket_number === number ? { ...tk, reimbursement_prints: Number(pdf.sequence) } : tk));
    renderTickets();
  } catch (e) {
    // Printed before: the node refuses (409) until a station manager approves a reprint.
    if (e instanceof ApiError && e.status === 409 && e.code === "failed_precondition" && !supervisor) {
      status.dataset.state = "refused";
      status.textContent = e.message;
      $("as-reprint").hidden = false;
      $("as-print-first").hidden = true;
      $("as-reprint").username.focus();
      return;
    }
    throw e;
  }
}

// ---- Wiring -----------------------------------------------------------------------------------

// Wires the desk's controls once. `unauthorized` is called on a 401 (the session ended).
export function initAfterSale({ unauthorized }) {
  onUnauthorized = unauthorized;
  const form = $("as-find-form");
  form.id_type.innerHTML = windowIdTypes.map((v) => `<option value="${v}" data-i18n="id_${v}"></option>`).join("");
  applyTranslations(form);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form.querySelector("button[type=submit]"), find);
  });
  $("as-tickets").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-index]");
    if (!button) return;
    ticket = tickets[Number(button.dataset.index)];
    const open = button.classList.contains("as-refund") ? openRefund : button.classList.contains("as-change") ? openChange : openPrint;
    busy(button, open);
  });
  $("as-work").addEventListener("click", (event) => {
    if (!event.target.closest("button.as-close")) return;
    clearMessages();
    setMode("find");
  });
}

// Shows the desk, ready for a ticket number or an ID.
export function openAfterSale() {
  clearMessages();
  setMode(panel().dataset.mode || "find");
  $("as-find-form").query.focus();
}

// Re-renders the list in the current language.
export function renderAfterSale() {
  if ($("as-tickets").dataset.loaded !== undefined) renderTickets();
}
