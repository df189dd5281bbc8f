// Manifest and departure (发车/旅客清单): a station manager or gate operator picks a run of today
// or tomorrow leaving their station (GET /departures), sees who is booked, checked in and a
// no-show (GET /runs/{id}/manifest), records the crew check-in (报班) and safety check (例检),
// and departs the run (发车); a departure rule that fails is shown as the node words it, and
// afterwards the manifest shows frozen. Markers for tests: #runs[data-loaded] (number of runs),
// #manifest[data-loaded] (the run shown) and [data-frozen], #ops-error[data-code],
// #crew-status / #safety-status / #depart-status [data-done].
import { api, session, escapeHtml, ApiError, dateInShanghai, isGateStaff, wireStaffLogin } from "/api.js";
import { setupI18n, t, applyTranslations, salesWords, stationWords } from "/i18n.js";

const dict = {
  ...salesWords,
  ...stationWords,
  title: { zh: "发车 / 旅客清单", en: "Departure and manifest" },
  gate_link: { zh: "检票口", en: "Gate" },
  login: { zh: "站务登录", en: "Station staff login" },
  wrong_role: { zh: "本页面供站务经理和检票员使用；当前账号角色为 {0}", en: "This page is for station managers and gate operators; this account is a {0}" },
  runs_of_station: { zh: "本站班次", en: "Runs leaving this station" },
  today: { zh: "今天", en: "Today" },
  tomorrow: { zh: "明天", en: "Tomorrow" },
  refresh: { zh: "刷新", en: "Refresh" },
  seats: { zh: "座位数", en: "Seats" },
  no_runs_today: { zh: "这一天本站没有班次", en: "No runs leave this station that day" },
  open_manifest: { zh: "清单", en: "Manifest" },
  manifest: { zh: "旅客清单", en: "Manifest" },
  crew: { zh: "报班", en: "Crew check-in" },
  vehicle_plate: { zh: "车牌号", en: "Vehicle plate" },
  plate_hint: { zh: "如 鲁A12345", en: "e.g. 鲁A12345" },
  driver_name: { zh: "驾驶员", en: "Driver" },
  driver_licence: { zh: "驾驶证号", en: "Driving licence" },
  documents_ok: { zh: "驾驶员及车辆证件齐全有效", en: "Driver and vehicle documents in order" },
  record_crew: { zh: "登记报班", en: "Record crew check-in" },
  crew_done: { zh: "已报班 {0}：{1} · {2}", en: "Crew checked in at {0}: {1} · {2}" },
  crew_documents_bad: { zh: "（证件不齐，不能发车）", en: " (documents not in order: cannot depart)" },
  safety: { zh: "例检", en: "Safety check" },
  passed: { zh: "合格", en: "Passed" },
  not_passed: { zh: "不合格", en: "Failed" },
  inspector: { zh: "检验员", en: "Inspector" },
  inspector_hint: { zh: "默认为当前账号", en: "defaults to you" },
  record_safety: { zh: "登记例检", en: "Record safety check" },
  safety_done: { zh: "例检合格 {0}（{1}）", en: "Safety check passed at {0} ({1})" },
  safety_failed: { zh: "例检不合格 {0}（{1}），不能发车", en: "Safety check failed at {0} ({1}): cannot depart" },
  depart_title: { zh: "发车", en: "Departure" },
  depart_hint: { zh: "发车后旅客清单冻结，未检票旅客记为未乘车，本站不再检票。", en: "Departure freezes the manifest: passengers not checked in become no-shows and this station checks in no one else." },
  depart: { zh: "发车", en: "Depart" },
  depart_early: { zh: "确认提前发车", en: "Confirm early departure" },
  early_warning: { zh: "班次尚未到计划发车时间：提前发车会落下仍可按时检票的旅客。请确认并填写原因。", en: "The run is not due yet: leaving early strands passengers who still have time to check in. Confirm and give the reason." },
  early_reason: { zh: "提前发车原因", en: "Reason for leaving early" },
  early_reason_hint: { zh: "如：旅客已全部检票上车", en: "e.g. every booked passenger has boarded" },
  departed_summary: { zh: "已发车 {0}：上车 {1} 人，未乘车 {2} 人，核定座位 {3}", en: "Departed at {0}: {1} boarded, {2} no-shows, {3} licensed seats" },
  frozen: { zh: "已于 {0} 发车，旅客清单已冻结", en: "Departed at {0}; the manifest is frozen" },
  nobody: { zh: "无", en: "none" },
  child_of: { zh: "随 {0}", en: "with {0}" },
};

