// Interactive sessions: the list (create, stop, delete), and a session's statement console:
// Python run in the session's namespace, each statement's output, error and traceback kept
// on the page in order, a running one cancellable. Everything goes through /sessions.

import { ApiError, del, enc, get, post, sleep } from "../api.js";
import { attempt, clearFieldErrors, confirmDialog, h, link, localTime, modal, notice, showFieldError, spinner, stateBadge } from "../ui.js";
import { navigate } from "../app.js";

const LIVE_SESSION = new Set(["PROVISIONING", "READY", "STOPPING"]);
const ENDED_STATEMENT = new Set(["AVAILABLE", "CANCELLED", "ERROR"]);

// New session (or, from the Jobs list, a job's development endpoint): a session id, and
// the job whose arguments and Spark conf it starts with.
export function sessionDialog(jobName = "") {
  return modal(jobName ? `Create development endpoint for ${jobName}` : "New session", (close) => {
    const id = h("input", { id: "session-id", name: "id", required: true, value: jobName ? `${jobName}-dev` : "", "data-field": "id" });
    const job = h("input", { id: "session-job", name: "job_name", value: jobName, "data-field": "job_name" });
    const form = h("form", {
      onsubmit: async (e) => {
        e.preventDefault();
        clearFieldErrors(form);
        try {
          const body = { id: id.value.trim() };
          if (job.value.trim()) body.job_name = job.value.trim();
          const session = await post("/sessions", body);
          notice(`Session ${session.id} is starting on a warm driver`);
          close(session);
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          showFieldError(form, err);
        }
      },
    },
    h("p", { class: "muted" }, "A warm Spark driver of the pool, reserved for you until you stop the session or it idles out."),
    h("div", { class: "field" }, h("label", { for: "session-id" }, "Session id"), id),
    h("div", { class: "field" }, h("label", { for: "session-job" }, "Job (its arguments and Spark conf)"), job),
    h("div", { class: "buttons" },
      h("button", { type: "button", onclick: () => close(undefined) }, "Cancel"),
      h("button", { type: "submit", class: "primary" }, "Create session")));
    return form;
  });
}

export async function openSessionDialog(jobName) {
  const session = await sessionDialog(jobName);
  if (session) navigate(`/console/sessions/${enc(session.id)}`);
}

