// A job's own page: History (live from /runs/stream), Details (every field and its
// triggers), Script (highlighted; edited with a syntax check first) and Metrics.

import { ApiError, enc, get, post, put, query, streamRuns } from "../api.js";
import { LIVE, attempt, duration, h, link, localTime, notice, spinner, stateBadge } from "../ui.js";
import { navigate } from "../app.js";
import { highlighted } from "../highlight.js";
import { metricsTab } from "./metrics.js";
import { bookmarkDialog, deleteJobs, runDialog, stopRuns, triggersDialog } from "./actions.js";

const TABS = [["history", "History"], ["details", "Details"], ["script", "Script"], ["metrics", "Metrics"]];

export async function jobPage(main, [name, tab = "history"], url, signal) {
  main.append(spinner());
  const job = await attempt(() => get(`/jobs/${enc(name)}`));
  main.replaceChildren();
  if (!job || signal.aborted) return;
  const base = `/console/jobs/${enc(name)}`;
  const again = () => navigate(location.pathname + location.search, true);
  main.append(
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, link("/console/jobs", "Jobs"), " / ", name),
    h("div", { class: "title-row" }, h("h1", {}, name),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "primary", onclick: async () => { if (await runDialog(job) && tab !== "history") navigate(`${base}/history`); } }, "Run job"),
        h("button", { type: "button", onclick: () => stopRuns([name]) }, "Stop job run"),
        link(`${base}/edit`, h("span", { class: "button" }, "Edit job")),
        h("button", { type: "button", onclick: async () => { await triggersDialog(job); again(); } }, "Choose job triggers"),
        h("button", { type: "button", onclick: () => bookmarkDialog(job) }, "Reset job bookmark"),
        h("button", { type: "button", class: "danger", onclick: async () => { if (await deleteJobs([name])) navigate("/console/jobs"); } }, "Delete"))),
    h("nav", { class: "tabs", "aria-label": "Job" }, TABS.map(([key, label]) =>
      link(`${base}/${key}`, label))),
  );
  main.querySelectorAll(".tabs a").forEach((a, i) => { if (TABS[i][0] === tab) a.setAttribute("aria-current", "page"); });
  const panel = h("section", { class: "panel", "aria-label": tab });
  main.append(panel);
  const tabs = { history: historyTab, details: detailsTab, script: scriptTab, metrics: metricsTab };
  await tabs[tab](panel, job, url, signal);
}

// Run ids are long (jr_ and 64 hex digits): the table shows their start, the title all of it.
const shortId = (id) => (id.length > 18 ? `${id.slice(0, 15)}…` : id);

// One run of a job: its History with that run's row marked and scrolled into view.
const runLink = (jobName, runId) => `/console/jobs/${enc(jobName)}/history${query({ run: runId })}`;

function runRow(run) {
  const live = LIVE.has(run.state) && run.state !== "STOPPING";
  const logs = (stream, label) => link(`/console/runs/${enc(run.id)}/logs${query({ stream })}`, label);
  return h("tr", { "data-run": run.id, "data-state": run.state },
    h("th", { scope: "row", class: "mono" }, h("span", { title: run.id }, shortId(run.id))),
    h("td", {}, run.attempt),
    h("td", {}, stateBadge(run.state), live ? [" ", h("button", {
      type: "button", class: "small", "aria-label": `Stop run ${run.id}`,
      onclick: (e) => { e.target.disabled = true; attempt(() => post(`/runs/${enc(run.id)}/stop`)); },
    }, "Stop")] : null),
    h("td", { class: "error-cell" }, run.error_message || ""),
    h("td", {}, logs("stdout", "Logs")),
    h("td", {}, logs("stderr", "Error logs")),
    h("td", {}, duration(run.execution_time)),
    h("td", { class: "wide" }, `${run.timeout} min`),
    h("td", { class: "wide" }, run.notify_delay_after ? `${run.notify_delay_after} min` : "—"),
    h("td", { class: "wide" }, run.triggered_by),
    h("td", { class: "time" }, localTime(run.started_on)),
    h("td", { class: "time" }, localTime(run.completed_on)),
    h("td", {}, run.predecessor_runs.map((p) => h("div", {}, link(runLink(p.job_name, p.run_id), p.job_name), " ", h("span", { class: "mono", title: p.run_id }, shortId(p.run_id)))),
      run.previous_run_id ? h("div", { class: "muted" }, "retry of ", link(runLink(run.job_name, run.previous_run_id), h("span", { class: "mono", title: run.previous_run_id }, shortId(run.previous_run_id)))) : null),
    h("td", {}, link(`/console/jobs/${enc(run.job_name)}/metrics${query({ run: run.id })}`, "View run metrics")));
}

