// Self-service ticket machine (自助售取票机) in a station hall. Station staff log the machine in
// once with its own account (role kiosk; the session lives in sessionStorage); passengers then buy (channel kiosk, card), collect
// vouchers and the reimbursement ticket (报销凭证), refund (退票) and change (改签) with touches
// only: an on-screen pad stands in for the keyboard and the ID-card reader. After `?idle=N`
// seconds (default 60) without a touch the machine goes home and forgets every personal detail.
// #app[data-screen] says which screen shows (tests wait on it); [data-busy] while a call runs.
import {
  api, ApiError, login, logout, session, token, escapeHtml, yuan, dateInShanghai, passengerField, ticketPath,
  newIdempotencyKey, postForPdf, withIdempotencyKey, holderUrl, staffBlobUrl, syncNodeTime,
} from "/api.js";
import { setupI18n, t, applyTranslations, salesWords } from "/i18n.js";
import { kioskWords } from "/kiosk_words.js";
import { PAD_KEYS, renderPad, applyKey, watchIdle } from "/kiosk_pad.js";

const MAX_PASSENGERS = 5;
const IDLE_SECONDS = Number(new URLSearchParams(location.search).get("idle")) || 60;

const $ = (id) => document.getElementById(id);
const app = $("app");
const pad = $("pad");

// Everything a passenger's visit leaves behind lives in `visit`; forget() replaces it whole.
// `epoch` counts visits: an answer arriving after the machine forgot its visit is dropped.
let visit = newVisit();
let epoch = 0;
let busyNow = false;
const stations = new Map();  // code → name (public timetable data, kept across visits)

function newVisit() {
  return {
    destinations: [], letters: "", dest: null, date: dateInShanghai(0), runs: [], runsPurpose: "buy",
    run: null, order: null, orderAttempt: null, payKey: null,
    findPurpose: "collect", findMode: "id", pendingPrint: null, idNumber: null, orderId: null,
    tickets: [], prints: {}, ticket: null, ticketRoute: null, quote: null, result: null,
    keys: new Map(), blobs: [], vouchers: new Map(),
  };
}

// ---- Screens, errors, busy --------------------------------------------------------------------

const renderers = {};

function show(screen) {
  app.dataset.screen = screen;
  document.querySelectorAll("section[data-screen]").forEach((s) => { s.hidden = s.dataset.screen !== screen; });
  $("home").hidden = screen === "home" || screen === "setup";
  clearMessages();
  const slot = document.querySelector(`section[data-screen="${screen}"] .pad-slot`);
  pad.hidden = !slot;
  if (slot) slot.appendChild(pad);
  renderers[screen]?.();
}

function clearMessages() {
  $("error").textContent = "";
  delete $("error").dataset.code;
  $("notice").textContent = "";
}

// An API failure in words: the page's own words for the action, then the node's message.
function showError(e, action) {
  const box = $("error");
  if (e instanceof ApiError && e.status === 401) { machineLoggedOut(); return; }
  const message = e instanceof TypeError || !(e instanceof ApiError) ? t("network_error") : e.message;
  box.textContent = (action ? t(action) : "") + message;
  box.dataset.code = e instanceof ApiError ? e.code : "network";
}

// Runs one user action: every control is disabled meanwhile, and the idle timer waits for it.
async function busy(work) {
  if (busyNow) return;
  busyNow = true;
  $("screens").disabled = true;
  $("home").disabled = true;
  app.dataset.busy = "true";
  try { await work(); } finally {
    busyNow = false;
    $("screens").disabled = false;
    $("home").disabled = false;
    delete app.dataset.busy;
  }
}

// The Idempotency-Key of one user action, kept with the visit (api.js withIdempotencyKey).
const withKey = (action, call) => withIdempotencyKey(visit.keys, action, call);

// One step of the visit: `call` the node, then `done(result)`, or show the error in the words
// of `action` — neither if the machine forgot the visit meanwhile.
async function step(action, call, done) {
  const gen = epoch;
  try {
    const result = await call();
    if (gen === epoch) done(result);
  } catch (e) { if (gen === epoch) showError(e, action); }
}

// "2026-11-24 08:30" of an ISO 8601 time with +08:00.
const minute = (iso) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
const padWords = () => ({ back: t("pad_back"), clear: t("pad_clear") });

// ---- Forgetting -------------------------------------------------------------------------------

