// Management page: stations, carriers, routes, schedules and the day's runs of the province. A
// station manager (or a province administrator) stops a run there (停班): two clicks, then the
// holders of its tickets are listed, to be told they may refund without fee or change.
import { api, login, logout, session, escapeHtml, todayInShanghai, syncNodeTime } from "/api.js";
import { setupI18n, t, applyTranslations } from "/i18n.js";

const dict = {
  title: { zh: "业务管理", en: "Network management" },
  logout: { zh: "退出", en: "Log out" },
  login: { zh: "工作人员登录", en: "Staff login" },
  username: { zh: "用户名", en: "Username" },
  password: { zh: "密码", en: "Password" },
  login_button: { zh: "登录", en: "Log in" },
  stations: { zh: "站点", en: "Stations" },
  carriers: { zh: "承运人", en: "Carriers" },
  routes: { zh: "班线", en: "Routes" },
  schedules: { zh: "班次", en: "Schedules" },
  departures: { zh: "今日班次", en: "Runs of the day" },
  search: { zh: "查找", en: "Search" },
  search_hint: { zh: "名称、代码或拼音首字母", en: "name, code or pinyin initials" },
  date: { zh: "日期", en: "Date" },
  show: { zh: "显示", en: "Show" },
  count: { zh: "共 {0} 条", en: "{0} rows" },
  code: { zh: "代码", en: "Code" },
  name: { zh: "名称", en: "Name" },
  grade: { zh: "等级", en: "Grade" },
  county: { zh: "所在区县", en: "County" },
  credit_code: { zh: "统一社会信用代码", en: "Credit code" },
  licence: { zh: "经营许可证号", en: "Licence" },
  route_class: { zh: "类别", en: "Class" },
  stops: { zh: "停靠站", en: "Stops" },
  km: { zh: "里程(km)", en: "km" },
  station: { zh: "始发站", en: "Station" },
  route: { zh: "班线", en: "Route" },
  departs: { zh: "发车时间", en: "Departs" },
  days: { zh: "运行日", en: "Days" },
  carrier: { zh: "承运人", en: "Carrier" },
  seats: { zh: "座位", en: "Seats" },
  kind: { zh: "类型", en: "Kind" },
  status: { zh: "状态", en: "Status" },
  run: { zh: "班次号", en: "Run" },
  from_to: { zh: "起讫", en: "From – to" },
  real_name: { zh: "实名制", en: "Real-name" },
  yes: { zh: "是", en: "yes" },
  no: { zh: "否", en: "no" },
  grade_1: { zh: "一级", en: "Grade 1" }, grade_2: { zh: "二级", en: "Grade 2" },
  grade_3: { zh: "三级", en: "Grade 3" }, grade_4: { zh: "四级", en: "Grade 4" },
  grade_5: { zh: "五级", en: "Grade 5" },
  class_1: { zh: "一类", en: "Class 1" }, class_2: { zh: "二类", en: "Class 2" },
  class_3: { zh: "三类", en: "Class 3" }, class_4: { zh: "四类", en: "Class 4" },
  status_open: { zh: "开班", en: "open" }, status_stopped: { zh: "停班", en: "stopped" },
  status_stopped_sold: { zh: "停班有售", en: "stopped, tickets sold" },
  status_departed: { zh: "已发车", en: "departed" },
  kind_regular: { zh: "正班", en: "regular" }, kind_extra: { zh: "加班", en: "extra" },
  stop_run: { zh: "停班", en: "Stop run" },
  stop_confirm: { zh: "确认停班？", en: "Stop it?" },
  stopped_none: { zh: "{0} 已停班，没有售出的车票", en: "{0} is stopped; no tickets were sold" },
  stopped_holders: { zh: "{0} 停班有售：{1} 张车票，请通知旅客免费退票或改签到其他班次", en: "{0} is stopped with tickets sold: {1} ticket(s); tell the passengers they may refund without fee or change to another run" },
  ticket_number: { zh: "票号", en: "Ticket number" },
  passenger: { zh: "旅客", en: "Passenger" },
  id_number: { zh: "证件号码", en: "ID number" },
  seat: { zh: "座位", en: "Seat" },
  ticket_status: { zh: "车票状态", en: "Ticket status" },
};

// Stopping runs is for a station manager (own station) or a province administrator.
const mayStopRuns = () => ["station_manager", "province_admin"].includes(session()?.role);
const stopCell = (r) => (mayStopRuns() && r.status === "open"
  ? `<button type="button" class="stop-run" data-run="${escapeHtml(r.run_id)}">${escapeHtml(t("stop_run"))}</button>` : "");

let tab = location.hash.slice(1) || "stations";
const form = document.getElementById("filter");
await syncNodeTime();
form.date.value = todayInShanghai();

