// Gate (检票口): a gate operator logs in, names the gate once (remembered per browser), then
// checks passengers in. A hand scanner types into the one big input and ends with Enter: a
// "KY1:…" e-ticket voucher goes as method qr_code, an 18-character ID number as id_card; the
// node decides (POST /checkins) and the page shows a big green 通过 or red 拒绝 panel.
// #result carries data-result (idle|accepted|refused|error), data-reason (the refusal's key or
// the error's code) and data-seq (one more per shown result) for tests.
import { api, session, escapeHtml, ApiError, isGateStaff, wireStaffLogin, nodeNow } from "/api.js";
import { setupI18n, t, salesWords, stationWords } from "/i18n.js";

const dict = {
  ...salesWords,
  ...stationWords,
  title: { zh: "检票口", en: "Check-in gate" },
  manifest_link: { zh: "旅客清单", en: "Manifest" },
  login: { zh: "检票员登录", en: "Gate operator login" },
  wrong_role: { zh: "本页面供检票员和站务经理使用；当前账号角色为 {0}", en: "This page is for gate operators and station managers; this account is a {0}" },
  which_gate: { zh: "本机检票口", en: "This gate" },
  gate_number: { zh: "检票口号", en: "Gate number" },
  gate_hint: { zh: "如 3 或 A2", en: "e.g. 3 or A2" },
  bad_gate: { zh: "检票口号为 1 至 16 个字符", en: "A gate number has 1 to 16 characters" },
  start_checkin: { zh: "开始检票", en: "Start checking in" },
  change_gate: { zh: "更换检票口", en: "Change gate" },
  scan_label: { zh: "扫描电子客票二维码或刷身份证（回车确认）", en: "Scan the e-ticket QR code or swipe the ID card (Enter)" },
  scan_hint: { zh: "等待扫码或刷证…", en: "waiting for a scan…" },
  scan_note: { zh: "扫码枪或读卡器输入后自动回车；也可手工输入 18 位身份证号后按回车。", en: "A scanner or card reader ends with Enter by itself; an 18-character ID number may also be typed, then Enter." },
  waiting: { zh: "请扫码或刷证", en: "Scan or swipe" },
  checking: { zh: "核验中…", en: "Checking…" },
  accepted: { zh: "通过", en: "Admitted" },
  refused: { zh: "拒绝", en: "Refused" },
  failed: { zh: "无法检票", en: "Cannot check in" },
  seat_n: { zh: "{0} 号座", en: "Seat {0}" },
  departs_at: { zh: "发车时间", en: "Departs" },
  free_children_n: { zh: "携童 {0} 名", en: "{0} free child(ren)" },
  history: { zh: "最近检票", en: "Recent check-ins" },
  by_qr: { zh: "二维码", en: "QR code" },
  by_id: { zh: "身份证", en: "ID card" },
};

const GATE_KEY = "keyun.gate.number";
const HISTORY_SIZE = 10;

const $ = (id) => document.getElementById(id);
const app = $("app");
const scan = $("scan");
const resultPanel = $("result");

let shown = null;      // the result on the panel, re-rendered when the language changes
let history = [];      // the last HISTORY_SIZE results, newest first
let seq = 0;
let queue = Promise.resolve();  // scans are decided one after another, in the order scanned

// ---- What was scanned -------------------------------------------------------------------------

// The check-in body for what the scanner typed, or null for nothing. Anything that is neither an
// ID number nor empty goes as a voucher: the node answers `damaged` for what it cannot read.
function requestFor(text) {
  const raw = text.replace(/[\r\n]/g, "");
  const trimmed = raw.trim();
  if (!trimmed) return null;
  const gate = localStorage.getItem(GATE_KEY);
  if (/^\d{17}[\dXx]$/.test(trimmed)) {
    return { gate, method: "id_card", id_type: "resident_id", id_number: trimmed.toUpperCase() };
  }
  // Base45 has a space in its alphabet: only the scanner's leading blanks go.
  return { gate, method: "qr_code", voucher: raw.replace(/^\s+/, "") };
}

