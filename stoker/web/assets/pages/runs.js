// Runs monitoring: tiles of runs by state with the success rate over a range, runs per day
// by outcome, and a table of runs across all jobs. Every filter is in the URL; a tile or a
// bar filters the table. States change live from /runs/stream.

import { enc, get, query, streamRuns } from "../api.js";
import { STATES, attempt, duration, h, link, localTime, s, spinner, stateBadge } from "../ui.js";
import { navigate } from "../app.js";

const DAY = 86_400_000;
const KEYS = ["job", "state", "outcome", "trigger", "started_after", "started_before", "next_token", "days"];

function filtersFrom(url) {
  const p = url.searchParams;
  const f = Object.fromEntries(KEYS.map((k) => [k, p.get(k) || ""]));
  f.state = p.getAll("state");
  f.days = ["1", "7", "30", "90"].includes(f.days) ? f.days : "7";
  return f;
}

const urlOf = (f) => `/console/runs${query({ ...f, days: f.days === "7" ? "" : f.days })}`;

// <input type=datetime-local> speaks the browser's local time; the API takes ISO with offset.
const toIso = (local) => (local ? new Date(local).toISOString() : "");
function toLocal(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function tiles(summary, f) {
  const total = Object.values(summary.by_state).reduce((a, b) => a + b, 0);
  const rate = summary.success_rate === null || summary.success_rate === undefined ? "—" : `${Math.round(summary.success_rate * 100)} %`;
  return h("div", { class: "tiles" },
    h("div", { class: "tile" }, h("span", { class: "tile-n" }, rate), h("span", {}, "success rate")),
    h("a", { class: "tile", href: urlOf({ ...f, state: [], outcome: "", next_token: "" }), "data-link": true },
      h("span", { class: "tile-n" }, total), h("span", {}, "runs")),
    STATES.filter((st) => summary.by_state[st]).map((st) => h("a", {
      class: `tile state-${st.toLowerCase()}`, href: urlOf({ ...f, state: [st], outcome: "", next_token: "" }), "data-link": true,
      "aria-current": f.state.length === 1 && f.state[0] === st ? "true" : null,
    }, h("span", { class: "tile-n" }, summary.by_state[st]), h("span", {}, st))));
}

// Stacked bars per day; a bar links to that day's runs.
function perDay(summary, f) {
  const days = summary.per_day;
  if (!days.length) return null;
  const W = 720; const H = 160; const bw = W / days.length;
  const max = Math.max(1, ...days.map((d) => Object.values(d.counts).reduce((a, b) => a + b, 0)));
  const svg = s("svg", { viewBox: `0 0 ${W} ${H + 18}`, class: "chart-svg bars", role: "img", "aria-label": "Runs per day by outcome" });
  days.forEach((d, i) => {
    const start = new Date(`${d.day}T00:00:00Z`);
    const href = urlOf({ ...f, started_after: start.toISOString(), started_before: new Date(start.getTime() + DAY).toISOString(), next_token: "" });
    const a = s("a", { href, "data-link": "" });
    let y = H;
    for (const st of STATES) {
      const n = d.counts[st] || 0;
      if (!n) continue;
      const hgt = (n / max) * (H - 4);
      y -= hgt;
      a.append(s("rect", { x: i * bw + 2, y, width: Math.max(1, bw - 4), height: hgt, class: `bar state-${st.toLowerCase()}` },
        s("title", {}, `${d.day}: ${n} ${st}`)));
    }
    svg.append(a);
    if (days.length <= 31) svg.append(s("text", { x: i * bw + bw / 2, y: H + 14, class: "axis", "text-anchor": "middle" }, d.day.slice(5)));
  });
  return h("figure", { class: "chart" }, h("figcaption", {}, "Runs per day by outcome"), svg);
}

function runRow(run) {
  return h("tr", { "data-run": run.id, "data-state": run.state },
    h("th", { scope: "row", class: "mono" }, h("span", { title: run.id }, `${run.id.slice(0, 15)}…`)),
    h("td", {}, link(`/console/jobs/${enc(run.job_name)}/history`, run.job_name)),
    h("td", {}, stateBadge(run.state)),
    h("td", {}, run.attempt),
    h("td", {}, run.triggered_by),
    h("td", {}, localTime(run.started_on)),
    h("td", {}, localTime(run.completed_on)),
    h("td", {}, duration(run.execution_time)),
    h("td", { class: "error-cell" }, run.error_message || ""),
    h("td", {}, link(`/console/runs/${enc(run.id)}/logs`, "Logs")));
}

function filterForm(f) {
  const states = h("select", { name: "state", multiple: true, size: 4 }, STATES.map((st) => h("option", { value: st, selected: f.state.includes(st) }, st)));
  return h("form", { class: "filters", role: "search", onsubmit: (e) => {
    e.preventDefault();
    const d = new FormData(e.target);
    navigate(urlOf({
      ...f, job: d.get("job").trim(), trigger: d.get("trigger").trim(), state: d.getAll("state"),
      outcome: d.get("outcome") ? "failed" : "", days: d.get("days"),
      started_after: toIso(d.get("started_after")), started_before: toIso(d.get("started_before")), next_token: "",
    }));
  } },
  h("label", {}, "Job ", h("input", { name: "job", value: f.job })),
  h("label", {}, "State ", states),
  h("label", { class: "check" }, h("input", { type: "checkbox", name: "outcome", checked: f.outcome === "failed" }), " Any failed run"),
  h("label", {}, "Triggered by ", h("input", { name: "trigger", value: f.trigger, placeholder: "trigger name or manual" })),
  h("label", {}, "Started after ", h("input", { type: "datetime-local", name: "started_after", value: toLocal(f.started_after) })),
  h("label", {}, "Started before ", h("input", { type: "datetime-local", name: "started_before", value: toLocal(f.started_before) })),
  h("label", {}, "Tiles over ", h("select", { name: "days" }, ["1", "7", "30", "90"].map((d) => h("option", { value: d, selected: d === f.days }, `${d} days`)))),
  h("button", { type: "submit" }, "Filter"),
  link("/console/runs", "Clear"));
}

export async function runsPage(main, _params, url, signal) {
  const f = filtersFrom(url);
  main.append(h("h1", {}, "Runs"), filterForm(f), spinner());
  const until = new Date();
  const since = new Date(until.getTime() - Number(f.days) * DAY);
  const [summary, page] = await Promise.all([
    attempt(() => get(`/runs/summary${query({ since: since.toISOString(), until: until.toISOString(), job: f.job })}`)),
    attempt(() => get(`/runs${query({ job: f.job, state: f.state, outcome: f.outcome, trigger: f.trigger, started_after: f.started_after, started_before: f.started_before, next_token: f.next_token, limit: 50 })}`)),
  ]);
  if (signal.aborted) return;
  main.querySelector("[role=status]")?.remove();
  if (summary) main.append(h("section", { "aria-label": `The last ${f.days} days` }, tiles(summary, f), perDay(summary, f)));
  if (!page) return;
  const body = h("tbody", {}, page.runs.map(runRow));
  main.append(
    page.runs.length ? h("div", { class: "table-wrap" }, h("table", { class: "runs" },
      h("thead", {}, h("tr", {}, ["Run ID", "Job", "Run status", "Retry attempt", "Triggered by", "Start time", "End time", "Execution time", "Error", "Logs"].map((c) => h("th", { scope: "col" }, c)))),
      body)) : h("p", { class: "empty" }, "No run matches these filters."),
    h("nav", { class: "pager", "aria-label": "Pages" },
      f.next_token ? link(urlOf({ ...f, next_token: "" }), "Newest runs") : null,
      page.next_token ? link(urlOf({ ...f, next_token: page.next_token }), "Older runs") : null));
  // Rows already shown follow their run's state; new runs are counted on the next load.
  streamRuns(f.job ? { job: f.job } : {}, (run) => {
    body.querySelector(`tr[data-run="${CSS.escape(run.id)}"]`)?.replaceWith(runRow(run));
  }, signal);
}