// Each tab: the API path for the filter, and its columns as (header key, cell renderer).
const tabs = {
  stations: {
    path: () => `/stations?limit=500&q=${encodeURIComponent(form.q.value)}`,
    columns: [
      ["code", (s) => s.code], ["name", (s) => s.name], ["grade", (s) => t("grade_" + s.grade)],
      ["county", (s) => `${s.city_name} ${s.county_name}`],
    ],
  },
  carriers: {
    path: () => `/carriers`,
    columns: [["credit_code", (c) => c.credit_code], ["name", (c) => c.name], ["licence", (c) => c.licence]],
  },
  routes: {
    path: () => `/routes`,
    columns: [
      ["code", (r) => r.code], ["name", (r) => r.name], ["route_class", (r) => t("class_" + r.route_class)],
      ["real_name", (r) => t(r.real_name_required ? "yes" : "no")],
      ["stops", (r) => r.stops.map((s) => `${s.station_name} ${s.km}`).join(" → ")],
    ],
  },
  schedules: {
    path: () => `/schedules`,
    columns: [
      ["station", (s) => s.station_name], ["code", (s) => s.code], ["route", (s) => s.route_name],
      ["departs", (s) => s.departs], ["days", (s) => s.days], ["carrier", (s) => s.carrier_name],
      ["seats", (s) => s.seats], ["kind", (s) => t("kind_" + s.kind)],
    ],
  },
  departures: {
    path: () => `/departures?date=${encodeURIComponent(form.date.value)}`,
    columns: [
      ["run", (r) => r.run_id], ["departs", (r) => r.departs_at.slice(11, 16)],
      ["from_to", (r) => `${r.from_name} → ${r.to_name}`], ["route", (r) => r.route_name],
      ["carrier", (r) => r.carrier_name], ["seats", (r) => r.seats],
      ["status", (r) => `<span class="badge ${r.status}">${t("status_" + r.status)}</span>`, true],
      ["", stopCell, true],
    ],
  },
};

async function show() {
  document.querySelectorAll("nav.tabs button").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.tab === tab)));
  document.getElementById("q-label").hidden = tab !== "stations";
  document.getElementById("date-label").hidden = tab !== "departures";
  const error = document.getElementById("error");
  error.textContent = "";
  const spec = tabs[tab];
  const table = document.getElementById("table");
  // data-loaded names the tab whose rows are shown; cleared while a tab loads (tests wait on it).
  delete table.dataset.loaded;
  document.getElementById("count").textContent = "";
  table.tHead.innerHTML = "<tr>" + spec.columns.map(([key]) => `<th>${escapeHtml(t(key))}</th>`).join("") + "</tr>";
  try {
    const data = await api("GET", spec.path());
    const rows = data.items;
    table.tBodies[0].innerHTML = rows.map((row) => "<tr>" + spec.columns.map(([, cell, html]) =>
      `<td>${html ? cell(row) : escapeHtml(cell(row))}</td>`).join("") + "</tr>").join("");
    document.getElementById("count").textContent = t("count", rows.length);
    table.dataset.loaded = tab;
  } catch (e) {
    if (e.status === 401) return showLogin();
    table.tBodies[0].innerHTML = "";
    error.textContent = e.message;
  }
}

function showLogin() {
  document.getElementById("app").hidden = true;
  document.getElementById("logout").hidden = true;
  document.getElementById("login-panel").hidden = false;
  document.getElementById("who").textContent = "";
}

function showApp() {
  const who = session();
  document.getElementById("login-panel").hidden = true;
  document.getElementById("app").hidden = false;
  document.getElementById("logout").hidden = false;
  document.getElementById("who").textContent = `${who.display_name} (${who.username})`;
  show();
}

document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const f = event.target;
  document.getElementById("login-error").textContent = "";
  try {
    await login(f.username.value.trim(), f.password.value);
    showApp();
  } catch (e) {
    document.getElementById("login-error").textContent = e.message;
  }
});
document.getElementById("logout").addEventListener("click", async () => { await logout(); showLogin(); });
document.querySelectorAll("nav.tabs button").forEach((b) => b.addEventListener("click", () => {
  tab = b.dataset.tab;
  history.replaceState(null, "", "#" + tab);
  show();
}));
form.addEventListener("submit", (event) => { event.preventDefault(); show(); });

// 停班: the first click asks, the second stops the run; the answer lists the tickets sold on it.
document.getElementById("table").addEventListener("click", async (event) => {
  const button = event.target.closest("button.stop-run");
  if (!button) return;
  if (!button.dataset.confirm) {
    button.dataset.confirm = "1";
    button.textContent = t("stop_confirm");
    return;
  }
  button.disabled = true;
  const error = document.getElementById("error");
  error.textContent = "";
  try {
    const stopped = await api("POST", `/runs/${encodeURIComponent(button.dataset.run)}/stop`);
    showStopped(stopped);
    await show();
  } catch (e) {
    if (e.status === 401) return showLogin();
    error.textContent = e.message;
    button.disabled = false;
  }
});

function showStopped(stopped) {
  const box = document.getElementById("stop-result");
  box.hidden = false;
  box.dataset.status = stopped.status;
  const holders = stopped.holders;
  box.innerHTML = `<p><b>${escapeHtml(holders.length ? t("stopped_holders", stopped.run_id, holders.length) : t("stopped_none", stopped.run_id))}</b></p>` +
    (holders.length ? `<table><thead><tr>${["ticket_number", "passenger", "id_number", "seat", "ticket_status"].map((k) => `<th>${escapeHtml(t(k))}</th>`).join("")}</tr></thead><tbody>${
      holders.map((h) => `<tr data-ticket="${escapeHtml(h.ticket_number ?? "")}"><td>${escapeHtml(h.ticket_number ?? "—")}</td><td>${escapeHtml(h.passenger_name)}</td>
        <td>${escapeHtml(h.id_number)}</td><td>${h.seat ?? "—"}</td><td>${escapeHtml(h.status)}</td></tr>`).join("")}</tbody></table>` : "");
}

setupI18n(dict, document.getElementById("lang"), () => { if (session()) show(); applyTranslations(); });
if (session()) showApp(); else showLogin();