// Back to the home screen with nothing of the visit left on screen or in memory: names, ID
// numbers, ticket lists, quotes, keys and the reimbursement PDFs' object URLs.
function forget() {
  epoch += 1;
  visit.blobs.forEach((url) => URL.revokeObjectURL(url));
  visit = newVisit();
  for (const id of ["destinations", "letters-shown", "runs", "runs-title", "runs-count", "run-summary", "passenger-list",
    "order-id", "held-list", "amount", "expires", "issued", "find-title", "find-hint", "ticket-list", "tickets-title",
    "tickets-count", "refund-quote", "refund-result", "change-quote", "change-result", "changed-ticket"]) {
    $(id).innerHTML = "";
  }
  $("find-input").value = "";
  $("estimate").textContent = "0.00";
  delete $("runs").dataset.loaded;
  delete $("issued").dataset.state;
  delete $("ticket-list").dataset.loaded;
}

function goHome(message = "") {
  forget();
  show(token() ? "home" : "setup");
  $("notice").textContent = message;
}

// ---- Set-up: the machine's staff session --------------------------------------------------------

async function setUp(event) {
  event.preventDefault();
  const form = $("setup-form");
  await busy(async () => {
    try {
      const who = await login(form.username.value.trim(), form.password.value);
      if (who.role !== "kiosk" || !who.station) {
        await logout();
        $("error").textContent = t("wrong_role", who.role_name || who.role);
        return;
      }
      form.reset();
      await showStation();
      goHome();
    } catch (e) {
      // A wrong password is a 401 here, not the end of the machine's session.
      if (e instanceof ApiError && e.status === 401) $("error").textContent = t("failed_setup") + e.message;
      else showError(e, "failed_setup");
    }
  });
}

async function showStation() {
  const who = session();
  const name = await stationName(who.station).catch(() => who.station);
  $("station-name").textContent = `${name} · ${who.display_name}`;
}

function machineLoggedOut() {
  sessionStorage.clear();
  forget();
  $("station-name").textContent = "";
  show("setup");
  $("error").textContent = t("machine_session_ended");
}

async function stationName(code) {
  if (!stations.has(code)) stations.set(code, (await api("GET", `/stations/${encodeURIComponent(code)}`)).name);
  return stations.get(code);
}

const here = () => session().station;

// ---- Buy: destination -------------------------------------------------------------------------

// The stations a bus from here goes on to, from the routes stopping here.
async function startBuy() {
  const gen = epoch;
  await busy(async () => {
    try {
      const routes = await api("GET", `/routes?station=${here()}`);
      if (gen !== epoch) return;
      const seen = new Map();
      for (const route of routes.items) {
        const at = route.stops.findIndex((s) => s.station_code === here());
        for (const stop of route.stops.slice(at + 1)) {
          if (at >= 0 && !seen.has(stop.station_code)) seen.set(stop.station_code, { code: stop.station_code, name: stop.station_name, shown: true });
        }
      }
      visit.destinations = [...seen.values()];
      visit.letters = "";
      visit.runsPurpose = "buy";
      show("destination");
    } catch (e) { showError(e, "failed_search"); }
  });
}

renderers.destination = () => {
  $("letters-shown").textContent = visit.letters;
  const shown = visit.destinations.filter((d) => d.shown);
  $("destinations").innerHTML = shown.length
    ? shown.map((d) => `<button type="button" class="choice" data-code="${escapeHtml(d.code)}">${escapeHtml(d.name)}</button>`).join("")
    : `<p class="muted">${escapeHtml(t("no_destinations"))}</p>`;
};

// Pinyin initials narrow the destinations (GET /stations?q= knows each station's pinyin).
async function filterDestinations(key) {
  visit.letters = applyKey(visit.letters, key, 8);
  const gen = epoch;
  if (!visit.letters) {
    visit.destinations.forEach((d) => { d.shown = true; });
  } else {
    try {
      const data = await api("GET", `/stations?limit=1000&q=${encodeURIComponent(visit.letters)}`);
      if (gen !== epoch) return;
      const codes = new Set(data.items.map((s) => s.code));
      visit.destinations.forEach((d) => { d.shown = codes.has(d.code); });
    } catch (e) { showError(e, "failed_search"); return; }
  }
  renderers.destination();
}

// ---- Runs (to buy, or to change a ticket to) --------------------------------------------------

function runsQuery() {
  return visit.runsPurpose === "buy"
    ? { from: here(), to: visit.dest.code }
    : { from: visit.ticket.from, to: visit.ticket.to };
}