// An ID number as the history shows it: never in full on a screen passengers can see.
function maskId(id) { return id.slice(0, 6) + "********" + id.slice(-4); }

// ---- Deciding ---------------------------------------------------------------------------------

async function decide(body) {
  const what = body.method === "id_card" ? { kind: "by_id", text: maskId(body.id_number) } : { kind: "by_qr", text: "" };
  try {
    const admitted = await api("POST", "/checkins", body);
    let fareType = null;
    try {
      fareType = (await api("GET", `/tickets/${encodeURIComponent(admitted.ticket_number)}`)).fare_type;
    } catch (e) { /* the admission stands; only the fare type is missing */ }
    return { result: "accepted", reason: "", what, admitted, fareType, at: new Date(nodeNow()) };
  } catch (e) {
    if (e instanceof ApiError && e.body && e.body.refusal) {
      return { result: "refused", reason: e.body.refusal.reason, what, refusal: e.body.refusal, at: new Date(nodeNow()) };
    }
    if (e instanceof ApiError && e.status === 401) {
      showLogin(t("session_expired"));
      return null;
    }
    const message = e instanceof ApiError ? e.message : t("station_network_error");
    return { result: "error", reason: e instanceof ApiError ? e.code : "network", what, message, at: new Date(nodeNow()) };
  }
}

function onScan(text) {
  const body = requestFor(text);
  if (!body) return;
  resultPanel.classList.add("pending");
  queue = queue.then(async () => {
    const outcome = await decide(body);
    resultPanel.classList.remove("pending");
    if (!outcome) return;
    history.unshift(outcome);
    history = history.slice(0, HISTORY_SIZE);
    show(outcome);
  });
}

// ---- Showing ----------------------------------------------------------------------------------

// The station's wall clock (Asia/Shanghai), whatever zone the gate's computer is set to.
function clock(date) {
  return date.toLocaleTimeString("en-GB", { timeZone: "Asia/Shanghai", hour12: false });
}

function show(outcome) {
  shown = outcome;
  seq += 1;
  $("verdict").removeAttribute("data-i18n");  // from now on the verdict follows the result
  renderResult();
  renderHistory();
  resultPanel.dataset.result = outcome.result;
  resultPanel.dataset.reason = outcome.reason;
  resultPanel.dataset.seq = String(seq);
}

function renderResult() {
  const o = shown;
  if (!o) return;
  const body = $("result-body");
  if (o.result === "accepted") {
    const a = o.admitted;
    $("verdict").textContent = t("accepted");
    const children = a.free_children.length
      ? `<p class="children">${escapeHtml(t("free_children_n", a.free_children.length))}：${a.free_children.map((c) => escapeHtml(c.passenger_name)).join("、")}</p>` : "";
    body.innerHTML = `
      <p class="seat" id="result-seat">${escapeHtml(a.seat == null ? t("no_seat") : t("seat_n", a.seat))}</p>
      <p class="passenger"><span id="result-name">${escapeHtml(a.passenger_name)}</span>
        · <span id="result-fare">${o.fareType ? escapeHtml(t("fare_" + o.fareType)) : ""}</span></p>
      ${children}
      <p class="muted-light"><span>${escapeHtml(t("run"))}</span> ${escapeHtml(a.run_id)} ·
        <span>${escapeHtml(t("departs_at"))}</span> ${escapeHtml(a.departs_at.slice(11, 16))} ·
        <span>${escapeHtml(t("ticket_number"))}</span> ${escapeHtml(a.ticket_number)}</p>`;
  } else if (o.result === "refused") {
    $("verdict").textContent = t("refused");
    body.innerHTML = `
      <p class="message-zh" id="result-message-zh" lang="zh-CN">${escapeHtml(o.refusal.message_zh)}</p>
      <p class="message-en" id="result-message-en" lang="en">${escapeHtml(o.refusal.message_en)}</p>
      ${o.refusal.ticket_number ? `<p class="muted-light">${escapeHtml(t("ticket_number"))} ${escapeHtml(o.refusal.ticket_number)}</p>` : ""}`;
  } else {
    $("verdict").textContent = t("failed");
    body.innerHTML = `<p class="message-en" id="result-message">${escapeHtml(o.message)}</p>`;
  }
}

