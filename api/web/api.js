// Talking to the DomTok API: tokens in sessionStorage, one refresh on 401, SSE over fetch.
// EventSource cannot POST or send an Authorization header, so the stream is read by hand.

const BASE = "/api/v1";
const STORE = "domtok.session";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let session = JSON.parse(sessionStorage.getItem(STORE) || "null");
let refreshing = null;
const listeners = new Set();

export function signedIn() {
  return session !== null;
}

export function onSignOut(listener) {
  listeners.add(listener);
}

function save(tokens) {
  session = { access: tokens.access_token, refresh: tokens.refresh_token };
  sessionStorage.setItem(STORE, JSON.stringify(session));
}

export function forget(reason) {
  session = null;
  sessionStorage.removeItem(STORE);
  for (const listener of listeners) listener(reason);
}

async function errorOf(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy page, a crash): fall back to the status text.
  }
  const error = body.error || {};
  return new ApiError(
    response.status,
    error.code || "http_error",
    error.message || `The server answered ${response.status} ${response.statusText}.`,
  );
}

async function refresh() {
  // One refresh at a time: refresh tokens rotate, so a second parallel refresh would fail.
  if (!refreshing) {
    const token = session && session.refresh;
    refreshing = fetch(`${BASE}/auth/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: token }),
    })
      .then(async (response) => {
        if (!response.ok) throw await errorOf(response);
        save(await response.json());
      })
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

async function send(path, { method = "GET", body, auth = true, accept } = {}) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (accept) headers.Accept = accept;
  if (auth && session) headers.Authorization = `Bearer ${session.access}`;
  return fetch(`${BASE}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function authorised(path, options) {
  let response = await send(path, options);
  if (response.status === 401 && session && options.auth !== false) {
    try {
      await refresh();
    } catch {
      forget("Your session has ended. Please sign in again.");
      throw new ApiError(401, "unauthorized", "Your session has ended. Please sign in again.");
    }
    response = await send(path, options);
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (error.status === 401) forget("Your session has ended. Please sign in again.");
    throw error;
  }
  return response;
}

/** A JSON request; resolves to the body (null for 204). */
export async function api(path, options = {}) {
  const response = await authorised(path, options);
  return response.status === 204 ? null : response.json();
}

export async function login(email, password) {
  save(await api("/auth/login", { method: "POST", body: { email, password }, auth: false }));
}

export async function register(name, email, password) {
  await api("/auth/register", { method: "POST", body: { name, email, password }, auth: false });
  await login(email, password);
}

export async function logout() {
  if (session) {
    await send("/auth/logout", { method: "POST", body: { refresh_token: session.refresh } })
      .catch(() => null);
  }
  forget("");
}

/** POST and read Server-Sent Events; calls onEvent(name, data) for each event. */
export async function stream(path, body, onEvent) {
  const response = await authorised(path, {
    method: "POST",
    body,
    accept: "text/event-stream",
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
      dispatch(block, onEvent);
    }
  }
  if (buffer.trim()) dispatch(buffer, onEvent);
}

function dispatch(block, onEvent) {
  let name = "message";
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(":")) continue; // heartbeat comment
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") name = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return;
  let parsed;
  try {
    parsed = JSON.parse(data.join("\n"));
  } catch {
    parsed = { text: data.join("\n") };
  }
  onEvent(name, parsed);
}