async function loadRuns() {
  const gen = epoch;
  delete $("runs").dataset.loaded;
  const { from, to } = runsQuery();
  try {
    const data = await api("GET", `/runs?from=${from}&to=${to}&date=${visit.date}&channel=kiosk`);
    if (gen !== epoch) return;
    visit.runs = visit.runsPurpose === "buy" ? data.items
      : data.items.filter((r) => r.run_id !== visit.ticket.run_id &&
          (!visit.ticketRoute || (r.route_code === visit.ticketRoute.code &&
                                  r.vehicle_class === visit.ticketRoute.vehicle_class)));
  } catch (e) {
    if (gen !== epoch) return;
    visit.runs = [];
    showError(e, "failed_search");
  }
  renderers.runs();
  $("runs").dataset.loaded = String(visit.runs.length);
}

renderers.runs = () => {
  const title = visit.runsPurpose === "buy"
    ? t("runs_title", stations.get(here()) || here(), visit.dest?.name || "")
    : t("change_runs_title", visit.ticket?.ticket_number || "", stations.get(visit.ticket?.from) || "", stations.get(visit.ticket?.to) || "");
  $("runs-title").textContent = title;
  document.querySelectorAll("#day-chips button").forEach((b) => {
    b.setAttribute("aria-pressed", String(dateInShanghai(Number(b.dataset.days)) === visit.date));
  });
  $("runs-count").textContent = $("runs").dataset.loaded === undefined ? "" : visit.runs.length ? t("runs_count", visit.runs.length) : t("no_runs");
  $("runs").innerHTML = visit.runs.map((r, i) => `
    <button type="button" class="run" data-index="${i}" data-run="${escapeHtml(r.run_id)}" ${r.seats_left > 0 ? "" : "disabled"}>
      <span class="time">${escapeHtml(r.departs_at.slice(11, 16))}</span>
      <span>${escapeHtml(r.from_stop.name)} → ${escapeHtml(r.to_stop.name)}<small>${escapeHtml(r.route_name)} · ${escapeHtml(r.vehicle_class)} · ${escapeHtml(r.run_id)}</small></span>
      <span class="price">¥${yuan(r.fares.adult + r.fares.station_fee)}<small>${escapeHtml(t("seats_n", r.seats_left))}</small></span>
    </button>`).join("");
};

function chooseRun(index) {
  const r = visit.runs[index];
  if (visit.runsPurpose === "buy") {
    visit.run = r;
    visit.orderAttempt = null;
    $("passenger-list").innerHTML = "";
    show("passengers");
    addPassenger();
  } else {
    busy(() => quoteChange(r));
  }
}

// ---- Buy: passengers --------------------------------------------------------------------------

renderers.passengers = () => {
  const r = visit.run;
  $("run-summary").innerHTML = `<b>${escapeHtml(minute(r.departs_at))}</b>
    ${escapeHtml(r.from_stop.name)} → ${escapeHtml(r.to_stop.name)} · ${escapeHtml(r.route_name)}`;
  renderPad(pad, PAD_KEYS.id, padWords());
  renumber();
};

function addPassenger() {
  const list = $("passenger-list");
  if (list.children.length >= MAX_PASSENGERS) return;
  const card = document.createElement("fieldset");
  card.className = "passenger card";
  card.innerHTML = `
    <legend><span data-i18n="passenger_n"></span> <span class="n"></span></legend>
    <label><span data-i18n="name"></span><input name="name" maxlength="40" autocomplete="off"></label>
    <div class="field-error" data-error-for="name"></div>
    <label><span data-i18n="id_card_number"></span><input name="id_number" class="pad-display id-number" readonly inputmode="none" autocomplete="off" data-i18n-placeholder="id_tap_hint"></label>
    <div class="field-error" data-error-for="id_number"></div>
    <div class="fare-toggle">
      <button type="button" data-fare="adult" aria-pressed="true" data-i18n="fare_adult"></button>
      <button type="button" data-fare="child" aria-pressed="false" data-i18n="fare_child"></button>
      <button type="button" class="remove" data-i18n="remove"></button>
    </div>`;
  list.appendChild(card);
  applyTranslations(card);
  renumber();
  target(card.querySelector("[name=id_number]"));
}

function renumber() {
  const cards = Array.from($("passenger-list").children);
  cards.forEach((card, i) => {
    card.dataset.passenger = String(i);
    card.querySelector(".n").textContent = String(i + 1);
    card.querySelector(".remove").hidden = cards.length === 1;
  });
  $("add-passenger").disabled = cards.length >= MAX_PASSENGERS;
  const fen = readPassengers().reduce((sum, p) => sum + visit.run.fares[p.fare_type] + visit.run.fares.station_fee, 0);
  $("estimate").textContent = yuan(fen);
}

// The ID input the pad types into.
function target(input) {
  document.querySelectorAll("#passenger-list .pad-display").forEach((el) => el.classList.toggle("active", el === input));
}