function renderHistory() {
  $("history").innerHTML = history.map((o) => {
    let text;
    if (o.result === "accepted") {
      const a = o.admitted;
      text = `${t("accepted")} · ${a.seat == null ? t("no_seat") : t("seat_n", a.seat)} · ${a.passenger_name}` +
        (o.fareType ? ` · ${t("fare_" + o.fareType)}` : "") +
        (a.free_children.length ? ` · ${t("free_children_n", a.free_children.length)}` : "");
    } else if (o.result === "refused") {
      text = `${t("refused")} · ${o.refusal.message_zh}`;
    } else {
      text = `${t("failed")} · ${o.message}`;
    }
    return `<li data-result="${o.result}" data-reason="${escapeHtml(o.reason)}">
      <span class="time">${clock(o.at)}</span> <span class="how">${escapeHtml(t(o.what.kind))} ${escapeHtml(o.what.text)}</span>
      <span class="text">${escapeHtml(text)}</span></li>`;
  }).join("");
}

// ---- Focus: the scanner types wherever the focus is, so it stays on the scan input ------------

function keepFocus() {
  if (app.hidden) return;
  const active = document.activeElement;
  if (active && active !== scan && active.matches("input, select, textarea")) return;
  scan.focus();
}

// ---- Session and gate -------------------------------------------------------------------------

function showLogin(message = "") {
  app.hidden = true;
  $("gate-panel").hidden = true;
  $("logout").hidden = true;
  $("change-gate").hidden = true;
  $("login-panel").hidden = false;
  $("who").textContent = "";
  $("login-error").textContent = message;
  $("login-form").username.focus();
}

function showGateForm() {
  app.hidden = true;
  $("login-panel").hidden = true;
  $("gate-panel").hidden = false;
  $("gate-form").gate.value = localStorage.getItem(GATE_KEY) || "";
  $("gate-form").gate.focus();
}

function showGateLabel() {
  const gate = localStorage.getItem(GATE_KEY);
  $("gate-label").textContent = gate ? t("gate_n", gate) : "";
}


function showApp() {
  const who = session();
  if (!isGateStaff(who)) { showLogin(who ? t("wrong_role", who.role_name || who.role) : ""); return; }
  $("who").textContent = `${who.display_name} (${who.username}) · ${who.station || ""}`;
  $("logout").hidden = false;
  if (!localStorage.getItem(GATE_KEY)) { showGateForm(); return; }
  $("login-panel").hidden = true;
  $("gate-panel").hidden = true;
  $("change-gate").hidden = false;
  showGateLabel();
  app.hidden = false;
  app.dataset.ready = "true";
  scan.focus();
}

wireStaffLogin({
  allowed: isGateStaff,
  wrongRole: (who) => t("wrong_role", who.role_name || who.role),
  networkError: () => t("station_network_error"),
  onLogin: showApp,
  onLogout: showLogin,
});

$("gate-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const gate = event.target.gate.value.trim();
  if (gate.length < 1 || gate.length > 16) { $("gate-error").textContent = t("bad_gate"); return; }
  $("gate-error").textContent = "";
  localStorage.setItem(GATE_KEY, gate);
  showApp();
});
$("change-gate").addEventListener("click", () => { $("change-gate").hidden = true; showGateForm(); });

$("scan-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = scan.value;
  scan.value = "";  // ready for the next passenger while this one is decided
  onScan(text);
});
scan.addEventListener("blur", () => setTimeout(keepFocus, 0));
document.addEventListener("click", () => setTimeout(keepFocus, 0));
window.addEventListener("focus", keepFocus);

setupI18n(dict, $("lang"), () => { showGateLabel(); renderResult(); renderHistory(); });
if (session()) showApp(); else showLogin();