const $ = (id) => document.getElementById(id);
const app = $("app");
const runsTable = $("runs");

let runs = [];
let run = null;          // the departures row shown
let manifest = null;     // its last GET /manifest
const operations = new Map();  // run_id → the last crew / safety / depart answer this session

// ---- Runs -------------------------------------------------------------------------------------

async function loadRuns() {
  delete runsTable.dataset.loaded;
  $("runs-error").textContent = "";
  const who = session();
  const date = dateInShanghai(Number($("date").value));
  try {
    runs = (await api("GET", `/departures?date=${date}&station=${encodeURIComponent(who.station)}`)).items;
  } catch (e) {
    runs = [];
    if (!handleSessionEnd(e)) $("runs-error").textContent = messageOf(e);
  }
  renderRuns();
  runsTable.dataset.loaded = String(runs.length);
}

function renderRuns() {
  runsTable.tBodies[0].innerHTML = runs.length ? runs.map((r) => `
    <tr data-run="${escapeHtml(r.run_id)}"${run && run.run_id === r.run_id ? ' class="selected"' : ""}>
      <td><b>${escapeHtml(r.departs_at.slice(11, 16))}</b></td><td>${escapeHtml(r.run_id)}</td>
      <td>${escapeHtml(r.route_name)}</td><td>${escapeHtml(r.to_name)}</td><td>${escapeHtml(r.carrier_name)}</td>
      <td class="num">${r.seats}</td>
      <td><span class="badge ${escapeHtml(r.status)}">${escapeHtml(t("run_status_" + r.status))}</span></td>
      <td><button type="button" class="choose" data-run="${escapeHtml(r.run_id)}">${escapeHtml(t("open_manifest"))}</button></td>
    </tr>`).join("") : `<tr><td colspan="8" class="muted">${escapeHtml(t("no_runs_today"))}</td></tr>`;
}

// ---- One run ----------------------------------------------------------------------------------

async function openRun(runId) {
  run = runs.find((r) => r.run_id === runId);
  showEarlyBox(false);
  $("early-reason").value = "";
  $("ops-error").textContent = "";
  delete $("ops-error").dataset.code;
  $("run-panel").hidden = false;
  $("run-id").textContent = run.run_id;
  $("run-summary").textContent = `${run.departs_at.slice(0, 10)} ${run.departs_at.slice(11, 16)} · ${run.from_name} → ${run.to_name} · ${run.route_name} · ${run.carrier_name}`;
  renderRuns();
  renderOperations();
  fillVehicles();
  await loadManifest();
}

async function loadManifest() {
  const panel = $("manifest");
  delete panel.dataset.loaded;
  try {
    manifest = await api("GET", `/runs/${encodeURIComponent(run.run_id)}/manifest`);
  } catch (e) {
    manifest = null;
    if (!handleSessionEnd(e)) showOpsError(e);
    return;
  }
  renderManifest();
  panel.dataset.frozen = String(manifest.frozen);
  panel.dataset.loaded = manifest.run_id;
}