function readPassengers() {
  return Array.from($("passenger-list").children).map((card) => ({
    name: card.querySelector("[name=name]").value.trim(),
    id_type: "resident_id",
    id_number: card.querySelector("[name=id_number]").value,
    fare_type: card.querySelector("[data-fare][aria-pressed=true]").dataset.fare,
  }));
}

function clearFieldErrors(root) {
  root.querySelectorAll("[aria-invalid=true]").forEach((el) => el.removeAttribute("aria-invalid"));
  root.querySelectorAll(".field-error").forEach((el) => { el.textContent = ""; });
}

async function holdSeats() {
  clearMessages();
  clearFieldErrors($("passenger-list"));
  const r = visit.run;
  const body = { run_id: r.run_id, from: r.from_stop.code, to: r.to_stop.code, channel: "kiosk", passengers: readPassengers() };
  const text = JSON.stringify(body);
  if (!visit.orderAttempt || visit.orderAttempt.body !== text) visit.orderAttempt = { body: text, key: newIdempotencyKey() };
  const gen = epoch;
  try {
    const order = await api("POST", "/orders", body, { "Idempotency-Key": visit.orderAttempt.key });
    if (gen !== epoch) return;
    visit.order = order;
    visit.orderAttempt = null;
    visit.payKey = null;
    show("pay");
  } catch (e) {
    if (gen !== epoch) return;
    const where = e instanceof ApiError ? passengerField(e.field) : null;
    const card = where && where.index !== null ? $("passenger-list").children[where.index] : null;
    const input = card?.querySelector(`[name=${where.member === "id_number" ? "id_number" : "name"}]`);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      card.querySelector(`[data-error-for=${input.name}]`).textContent = e.message;
      if (input.name === "id_number") target(input);
    }
    showError(e, "failed_hold");
  }
}

// ---- Buy: card payment and the vouchers -------------------------------------------------------

renderers.pay = () => {
  const o = visit.order;
  $("order-id").textContent = o.order_id;
  $("amount").textContent = yuan(o.amount);
  $("expires").textContent = o.expires_at.slice(11, 16);
  $("held-list").innerHTML = `<table><tbody>${o.tickets.map((tk) => `<tr>
    <td>${escapeHtml(tk.passenger_name)}</td><td class="id-number">${escapeHtml(tk.id_number)}</td>
    <td>${escapeHtml(t("fare_" + tk.fare_type))}</td><td>${escapeHtml(t("seat"))} ${tk.seat ?? "—"}</td>
    <td class="num">¥${yuan(tk.fare + tk.station_fee)}</td></tr>`).join("")}</tbody></table>`;
};

function payByCard() {
  const o = visit.order;
  if (!visit.payKey || visit.payKey.order !== o.order_id) visit.payKey = { order: o.order_id, key: newIdempotencyKey() };
  return step("failed_pay",
    () => api("POST", `/orders/${encodeURIComponent(o.order_id)}/pay`, { method: "card" }, { "Idempotency-Key": visit.payKey.key }),
    // The order's proof (its access token, from the hold) links the vouchers just issued.
    (paid) => { visit.order = { ...paid, access_token: o.access_token }; show("issued"); });
}

function cancelOrder() {
  return step("failed_cancel",
    () => api("POST", `/orders/${encodeURIComponent(visit.order.order_id)}/cancel`),
    () => { visit.order = null; show("passengers"); });  // the passengers stay entered
}

// "张* · 全票 · 座位 12" (the name as the node masked it).
const passengerLine = (tk) => `${escapeHtml(tk.passenger_name)} · ${escapeHtml(t("fare_" + tk.fare_type))} · ${escapeHtml(t("seat"))} ${tk.seat ?? "—"}`;

// A ticket card with its QR voucher and the printable PDF, shown by links that carry the
// ticket's order access token (an <img> cannot send the kiosk's session).
function voucherCard(tk, accessToken) {
  const voucher = (kind) => escapeHtml(holderUrl(`${ticketPath(tk.ticket_number)}/voucher.${kind}`, accessToken));
  return `<div class="card ticket" data-ticket="${escapeHtml(tk.ticket_number)}">
    <img class="qr" src="${voucher("svg")}" alt="QR ${escapeHtml(tk.ticket_number)}" width="220" height="220">
    <p class="ticket-number">${escapeHtml(tk.ticket_number)}</p>
    <p>${passengerLine(tk)}</p>
    <p>${escapeHtml(minute(tk.departs_at))}</p>
    <a class="print button" href="${voucher("pdf")}" target="_blank" rel="noopener">${escapeHtml(t("print_voucher"))}</a>
  </div>`;
}