export async function sessionsPage(main, params, url, signal) {
  if (params[0]) return sessionPage(main, params[0], signal);
  main.append(h("h1", {}, "Sessions"), spinner());
  const page = await attempt(() => get("/sessions?limit=1000"));
  if (signal.aborted) return;
  main.querySelector("[role=status]")?.remove();
  if (!page) return;
  const reload = () => navigate("/console/sessions", true);
  const stop = async (s) => { if (await attempt(() => post(`/sessions/${enc(s.id)}/stop`))) notice(`Stopped ${s.id}`); reload(); };
  const remove = async (s) => {
    if (!(await confirmDialog("Delete session", `Delete ${s.id} and its statements?`, "Delete"))) return;
    if ((await attempt(() => del(`/sessions/${enc(s.id)}`))) === null) notice(`Deleted ${s.id}`);
    reload();
  };
  const rows = page.sessions.map((s) => h("tr", {},
    h("th", { scope: "row" }, link(`/console/sessions/${enc(s.id)}`, s.id)),
    h("td", {}, stateBadge(s.state)), h("td", {}, s.job_name || h("span", { class: "muted" }, "—")),
    h("td", {}, localTime(s.created_on)), h("td", {}, localTime(s.completed_on)),
    h("td", {}, LIVE_SESSION.has(s.state) ? h("button", { type: "button", onclick: () => stop(s) }, "Stop") : null,
      " ", h("button", { type: "button", class: "danger", onclick: () => remove(s) }, "Delete"))));
  main.append(
    h("div", { class: "toolbar" }, h("p", { class: "muted" }, "Interactive sessions: Python in a warm Spark driver (Glue's interactive sessions)."),
      h("button", { type: "button", class: "primary", onclick: () => openSessionDialog("") }, "New session")),
    rows.length ? h("div", { class: "table-wrap" }, h("table", { class: "sessions" },
      h("thead", {}, h("tr", {}, ["Session", "State", "Job", "Created", "Ended", ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows)))
      : h("p", { class: "empty" }, "No sessions yet."));
}

function statementView(statement, sessionId) {
  const out = [];
  if (statement.output) out.push(h("pre", { class: "log statement-output" }, statement.output));
  if (statement.status && statement.status !== "ok") {
    out.push(h("pre", { class: "log statement-error", role: "alert" },
      statement.traceback.length ? statement.traceback.join("") : `${statement.error_name}: ${statement.error_value}`));
  }
  const running = !ENDED_STATEMENT.has(statement.state);
  return h("li", { class: "statement", "data-statement": statement.id },
    h("div", { class: "title-row" }, h("span", {}, `[${statement.id}] `, stateBadge(statement.state)),
      running ? h("button", { type: "button", onclick: () => attempt(() => post(`/sessions/${enc(sessionId)}/statements/${statement.id}/cancel`)) }, "Cancel") : null),
    h("pre", { class: "script-preview statement-code" }, statement.code), out);
}

async function sessionPage(main, sessionId, signal) {
  main.append(h("h1", {}, `Session ${sessionId}`), spinner());
  let session = await attempt(() => get(`/sessions/${enc(sessionId)}`));
  if (signal.aborted) return;
  main.querySelector("[role=status]")?.remove();
  if (!session) return;
  const state = h("p", { class: "session-state" });
  const list = h("ol", { class: "statements", "aria-label": "Statements" });
  const code = h("textarea", { id: "code", rows: 6, spellcheck: "false", "aria-label": "Python to run", placeholder: "spark.range(10).count()" });
  const runButton = h("button", { type: "submit", class: "primary" }, "Run");
  const show = (s) => {
    const view = statementView(s, sessionId);
    const old = list.querySelector(`[data-statement="${s.id}"]`);
    if (old) old.replaceWith(view); else list.append(view);
  };
  const showSession = () => {
    state.replaceChildren("State: ", stateBadge(session.state),
      session.job_name ? ` · job ${session.job_name}` : "", session.error_message ? ` · ${session.error_message}` : "");
    runButton.disabled = session.state !== "READY";
  };
  const form = h("form", { class: "statement-form", onsubmit: async (e) => {
    e.preventDefault();
    if (!code.value.trim()) return;
    const sent = await attempt(() => post(`/sessions/${enc(sessionId)}/statements`, { code: code.value, wait: 0 }));
    if (!sent) return;
    show(sent);
    code.value = "";
    let s = sent;
    while (!ENDED_STATEMENT.has(s.state) && !signal.aborted) {
      s = await attempt(() => get(`/sessions/${enc(sessionId)}/statements/${s.id}?wait=20`));
      if (!s) return;
      show(s);
    }
  } }, code, h("div", { class: "buttons" }, h("span", { class: "muted" }, "Ctrl+Enter runs"), runButton));
  code.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) form.requestSubmit(); });
  const stop = h("button", { type: "button", onclick: async () => {
    const stopped = await attempt(() => post(`/sessions/${enc(sessionId)}/stop`));
    if (stopped) { session = stopped; showSession(); }
  } }, "Stop session");
  main.append(h("div", { class: "toolbar" }, link("/console/sessions", "All sessions"), stop), state, list, form);
  const statements = await attempt(() => get(`/sessions/${enc(sessionId)}/statements`));
  (statements?.statements ?? []).forEach(show);
  showSession();
  // The session's state as it provisions and after: once a second while the page is open.
  while (!signal.aborted && LIVE_SESSION.has(session.state)) {
    await sleep(1000, signal);
    if (signal.aborted) return;
    session = (await attempt(() => get(`/sessions/${enc(sessionId)}`))) ?? session;
    showSession();
    if (session.state === "READY" && document.activeElement === document.body) code.focus();
  }
}