function renderManifest() {
  if (!manifest) return;
  $("count-booked").textContent = String(manifest.booked.length);
  $("count-checked-in").textContent = String(manifest.checked_in.length);
  $("count-no-show").textContent = String(manifest.no_show.length);
  renderList($("list-checked-in"), manifest.checked_in, true);
  renderList($("list-booked"), manifest.booked, false);
  renderList($("list-no-show"), manifest.no_show, false);
  const frozen = $("frozen");
  frozen.hidden = !manifest.frozen;
  frozen.textContent = manifest.frozen ? t("frozen", manifest.departed_at.slice(11, 16)) : "";
  for (const form of ["crew-form", "safety-form", "depart-form"]) {
    $(form).querySelectorAll("input, button").forEach((el) => { el.disabled = manifest.frozen; });
  }
}

function renderList(table, entries, withCheckin) {
  table.tHead.innerHTML = `<tr><th data-i18n="seat"></th><th data-i18n="passenger"></th><th data-i18n="fare_type"></th>
    <th data-i18n="ticket_number"></th>${withCheckin ? '<th data-i18n="checkin_time"></th><th data-i18n="gate"></th><th data-i18n="checkin_method"></th>' : ""}</tr>`;
  table.tBodies[0].innerHTML = entries.length ? entries.map((e) => `
    <tr data-ticket="${escapeHtml(e.ticket_number)}">
      <td>${e.seat == null ? escapeHtml(t("no_seat")) : e.seat}</td>
      <td>${escapeHtml(e.passenger_name)}${e.attached_to ? ` <span class="muted">${escapeHtml(t("child_of", e.attached_to))}</span>` : ""}</td>
      <td>${escapeHtml(t("fare_" + e.fare_type))}</td>
      <td class="ticket-number">${escapeHtml(e.ticket_number)}</td>
      ${withCheckin && e.checkin ? `<td>${escapeHtml(e.checkin.at.slice(11, 19))}</td><td>${escapeHtml(e.checkin.gate)}</td>
        <td>${escapeHtml(t("method_" + e.checkin.method))}</td>` : ""}
    </tr>`).join("") : `<tr><td colspan="${withCheckin ? 7 : 4}" class="muted">${escapeHtml(t("nobody"))}</td></tr>`;
  applyTranslations(table.tHead);
}

// The carrier's vehicles with enough licensed seats, offered for the crew check-in.
async function fillVehicles() {
  const list = $("vehicle-list");
  list.innerHTML = "";
  try {
    const vehicles = (await api("GET", "/vehicles")).items
      .filter((v) => v.carrier === run.carrier && v.active !== false && v.seats >= run.seats);
    list.innerHTML = vehicles.map((v) => `<option value="${escapeHtml(v.plate)}" label="${escapeHtml(`${v.vehicle_class_name || v.vehicle_class} · ${v.seats}`)}"></option>`).join("");
  } catch (e) { /* a suggestion only; the plate can be typed */ }
}

// ---- Crew, safety check, departure ------------------------------------------------------------

function renderOperations() {
  const ops = run && operations.get(run.run_id);
  const crew = $("crew-status");
  const safety = $("safety-status");
  const depart = $("depart-status");
  crew.textContent = "";
  safety.textContent = "";
  depart.textContent = "";
  crew.className = safety.className = depart.className = "muted";
  delete crew.dataset.done;
  delete safety.dataset.done;
  delete depart.dataset.done;
  if (!ops) return;
  if (ops.crew) {
    crew.textContent = t("crew_done", (ops.crew.at || "").slice(11, 16), ops.crew.vehicle_plate, ops.crew.driver_name) +
      (ops.crew.documents_ok ? "" : t("crew_documents_bad"));
    crew.className = ops.crew.documents_ok ? "done" : "failed";
    crew.dataset.done = "true";
  }
  if (ops.safety_check) {
    const s = ops.safety_check;
    safety.textContent = t(s.passed ? "safety_done" : "safety_failed", (s.at || "").slice(11, 16), s.inspector);
    safety.className = s.passed ? "done" : "failed";
    safety.dataset.done = "true";
  }
  if (ops.departed_at) {
    depart.textContent = t("departed_summary", ops.departed_at.slice(11, 16), ops.boarded, ops.no_shows, ops.licensed_seats);
    depart.className = "done";
    depart.dataset.done = "true";
  }
}