function whenQrLoaded(container) {
  delete container.dataset.state;
  const images = Array.from(container.querySelectorAll("img.qr"));
  Promise.all(images.map((img) => img.decode().catch(() => null))).then(() => { container.dataset.state = "ready"; });
}

renderers.issued = () => {
  $("issued").innerHTML = visit.order.tickets.filter((tk) => tk.ticket_number).map((tk) => voucherCard(tk, visit.order.access_token)).join("");
  whenQrLoaded($("issued"));
};

// ---- Find tickets: ID swipe or order number ---------------------------------------------------

function startFind(purpose) {
  visit.findPurpose = purpose;
  visit.findMode = "id";
  $("find-input").value = "";
  show("find");
}

renderers.find = () => {
  const p = visit.findPurpose;
  $("find-title").textContent = t("find_" + p);
  // Only collecting may go by order number: a refund, a change and the receipt need the ID
  // card itself, since an order number is no proof of holding the ticket.
  $("find-modes").hidden = p !== "collect";
  if (p !== "collect" && visit.findMode !== "id") { visit.findMode = "id"; $("find-input").value = ""; }
  document.querySelectorAll("#find-modes button").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.mode === visit.findMode)));
  $("find-hint").textContent = t(visit.findMode === "id" ? "find_hint_id" : "find_hint_order");
  renderPad(pad, PAD_KEYS[visit.findMode], padWords());
};

function setFindMode(mode) {
  visit.findMode = mode;
  $("find-input").value = mode === "order" ? "O" : "";
  renderers.find();
}

// The order number as the node writes it: "O", the date, then lowercase hex.
const orderId = (text) => "O" + text.slice(1).toLowerCase();

async function find() {
  const value = $("find-input").value;
  const gen = epoch;
  try {
    if (visit.findPurpose === "reimb") {
      const ticket = visit.pendingPrint;
      visit.pendingPrint = null;
      $("find-input").value = "";
      show("tickets");
      await printReimbursement(ticket, value);
      return;
    }
    let items;
    if (visit.findMode === "order") {
      let order;
      try { order = await api("GET", `/orders/${encodeURIComponent(orderId(value))}`); } catch (e) {
        if (e instanceof ApiError && (e.status === 404 || e.status === 400)) e.message = t("order_not_found") + "（" + e.message + "）";
        throw e;
      }
      items = order.tickets.filter((tk) => tk.ticket_number);
      visit.idNumber = null;
      visit.orderId = order.order_id;
    } else {
      items = (await api("POST", "/tickets/lookup", { id_type: "resident_id", id_number: value })).items;
      visit.idNumber = value;
      visit.orderId = null;
    }
    if (gen !== epoch) return;
    await Promise.all([...new Set(items.flatMap((tk) => [tk.from, tk.to]))].map((code) => stationName(code).catch(() => code)));
    if (gen !== epoch) return;
    visit.tickets = items;
    $("find-input").value = "";
    show("tickets");
  } catch (e) { if (gen === epoch) showError(e, "failed_lookup"); }
}

// ---- The ticket list: collect, refund or change -----------------------------------------------

renderers.tickets = () => {
  const p = visit.findPurpose === "reimb" ? "collect" : visit.findPurpose;
  $("tickets-title").textContent = t("tickets_" + p);
  $("tickets-count").textContent = visit.tickets.length ? t("tickets_count", visit.tickets.length) : t("no_tickets");
  $("ticket-list").innerHTML = visit.tickets.map((tk, i) => {
    const issued = tk.status === "issued";
    const print = visit.prints[tk.ticket_number];
    let actions = "";
    if (p === "collect" && issued) {
      // A found ticket's voucher is read with the machine's session: a blob: link, filled below.
      actions = `<a class="print button" data-voucher="${escapeHtml(ticketPath(tk.ticket_number))}/voucher.pdf" target="_blank" rel="noopener">${escapeHtml(t("print_voucher"))}</a>
        <button type="button" class="reimburse" data-index="${i}">${escapeHtml(t("print_reimbursement"))}</button>`;
    } else if (issued) {
      actions = `<button type="button" class="pick primary" data-index="${i}">${escapeHtml(t(p + "_this"))}</button>`;
    }
    const printLine = !print ? (tk.reimbursement_prints ? `<p class="muted">${escapeHtml(t("reimbursement_prints", tk.reimbursement_prints))}</p>` : "")
      : `<p class="print-status" data-state="${print.state}">${escapeHtml(print.state === "printed" ? t("reimbursement_printed", print.sequence) : print.message)}</p>
         ${print.url ? `<a class="reimb-pdf button" href="${print.url}" target="_blank" rel="noopener" download="reimbursement-${escapeHtml(tk.ticket_number)}.pdf">${escapeHtml(t("open_reimbursement"))}</a>` : ""}`;
    return `<div class="card ticket-row" data-ticket="${escapeHtml(tk.ticket_number)}" data-status="${escapeHtml(tk.status)}">
      <p class="ticket-number">${escapeHtml(tk.ticket_number)}</p>
      <p><b>${escapeHtml(minute(tk.departs_at))}</b>
        <span class="stations">${escapeHtml(stations.get(tk.from) || tk.from)} → ${escapeHtml(stations.get(tk.to) || tk.to)}</span></p>
      <p>${passengerLine(tk)} ·
        ${escapeHtml(statusWord(tk.status))}</p>
      ${printLine}
      <div class="actions">${actions}</div>
    </div>`;
  }).join("");
  $("ticket-list").dataset.loaded = String(visit.tickets.length);
  for (const link of $("ticket-list").querySelectorAll("a[data-voucher]")) fillVoucherLink(link);
};