// "30 days", "Never expire" or "daemon default (90 days)": how long ended runs' logs,
// metrics and event payloads are kept (effective_log_retention_days comes with GET /jobs/{name}).
export function retentionText(job) {
  const days = job.effective_log_retention_days ?? job.log_retention_days;
  if (days === null || days === undefined) return "daemon default";
  const shown = days === "never" ? "Never expire" : `${days} day${days === 1 ? "" : "s"}`;
  return job.log_retention_days === null || job.log_retention_days === undefined
    ? `daemon default (${shown.toLowerCase()})` : shown;
}

async function historyTab(panel, job, url, signal) {
  const token = url.searchParams.get("next_token") || "";
  const page = await attempt(() => get(`/runs${query({ job: job.name, limit: 50, next_token: token })}`));
  if (!page || signal.aborted) return;
  // ?run=ID (a predecessor or retry link): an older run than this page holds joins it.
  const wanted = url.searchParams.get("run");
  if (wanted && !page.runs.some((r) => r.id === wanted)) {
    const run = await attempt(() => get(`/runs/${enc(wanted)}`));
    if (signal.aborted) return;
    if (run && run.job_name === job.name) page.runs.push(run);
  }
  const status = h("p", { class: "muted live-state", "aria-live": "polite" }, "connecting…");
  const body = h("tbody", {}, page.runs.map(runRow));
  const empty = h("p", { class: "empty" }, "No runs yet.");
  const kept = (job.effective_log_retention_days ?? job.log_retention_days) === "never"
    ? "ended runs' logs, metrics and event payloads are kept"
    : "ended runs' logs, metrics and event payloads are deleted this long after the run ends";
  const retention = h("p", { class: "muted retention" }, "Log retention: ", h("strong", {}, retentionText(job)), ` — ${kept}.`);
  panel.append(retention, status, h("div", { class: "table-wrap" }, h("table", { class: "history" },
    h("thead", {}, h("tr", {}, ["Run ID", "Retry attempt", "Run status", "Error", "Logs", "Error logs",
      "Execution time", "Timeout", "Delay", "Triggered by", "Start time", "End time", "Predecessors", "Metrics"]
      .map((c) => h("th", { scope: "col", class: ["Timeout", "Delay", "Triggered by"].includes(c) ? "wide" : null }, c)))), body)),
  ...(page.runs.length ? [] : [empty]),
  h("nav", { class: "pager", "aria-label": "Pages" },
    token ? link(`/console/jobs/${enc(job.name)}/history`, "Newest runs") : null,
    page.next_token ? link(`/console/jobs/${enc(job.name)}/history${query({ next_token: page.next_token })}`, "Older runs") : null));
  const mark = (row) => { if (row.dataset.run === wanted) row.setAttribute("aria-current", "true"); return row; };
  const marked = wanted ? body.querySelector(`tr[data-run="${CSS.escape(wanted)}"]`) : null;
  if (marked) { mark(marked); marked.scrollIntoView({ block: "center" }); }
  // Live: each pushed run replaces its row, or (on the first page) joins at the top.
  streamRuns({ job: job.name }, (run) => {
    if (run.job_name !== job.name) return;
    const row = body.querySelector(`tr[data-run="${CSS.escape(run.id)}"]`);
    if (row) row.replaceWith(mark(runRow(run)));
    else if (!token) { body.prepend(runRow(run)); empty.remove(); }
  }, signal, (state, err) => {
    const texts = { live: "Live: run states update as they change.", refused: `No live updates: ${err?.message}` };
    status.textContent = texts[state] ?? "Reconnecting…";
  });
}

function dl(entries) {
  return h("dl", { class: "fields" }, entries.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "—")]));
}
function mapList(map) {
  const e = Object.entries(map || {});
  return e.length ? h("ul", { class: "plain" }, e.map(([k, v]) => h("li", {}, h("code", {}, k), " = ", h("code", {}, v)))) : "—";
}

function triggerParameters(t) {
  if (t.type === "SCHEDULED") return `${t.schedule} (${t.timezone})`;
  if (t.type === "CONDITIONAL" && t.predicate) {
    return t.predicate.conditions.map((c) => `${c.job_name} ${c.state}`).join(` ${t.predicate.logical} `);
  }
  if (t.type === "EVENT" && t.event) return `topic ${t.event.topic}, batch ${t.event.batch_size} / ${t.event.batch_window} s`;
  return "—";
}