function showOpsError(e) {
  const box = $("ops-error");
  box.textContent = messageOf(e);
  box.dataset.code = e instanceof ApiError ? e.code : "network";
}

async function operate(button, path, body) {
  const box = $("ops-error");
  box.textContent = "";
  delete box.dataset.code;
  button.disabled = true;
  const runId = run.run_id;
  try {
    const ops = await api("POST", `/runs/${encodeURIComponent(runId)}/${path}`, body);
    operations.set(runId, ops);
    renderOperations();
    if (path === "depart") await loadManifest();
    if (path === "depart") showEarlyBox(false);
  } catch (e) {
    if (!handleSessionEnd(e)) showOpsError(e);
    if (path === "depart" && e instanceof ApiError && e.field === "confirm_early") showEarlyBox(true);
  } finally {
    button.disabled = Boolean(manifest && manifest.frozen);
  }
}

// ---- Session ----------------------------------------------------------------------------------

function messageOf(e) { return e instanceof ApiError ? e.message : t("station_network_error"); }

function handleSessionEnd(e) {
  if (!(e instanceof ApiError) || e.status !== 401) return false;
  showLogin(t("session_expired"));
  return true;
}

function showLogin(message = "") {
  app.hidden = true;
  $("logout").hidden = true;
  $("login-panel").hidden = false;
  $("who").textContent = "";
  $("login-error").textContent = message;
  $("login-form").username.focus();
}


function showApp() {
  const who = session();
  if (!isGateStaff(who)) { showLogin(who ? t("wrong_role", who.role_name || who.role) : ""); return; }
  $("login-panel").hidden = true;
  $("logout").hidden = false;
  $("who").textContent = `${who.display_name} (${who.username}) · ${who.station || ""}`;
  app.hidden = false;
  loadRuns();
}

// ---- Wiring -----------------------------------------------------------------------------------

wireStaffLogin({
  allowed: isGateStaff,
  wrongRole: (who) => t("wrong_role", who.role_name || who.role),
  networkError: () => t("station_network_error"),
  onLogin: showApp,
  onLogout: showLogin,
});

$("date-form").addEventListener("submit", (event) => { event.preventDefault(); loadRuns(); });
$("date").addEventListener("change", loadRuns);
runsTable.addEventListener("click", (event) => {
  const button = event.target.closest("button.choose");
  if (button) openRun(button.dataset.run);
});

$("crew-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const f = event.target;
  operate($("crew-submit"), "crew", {
    vehicle_plate: f.vehicle_plate.value.trim(), driver_name: f.driver_name.value.trim(),
    driver_licence: f.driver_licence.value.trim().toUpperCase(), documents_ok: f.documents_ok.checked,
  });
});
$("safety-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const f = event.target;
  const body = { passed: f.passed.value === "true" };
  if (f.inspector.value.trim()) body.inspector = f.inspector.value.trim();
  operate($("safety-submit"), "safety-check", body);
});
// A departure before the scheduled time is refused (field confirm_early) until the operator
// confirms it with a reason; the page then shows the reason box and resends with both.
function showEarlyBox(shown) {
  $("early-box").hidden = !shown;
  $("depart").dataset.i18n = shown ? "depart_early" : "depart";
  $("depart").textContent = t($("depart").dataset.i18n);
  if (shown) $("early-reason").focus();
}
$("depart-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const body = $("early-box").hidden ? undefined
    : { confirm_early: true, early_reason: $("early-reason").value.trim() };
  operate($("depart"), "depart", body);
});

setupI18n(dict, $("lang"), () => { renderRuns(); renderManifest(); renderOperations(); });
if (session()) showApp(); else showLogin();