// A found ticket's voucher PDF, read once per visit with the machine's session and kept as a
// blob: URL among the visit's (forget() revokes them): a re-render reuses it, and a visit that
// ended meanwhile keeps nothing.
function fillVoucherLink(link) {
  const path = link.dataset.voucher;
  const show = (url) => { link.href = url; link.dataset.ready = "1"; };
  if (visit.vouchers.has(path)) { visit.vouchers.get(path).then(show, () => {}); return; }
  const gen = epoch;
  const url = staffBlobUrl(path).then((made) => {
    if (gen !== epoch) { URL.revokeObjectURL(made); throw new Error("the visit ended"); }
    visit.blobs.push(made);
    return made;
  });
  visit.vouchers.set(path, url);
  url.then(show, (e) => { if (gen === epoch) { visit.vouchers.delete(path); showError(e, "failed_lookup"); } });
}

const statusWord = (status) => (t("ticket_status_" + status) === "ticket_status_" + status ? status : t("ticket_status_" + status));

// The reimbursement ticket as a self-service machine prints it: with the machine's session (the
// node records a kiosk print at the machine's station), the ID card the ticket was bought with,
// and one Idempotency-Key per tap.
async function printReimbursement(ticket, idNumber) {
  const number = ticket.ticket_number;
  const gen = epoch;
  try {
    const pdf = await withKey(`reimbursement:${number}`, (key) =>
      postForPdf(`${ticketPath(number)}/reimbursement`, { id_type: "resident_id", id_number: idNumber }, { "Idempotency-Key": key }));
    if (gen !== epoch) return;
    const url = URL.createObjectURL(pdf.blob);
    visit.blobs.push(url);
    visit.prints[number] = { state: "printed", sequence: pdf.sequence, url };
    ticket.reimbursement_prints = Number(pdf.sequence);
  } catch (e) {
    if (gen !== epoch) return;
    if (e instanceof ApiError && e.status === 401) { machineLoggedOut(); return; }
    const refused = e instanceof ApiError && e.status === 409 && e.code === "failed_precondition";
    const message = e instanceof ApiError ? e.message : t("network_error");
    // The card keeps an earlier print's PDF and says, in the page's words, why this one failed;
    // the node's whole message is in the error line.
    visit.prints[number] = { ...visit.prints[number], state: refused ? "refused" : "error", message: refused ? t("reprint_refused") : t("failed_print") + message };
    showError(e, "failed_print");
    if (refused) $("error").textContent = t("reprint_refused") + " " + message;
  }
  renderers.tickets();
}

function onReimburse(index) {
  const ticket = visit.tickets[index];
  if (visit.idNumber) { busy(() => printReimbursement(ticket, visit.idNumber)); return; }
  visit.pendingPrint = ticket;  // found by order number: the ID card is swiped now
  startFind("reimb");
}

function onPick(index) {
  visit.ticket = visit.tickets[index];
  if (visit.findPurpose === "refund") busy(quoteRefund);
  else busy(startChange);
}

// ---- Refund -----------------------------------------------------------------------------------

function quoteRow(label, value, cls = "") {
  return `<dt>${escapeHtml(t(label))}</dt><dd class="${cls}">${value}</dd>`;
}

function quoteRefund() {
  return step("failed_refund",
    () => api("GET", `${ticketPath(visit.ticket.ticket_number)}/refund-quote?channel=kiosk`),
    (quote) => { visit.quote = quote; show("refund-quote"); });
}

