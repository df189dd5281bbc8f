// Chinese by default, English on request; the choice is remembered per browser.
// Usage: <span data-i18n="stations"></span>, t("stations"), setupLanguageToggle(button, dict).
const stored = () => localStorage.getItem("keyun.lang") || "zh";
let lang = stored();
let dictionary = {};

export function t(key, ...args) {
  const entry = dictionary[key];
  let text = entry ? (entry[lang] ?? entry.zh) : key;
  args.forEach((arg, i) => { text = text.replace(`{${i}}`, arg); });
  return text;
}

export function currentLanguage() { return lang; }

// One <dt>/<dd> pair of a quote or receipt: the label's key, translated by applyTranslations
// (so it follows the language toggle), and the value's HTML, escaped by the caller.
export function labelledRow(label, valueHtml, cls = "") {
  return `<dt data-i18n="${label}"></dt><dd class="${cls}">${valueHtml}</dd>`;
}

export function applyTranslations(root = document) {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  });
}

export function setupI18n(dict, toggleButton, onChange) {
  dictionary = dict;
  applyTranslations();
  if (toggleButton) {
    toggleButton.textContent = lang === "zh" ? "English" : "中文";
    toggleButton.addEventListener("click", () => {
      lang = lang === "zh" ? "en" : "zh";
      localStorage.setItem("keyun.lang", lang);
      toggleButton.textContent = lang === "zh" ? "English" : "中文";
      applyTranslations();
      if (onChange) onChange();
    });
  }
}

// Words of ticket sales shared by the window (售票窗口) and mobile (手机购票) pages; a page
// passes { ...salesWords, ...its own } to setupI18n.
export const salesWords = {
  from: { zh: "出发站", en: "From" },
  to: { zh: "到达站", en: "To" },
  date: { zh: "日期", en: "Date" },
  search: { zh: "查询", en: "Search" },
  station_hint: { zh: "站名、代码或拼音首字母", en: "name, code or pinyin initials" },
  unknown_station: { zh: "没有找到这个车站，请从提示中选择", en: "No such station; pick one from the suggestions" },
  no_runs: { zh: "当天没有可售班次", en: "No runs on sale that day" },
  runs_count: { zh: "共 {0} 个班次", en: "{0} runs" },
  departs: { zh: "发车", en: "Departs" },
  from_to: { zh: "起讫", en: "From – to" },
  route: { zh: "线路", en: "Route" },
  run: { zh: "班次", en: "Run" },
  carrier: { zh: "承运人", en: "Carrier" },
  vehicle: { zh: "车型", en: "Vehicle" },
  seats_left: { zh: "余座", en: "Seats left" },
  choose: { zh: "选择", en: "Choose" },
  passengers: { zh: "乘客", en: "Passengers" },
  passenger_n: { zh: "乘客", en: "Passenger" },
  add_passenger: { zh: "添加乘客", en: "Add passenger" },
  remove: { zh: "删除", en: "Remove" },
  name: { zh: "姓名", en: "Name" },
  id_type: { zh: "证件类型", en: "ID type" },
  id_number: { zh: "证件号码", en: "ID number" },
  fare_type: { zh: "票种", en: "Fare type" },
  seat: { zh: "座位", en: "Seat" },
  seat_any: { zh: "自动", en: "any" },
  fare: { zh: "票价", en: "Fare" },
  station_fee: { zh: "站务费", en: "Station fee" },
  cap_fare: { zh: "上限票价", en: "Cap fare" },
  amount: { zh: "应付金额", en: "Amount due" },
  estimate: { zh: "预计金额", en: "Estimated amount" },
  order: { zh: "订单", en: "Order" },
  hold_until: { zh: "座位保留至", en: "Seats held until" },
  ticket_number: { zh: "票号", en: "Ticket number" },
  passenger: { zh: "旅客", en: "Passenger" },
  status: { zh: "状态", en: "Status" },
  voucher: { zh: "电子客票", en: "E-ticket" },
  back: { zh: "返回", en: "Back" },
  cancel_order: { zh: "取消订单", en: "Cancel order" },
  network_error: { zh: "网络连接失败，请重试（重试不会重复下单）", en: "Network error; try again (a retry will not order twice)" },
  fare_adult: { zh: "全票", en: "Adult" },
  fare_child: { zh: "半票（儿童）", en: "Child (half fare)" },
  fare_free_child: { zh: "携童（免票，无座）", en: "Free child (no seat)" },
  fare_discount: { zh: "优待票", en: "Discount" },
  id_resident_id: { zh: "居民身份证", en: "Resident ID card" },
  id_hmt_residence_permit: { zh: "港澳台居民居住证", en: "HK/Macao/Taiwan residence permit" },
  id_foreign_permanent_residence: { zh: "外国人永久居留身份证", en: "Foreign permanent residence ID" },
  id_passport: { zh: "护照", en: "Passport" },
  id_hk_macao_permit: { zh: "港澳居民来往内地通行证", en: "Travel permit (HK/Macao)" },
  id_taiwan_permit: { zh: "台湾居民来往大陆通行证", en: "Travel permit (Taiwan)" },
  id_temporary_id: { zh: "临时居民身份证", en: "Temporary resident ID" },
  id_household_register: { zh: "户口簿", en: "Household register" },
  status_held: { zh: "已锁座", en: "held" },
  status_issued: { zh: "已出票", en: "issued" },
  status_cancelled: { zh: "已取消", en: "cancelled" },
  status_expired: { zh: "已过期", en: "expired" },
};

// The id_type values every channel accepts, in the order a select lists them; a station window
// also takes "temporary_id" and "household_register".
export const onlineIdTypes = ["resident_id", "hmt_residence_permit", "foreign_permanent_residence",
  "passport", "hk_macao_permit", "taiwan_permit"];
export const windowIdTypes = [...onlineIdTypes, "temporary_id", "household_register"];
export const fareTypes = ["adult", "child", "free_child", "discount"];

// Words of station operations shared by the gate (检票口) and manifest (发车/旅客清单) pages; a
// page passes { ...salesWords, ...stationWords, ...its own } to setupI18n.
export const stationWords = {
  home: { zh: "首页", en: "Home" },
  logout: { zh: "退出", en: "Log out" },
  username: { zh: "用户名", en: "Username" },
  password: { zh: "密码", en: "Password" },
  login_button: { zh: "登录", en: "Log in" },
  session_expired: { zh: "登录已过期，请重新登录", en: "Your session has ended; log in again" },
  station_network_error: { zh: "网络连接失败，请重试", en: "Network error; try again" },
  gate: { zh: "检票口", en: "Gate" },
  gate_n: { zh: "{0} 号检票口", en: "Gate {0}" },
  checked_in: { zh: "已检票", en: "Checked in" },
  booked: { zh: "待检票", en: "Not yet checked in" },
  no_show: { zh: "未乘车", en: "No-show" },
  checkin_time: { zh: "检票时间", en: "Checked in at" },
  checkin_method: { zh: "检票方式", en: "Method" },
  method_qr_code: { zh: "扫码", en: "QR code" },
  method_id_card: { zh: "刷身份证", en: "ID card" },
  method_face: { zh: "人脸识别", en: "Face" },
  free_children: { zh: "携童", en: "Free children" },
  no_seat: { zh: "无座", en: "no seat" },
  run_status_open: { zh: "开班", en: "open" },
  run_status_stopped: { zh: "停班", en: "stopped" },
  run_status_stopped_sold: { zh: "停班有售", en: "stopped, tickets sold" },
  run_status_departed: { zh: "已发车", en: "departed" },
};