function triggerTable(caption, triggers) {
  if (!triggers.length) return h("p", { class: "muted" }, `${caption}: none.`);
  return h("div", { class: "table-wrap" }, h("table", { class: "triggers" }, h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ["Trigger name", "Trigger type", "Trigger status", "Trigger parameters", "Jobs to trigger"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, triggers.map((t) => h("tr", {},
      h("th", { scope: "row" }, t.name), h("td", {}, t.type), h("td", {}, t.state),
      h("td", {}, triggerParameters(t)),
      h("td", {}, t.actions.map((a, i) => [i ? ", " : "", link(`/console/jobs/${enc(a.job_name)}`, a.job_name)])))))));
}

async function detailsTab(panel, job, _url, signal) {
  const r = job.resources;
  panel.append(
    ...(job.load_error ? [h("p", { class: "notice error" }, `This definition cannot be loaded: ${job.load_error}`)] : []),
    dl([
      ["Name", job.name], ["Description", job.description || "—"], ["Type", job.command.name],
      ["Python version", job.command.python_version], ["Executor", job.executor],
      ["Role", job.role || "—"], ["Security configuration", job.security_configuration || "—"],
      ["Log retention", retentionText(job)],
      ["Script location", h("code", {}, job.command.script_location)], ["Job bookmark", job.bookmark_option],
      ["Default arguments", mapList(job.default_arguments)],
      ["Non-overridable arguments", mapList(job.non_overridable_arguments)],
      ["Maximum concurrent runs", job.max_concurrent_runs], ["Queue runs over the limit", String(job.job_run_queuing_enabled)],
      ["Maximum retries", job.max_retries], ["Timeout", `${job.timeout} min`],
      ["Delay notification after", job.notify_delay_after ? `${job.notify_delay_after} min` : "—"],
      ["Driver memory / cores", `${r.driver_memory ?? "default"} / ${r.driver_cores ?? "default"}`],
      ["Executor memory / cores", `${r.executor_memory ?? "default"} / ${r.executor_cores ?? "default"}`],
      ["Number of executors", r.num_executors ?? "default"],
      ["Spark configuration", mapList(job.spark_conf)], ["Tags", mapList(job.tags)],
      ["Created", localTime(job.created_on)], ["Last modified", localTime(job.last_modified_on)],
    ]));
  const triggers = await attempt(() => get(`/jobs/${enc(job.name)}/triggers`));
  if (!triggers || signal.aborted) return;
  panel.append(h("h2", {}, "Triggers"),
    triggerTable("Triggers that start this job", triggers.starts),
    triggerTable("Triggers that watch this job", triggers.watches));
}

async function scriptTab(panel, job, url, signal) {
  const got = await attempt(() => get(`/jobs/${enc(job.name)}/script`));
  if (!got || signal.aborted) return;
  const view = h("div", { class: "script-view" });
  const showView = (source, line = null, note = "") => {
    view.replaceChildren(
      h("div", { class: "toolbar" }, h("code", { class: "path" }, got.script_location),
        h("button", { type: "button", onclick: () => showEditor(source) }, "Edit script")),
      highlighted(source, line, note));
  };
  const showEditor = (source) => {
    const editor = h("textarea", { class: "editor", rows: Math.min(30, source.split("\n").length + 3), spellcheck: "false", "aria-label": "Script", "data-field": "script" });
    editor.value = source;
    const problem = h("div", { class: "check", "aria-live": "polite" });
    const save = async () => {
      problem.replaceChildren();
      const check = await attempt(() => post("/scripts/check", { script: editor.value }));
      if (!check) return;
      if (!check.ok) {
        const note = `Line ${check.line}, column ${check.column}: ${check.message}`;
        problem.append(h("p", { class: "field-error", role: "alert" }, `Not saved: syntax error at ${note}`),
          highlighted(editor.value, check.line, note));
        problem.querySelector("li.marked")?.scrollIntoView({ block: "center" });
        return;
      }
      try {
        const saved = await put(`/jobs/${enc(job.name)}/script`, { script: editor.value });
        got.script_location = saved.command.script_location;
        notice("Script saved; runs already queued or running keep the script they started with.");
        showView(editor.value);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        problem.append(h("p", { class: "field-error", role: "alert" }, err.message));
      }
    };
    view.replaceChildren(editor, h("div", { class: "buttons" },
      h("button", { type: "button", onclick: () => showView(source) }, "Cancel"),
      h("button", { type: "button", class: "primary", onclick: save }, "Save script")), problem);
    editor.focus();
  };
  panel.append(view);
  if (url.searchParams.get("edit")) showEditor(got.script);
  else showView(got.script);
}