function refundRows(r) {
  return quoteRow("ticket_number", `<span class="ticket-number">${escapeHtml(r.ticket_number)}</span>`) +
    quoteRow("paid_fare", `¥${yuan(r.fare)}`, "fare") +
    quoteRow("fee", `¥${yuan(r.fee)}`, "fee") +
    quoteRow("refunded", `<b>¥${yuan(r.refunded)}</b>`, "refunded") +
    quoteRow("rule", escapeHtml(r.rule), "rule") +
    (r.free_children?.length ? `<dt></dt><dd>${escapeHtml(t("free_children_refunded", r.free_children.length))}</dd>` : "");
}

renderers["refund-quote"] = () => { $("refund-quote").innerHTML = refundRows(visit.quote); };

// Nobody at a machine sees the passenger's papers: a refund or change carries the ID card the
// tickets were found with (the machine's session alone proves nothing).
const holderProof = () => ({ id_type: "resident_id", id_number: visit.idNumber });

function confirmRefund() {
  const number = visit.ticket.ticket_number;
  return step("failed_refund",
    () => withKey(`refund:${number}`, (key) =>
      api("POST", `${ticketPath(number)}/refund`, { channel: "kiosk", ...holderProof() }, { "Idempotency-Key": key })),
    (result) => { visit.result = result; show("refund-done"); });
}

renderers["refund-done"] = () => {
  const r = visit.result;
  $("refund-result").innerHTML = refundRows(r) +
    quoteRow("money_back", escapeHtml(t("money_back_" + r.money_back)), "money-back") +
    quoteRow("refund_status", escapeHtml(t("refund_status_" + r.refund_status)), "refund-status");
};

// ---- Change (改签) ----------------------------------------------------------------------------

// The runs of the ticket's segment; only those of its own route (found from its run's offer
// on its day, when that run is still on sale) are listed.
async function startChange() {
  const tk = visit.ticket;
  const gen = epoch;
  visit.runsPurpose = "change";
  visit.date = tk.departs_at.slice(0, 10) < dateInShanghai(0) ? dateInShanghai(0) : tk.departs_at.slice(0, 10);
  visit.ticketRoute = null;
  try {
    const same = await api("GET", `/runs?from=${tk.from}&to=${tk.to}&date=${tk.departs_at.slice(0, 10)}&channel=kiosk`);
    // A change keeps the route and the vehicle class (DESIGN.md §3): list only such runs.
    const own = same.items.find((r) => r.run_id === tk.run_id);
    visit.ticketRoute = own ? { code: own.route_code, vehicle_class: own.vehicle_class } : null;
  } catch (e) { /* the change quote decides what may be changed to */ }
  if (gen !== epoch) return;
  visit.runs = [];
  show("runs");
  await loadRuns();
}

function quoteChange(run) {
  return step("failed_change",
    () => api("GET", `${ticketPath(visit.ticket.ticket_number)}/change-quote?run_id=${encodeURIComponent(run.run_id)}`),
    (quote) => { visit.quote = { ...quote, run }; show("change-quote"); });
}

function changeRows(q) {
  const r = q.run;
  return (r ? quoteRow("new_run", `<b>${escapeHtml(minute(r.departs_at))}</b> ${escapeHtml(r.run_id)}`) : "") +
    quoteRow("change_fee", `¥${yuan(q.fee ?? 0)}`, "fee") +
    quoteRow("charge", `¥${yuan(q.charge ?? 0)}`, "charge") +
    quoteRow("change_refund", `¥${yuan(q.refund ?? 0)}`, "refund") +
    quoteRow("rule", escapeHtml(q.rule ?? ""), "rule") +
    (q.charge > 0 ? `<dt></dt><dd>${escapeHtml(t("charge_by_card"))}</dd>` : "");
}

renderers["change-quote"] = () => { $("change-quote").innerHTML = changeRows(visit.quote); };

function confirmChange() {
  const number = visit.ticket.ticket_number;
  const q = visit.quote;
  const body = { run_id: q.run.run_id, channel: "kiosk", ...holderProof() };
  if (q.charge > 0) body.payment_method = "card";
  return step("failed_change",
    () => withKey(`change:${number}:${q.run.run_id}`, (key) =>
      api("POST", `${ticketPath(number)}/change`, body, { "Idempotency-Key": key })),
    (result) => { visit.result = { ...result, run: q.run }; show("change-done"); });
}

renderers["change-done"] = () => {
  const r = visit.result;
  $("change-result").innerHTML = quoteRow("old_ticket", `<span class="ticket-number">${escapeHtml(r.old_ticket_number)}</span>`) + changeRows(r);
  $("changed-ticket").innerHTML = voucherCard({ passenger_name: "", fare_type: "adult", departs_at: r.run.departs_at, ...r.ticket }, r.access_token);
  whenQrLoaded($("changed-ticket"));
};

