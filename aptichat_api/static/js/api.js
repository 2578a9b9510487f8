// The session and every call to the API of this origin. Two ways to be signed in:
// - a sign-in link (#signin=<code>) exchanged for an HttpOnly session cookie (POST /auth/exchange);
//   non-GET calls then carry X-CSRF-Token, and the session is refreshed before it expires;
// - for developers, a pasted bearer token (aptichat token create), kept in this tab's sessionStorage.
"use strict";

const TOKEN_KEY = "aptichat-token";
const CSRF_KEY = "aptichat-csrf";
const REFRESH_MARGIN_MS = 60_000;

export const session = {
  mode: null, // "cookie" | "bearer" | null
  token: "",
  csrf: "",
  userId: null,
  staffId: null,
  role: null,
  displayName: "",
  expiresAt: null,
  ended: null, // "expired" when the server ended the session (not a sign-out)
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let refreshTimer = null;
const listeners = new Set();
export function onSessionChange(fn) { listeners.add(fn); }
function changed() { for (const fn of listeners) fn(session); }

function claims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part + "===".slice((part.length + 3) % 4)));
  } catch (e) {
    return null;
  }
}

function headers(method, json) {
  const h = {};
  if (session.mode === "bearer") h.Authorization = "Bearer " + session.token;
  if (session.mode === "cookie" && method !== "GET" && session.csrf) h["X-CSRF-Token"] = session.csrf;
  if (json) h["Content-Type"] = "application/json";
  return h;
}

/** fetch() with the session's credentials; `body` is sent as JSON. Returns the raw Response. */
export function raw(path, { method = "GET", body, signal } = {}) {
  return fetch(path, {
    method,
    headers: headers(method, body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    signal,
  });
}

/** A JSON call: the parsed body, or an ApiError with the API's code and message. */
export async function api(path, options = {}) {
  const response = await raw(path, options);
  if (response.status === 204) return {};
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const err = body.error || {};
    if (response.status === 401 && session.mode) expired();
    throw new ApiError(response.status, err.code || "http_" + response.status, err.message || response.statusText);
  }
  return body;
}

function adopt(body, mode) {
  session.mode = mode;
  session.ended = null;
  session.userId = body.user_id || null;
  session.staffId = body.staff_id || null;
  session.role = body.role || "user";
  session.displayName = body.display_name || body.user_id || body.staff_id || "";
  session.expiresAt = body.expires_at ? Date.parse(body.expires_at) || Number(body.expires_at) * 1000 : null;
  if (body.csrf_token) {
    session.csrf = body.csrf_token;
    sessionStorage.setItem(CSRF_KEY, body.csrf_token);
  }
  scheduleRefresh();
  changed();
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  if (session.mode !== "cookie" || !session.expiresAt) return;
  const wait = Math.max(5_000, session.expiresAt - Date.now() - REFRESH_MARGIN_MS);
  refreshTimer = setTimeout(refresh, wait);
}

/** Extend the cookie session (POST /auth/refresh); scheduled a minute before it expires. */
export async function refresh() {
  try {
    adopt(await api("/auth/refresh", { method: "POST", body: {} }), "cookie");
  } catch (e) {
    expired();
  }
}

function clear() {
  clearTimeout(refreshTimer);
  Object.assign(session, { mode: null, token: "", csrf: "", userId: null, staffId: null, role: null,
    displayName: "", expiresAt: null });
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(CSRF_KEY);
}

function expired() {
  clear();
  session.ended = "expired"; // the app says so on the sign-in page
  changed();
}

/** Exchange a sign-in link's one-time code for a session cookie. */
export async function exchange(code) {
  const body = await api("/auth/exchange", { method: "POST", body: { code } });
  sessionStorage.removeItem(TOKEN_KEY);
  adopt(body, "cookie");
}

/** Use a pasted bearer token (developers); false when it is not a token. */
export function useToken(token) {
  const c = claims(token);
  if (!c || !c.sub) return false;
  session.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
  // tokens are for people (role user) and administrators; an admin's subject is both (GET /auth/me says so too)
  const role = c.role || "user";
  adopt({ user_id: c.sub, staff_id: role === "user" ? null : c.sub, role, display_name: c.sub,
    expires_at: c.exp ? new Date(c.exp * 1000).toISOString() : null }, "bearer");
  return true;
}

/** Where we stand on load: a cookie session (GET /auth/me), else a token in this tab, else nobody. */
export async function restore() {
  session.csrf = sessionStorage.getItem(CSRF_KEY) || "";
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token && useToken(token)) return;
  try {
    const response = await fetch("/auth/me", { credentials: "same-origin" });
    if (response.ok) adopt(await response.json(), "cookie");
  } catch (e) { /* not signed in */ }
}

export async function signOut() {
  if (session.mode === "cookie") {
    try { await api("/auth/signout", { method: "POST", body: {} }); } catch (e) { /* gone already */ }
  }
  clear();
  changed();
}
