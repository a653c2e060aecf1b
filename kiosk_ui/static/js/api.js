// The public HTTP API as the screens use it: a bearer token kept in sessionStorage, JSON in and
// out, and mutations that carry an Idempotency-Key reused when a network error forces a retry.
import { language } from "./i18n.js";

const TOKEN = "kaeru.token";
const USER = "kaeru.user";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN);
}

export function signedInUser() {
  const raw = sessionStorage.getItem(USER);
  return raw ? JSON.parse(raw) : null;
}

export function signIn(tokenValue, user) {
  sessionStorage.setItem(TOKEN, tokenValue);
  sessionStorage.setItem(USER, JSON.stringify(user));
}

export function signOut() {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(USER);
}

// A random (version 4) UUID for an Idempotency-Key. Not crypto.randomUUID: browsers offer it only in
// secure contexts (HTTPS or localhost), and warehouse PCs and handhelds reach the server over plain
// HTTP at a LAN hostname. crypto.getRandomValues is offered in every context.
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// One request. Network failures surface as TypeError (fetch's own), HTTP refusals as ApiError.
export async function request(method, path, { json, key, headers = {} } = {}) {
  // The server answers in the language the screen shows (its messages, the checklist's questions).
  const h = { Accept: "application/json", "Accept-Language": language(), ...headers };
  const t = token();
  if (t) h.Authorization = `Bearer ${t}`;
  if (key) h["Idempotency-Key"] = key;
  let body;
  if (json !== undefined) {
    h["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  const response = await fetch(path, { method, headers: h, body });
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { message: text }; }
  }
  if (response.status === 401 && !path.endsWith("/auth/login")) {
    signOut();
    window.dispatchEvent(new CustomEvent("kaeru:signed-out"));
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const get = (path) => request("GET", path);

// A change made at most once: the key is chosen once, and every retry after a network error
// (or a gateway that lost the answer) sends the same key, so the server replays its first answer.
export async function mutate(method, path, json, { key = newKey(), attempts = 4, onRetry } = {}) {
  let delay = 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await request(method, path, { json, key });
    } catch (error) {
      const transient = error instanceof TypeError || (error instanceof ApiError && [502, 503, 504].includes(error.status));
      if (!transient || attempt >= attempts) throw error;
      if (onRetry) onRetry(attempt, error);
      await sleep(delay + Math.random() * delay);
      delay *= 2;
    }
  }
}

// Upload a file (a photo) as multipart form data, with an Idempotency-Key.
export async function upload(path, field, blob, filename, { key = newKey(), extra = {} } = {}) {
  const form = new FormData();
  form.append(field, blob, filename);
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  const h = { Authorization: `Bearer ${token()}`, "Idempotency-Key": key, "Accept-Language": language() };
  const response = await fetch(path, { method: "POST", headers: h, body: form });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// A scan as a keyboard-wedge scanner sent it, AIM id included. A refused scan (422/404/409) still
// has a body describing it: it is returned with ok=false rather than thrown.
export async function postScan(raw, { key = newKey(), onRetry } = {}) {
  try {
    const body = await mutate("POST", "/api/v1/scans", { raw }, { key, onRetry });
    return { ok: true, status: 200, key, ...body };
  } catch (error) {
    if (error instanceof ApiError && error.body && error.body.outcome) {
      return { ok: false, status: error.status, key, ...error.body };
    }
    throw error;
  }
}
