// The node's JSON API (/api/v1) with the staff token kept in sessionStorage.
const TOKEN_KEY = "keyun.token";

export class ApiError extends Error {
  constructor(status, body) {
    const error = body && body.error ? body.error : { code: "http_" + status, message: "HTTP " + status, field: "" };
    super(error.message);
    this.status = status;
    this.code = error.code;
    this.field = error.field;
  }
}

export function token() { return sessionStorage.getItem(TOKEN_KEY); }
export function session() { return JSON.parse(sessionStorage.getItem(TOKEN_KEY + ".who") || "null"); }

export async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (token()) headers["Authorization"] = "Bearer " + token();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch("/api/v1" + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
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
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  return now.toISOString().slice(0, 10);
}