// ---- Wiring -----------------------------------------------------------------------------------

$("setup-form").addEventListener("submit", setUp);
$("home").addEventListener("click", () => goHome());
$("go-buy").addEventListener("click", startBuy);
$("go-collect").addEventListener("click", () => startFind("collect"));
$("go-refund").addEventListener("click", () => startFind("refund"));
$("go-change").addEventListener("click", () => startFind("change"));

renderPad($("letters"), PAD_KEYS.letters, { back: "⌫", clear: "✕" });
$("letters").addEventListener("click", (event) => {
  const key = event.target.closest("button[data-key]")?.dataset.key;
  if (key) filterDestinations(key);
});
$("destinations").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-code]");
  if (!button) return;
  visit.dest = visit.destinations.find((d) => d.code === button.dataset.code);
  visit.date = dateInShanghai(0);
  visit.runs = [];
  show("runs");
  busy(loadRuns);
});
$("day-chips").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-days]");
  if (!button) return;
  visit.date = dateInShanghai(Number(button.dataset.days));
  renderers.runs();
  busy(loadRuns);
});
$("runs").addEventListener("click", (event) => {
  const button = event.target.closest("button.run");
  if (button) chooseRun(Number(button.dataset.index));
});

$("passenger-list").addEventListener("click", (event) => {
  const card = event.target.closest("fieldset.passenger");
  if (!card) return;
  const fare = event.target.closest("button[data-fare]");
  if (fare) {
    card.querySelectorAll("button[data-fare]").forEach((b) => b.setAttribute("aria-pressed", String(b === fare)));
    renumber();
  }
  if (event.target.closest("button.remove")) { card.remove(); renumber(); target($("passenger-list").querySelector("[name=id_number]")); }
  if (event.target.matches("[name=id_number]")) target(event.target);
});
$("passenger-list").addEventListener("focusin", (event) => { if (event.target.matches("[name=id_number]")) target(event.target); });
$("passenger-list").addEventListener("input", (event) => {
  event.target.removeAttribute("aria-invalid");
  const box = event.target.closest("fieldset").querySelector(`[data-error-for=${event.target.name}]`);
  if (box) box.textContent = "";
});
$("add-passenger").addEventListener("click", addPassenger);
$("hold").addEventListener("click", () => busy(holdSeats));

// The pad types into the active passenger ID, or into the find screen's input.
pad.addEventListener("click", (event) => {
  const key = event.target.closest("button[data-key]")?.dataset.key;
  if (!key) return;
  if (app.dataset.screen === "find") {
    const input = $("find-input");
    const order = visit.findMode === "order";
    let value = applyKey(input.value, key, order ? 19 : 18);
    if (order && !value.startsWith("O")) value = "O" + value.replace(/^O?/, "");
    input.value = value;
    return;
  }
  const input = $("passenger-list").querySelector(".pad-display.active");
  if (!input) return;
  input.value = applyKey(input.value, key, 18);
  input.dispatchEvent(new Event("input", { bubbles: true }));
});

$("pay-card").addEventListener("click", () => busy(payByCard));
$("cancel-order").addEventListener("click", () => busy(cancelOrder));
$("find-modes").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-mode]");
  if (button) setFindMode(button.dataset.mode);
});
$("find-ok").addEventListener("click", () => busy(find));
$("ticket-list").addEventListener("click", (event) => {
  const reimburse = event.target.closest("button.reimburse");
  if (reimburse) onReimburse(Number(reimburse.dataset.index));
  const pick = event.target.closest("button.pick");
  if (pick) onPick(Number(pick.dataset.index));
});
$("refund-confirm").addEventListener("click", () => busy(confirmRefund));
$("change-confirm").addEventListener("click", () => busy(confirmChange));

setupI18n({ ...salesWords, ...kioskWords }, $("lang"), () => {
  const screen = app.dataset.screen;
  if (screen === "passengers") renderPad(pad, PAD_KEYS.id, padWords());
  else renderers[screen]?.();
});

watchIdle(IDLE_SECONDS, () => {
  if (app.dataset.screen === "setup") return;
  const wasHome = app.dataset.screen === "home";
  goHome(wasHome ? "" : t("idle_reset"));
  app.dataset.idleResets = String(Number(app.dataset.idleResets || 0) + 1);
}, () => busyNow);

await syncNodeTime();
if (token() && session()?.station) {
  showStation().catch(() => {});
  goHome();
} else {
  show("setup");
}
