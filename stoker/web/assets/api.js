// The console's only way into the daemon: same-origin fetch with JSON, the tab's bearer token,
// and the API's own {code, message, field} errors. No other state is kept in the browser.

const TOKEN_KEY = "stoker.token";

export class ApiError extends Error {
  constructor(status, body) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || "HttpError";
    this.field = body.field || null;
    // AccessDenied (403) names the token that was refused and its role.
    this.principal = body.principal || null;
    this.role = body.role || null;
  }
}

let askToken = null;
let pendingAsk = null;

// The shell installs the prompt; every 401 waits for one answer and retries once per answer.
export function onTokenNeeded(prompt) {
  askToken = prompt;
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

// After a 403: the next request goes without a token, so the daemon's 401 asks for another.
export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

function headers(extra = {}) {
  // Every request says it speaks JSON: the API's guard refuses a state change without it.
  const h = { Accept: "application/json", "Content-Type": "application/json", ...extra };
  const t = token();
  if (t) h.Authorization = `Bearer ${t}`;
  return h;
}

async function obtainToken(message) {
  if (!askToken) throw new ApiError(401, { code: "Unauthorized", message });
  pendingAsk ??= askToken(message).finally(() => { pendingAsk = null; });
  const given = await pendingAsk;
  sessionStorage.setItem(TOKEN_KEY, given);
}

async function send(method, path, body, extraHeaders) {
  for (;;) {
    const response = await fetch(path, {
      method,
      headers: headers(extraHeaders),
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
    if (response.status === 401) {
      const err = await response.json().catch(() => ({}));
      sessionStorage.removeItem(TOKEN_KEY);
      await obtainToken(err.message || "This daemon needs a token.");
      continue;
    }
    return response;
  }
}

export async function request(method, path, body) {
  const response = await send(method, path, body);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({ message: `HTTP ${response.status}` }));
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// One GET sent before any view asked for it (early.js). The first get() takes its answer
// when it asks for the same path (any other first get drops it, so nothing stale is ever
// shown); an early call that failed is sent again, now that the token prompt is installed.
let early = null;

export function prefetch(path) {
  const answer = request("GET", path);
  answer.catch(() => {}); // its failure is handled when a view takes it
  early = { path, answer };
}

export function get(path) {
  const sent = early;
  early = null;
  if (sent?.path === path) return sent.answer.catch(() => request("GET", path));
  return request("GET", path);
}
export const post = (path, body = {}) => request("POST", path, body);
export const put = (path, body) => request("PUT", path, body);
export const del = (path) => request("DELETE", path);

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of Array.isArray(v) ? v : [v]) {
      if (one !== undefined && one !== null && one !== "") q.append(k, one);
    }
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

export const enc = encodeURIComponent;

// Server-sent events read with fetch (EventSource cannot send Authorization), reconnected
// with a growing delay; `signal` ends it. onRun gets each RunOut the daemon pushes; onState
// "live", "reconnecting", or "refused" (403: the stream is given up).
export function streamRuns(params, onRun, signal, onState = () => {}) {
  let delay = 500;
  const loop = async () => {
    while (!signal.aborted) {
      try {
        const response = await send("GET", `/runs/stream${query(params)}`, undefined,
          { Accept: "text/event-stream" });
        if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({})));
        onState("live");
        delay = 500;
        await readEvents(response.body, signal, (event, data) => {
          if (event === "run") onRun(JSON.parse(data));
        });
      } catch (err) {
        if (signal.aborted) return;
        // A token whose role or job limits refuse the stream: retrying cannot help.
        if (err instanceof ApiError && err.status === 403) {
          onState("refused", err);
          return;
        }
        onState("reconnecting");
      }
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 15000);
    }
  };
  loop();
}

async function readEvents(body, signal, onEvent) {
  const reader = body.getReader();
  signal.addEventListener("abort", () => reader.cancel().catch(() => {}), { once: true });
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(event, data.join("\n"));
    }
  }
}

export function sleep(ms, signal) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

// A run's log from `offset` on, chunk by chunk, about once a second while the run goes on.
export async function followLog(runId, stream, onData, signal) {
  let offset = 0;
  while (!signal.aborted) {
    const chunk = await get(`/runs/${enc(runId)}/logs${query({ stream, offset })}`);
    if (chunk.data) onData(chunk.data);
    offset = chunk.next_offset;
    if (chunk.complete) return true;
    if (!chunk.data) await sleep(1000, signal);
  }
  return false;
}
