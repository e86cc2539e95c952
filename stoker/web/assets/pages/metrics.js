// Glue's graphs from the stored Spark samples: ETL data movement and memory profile, and
// under "View additional metrics" shuffle, CPU load and job execution. Per run (?run=ID),
// or over a time range of the job's runs (?range=1h|24h|7d, or custom with ?from=&to=).

import { enc, get, query } from "../api.js";
import { attempt, h } from "../ui.js";
import { navigate } from "../app.js";
import { bytes, count, lineChart, ratio } from "../charts.js";

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const HOUR = 3600 * 1000;
const RANGES = { "1h": ["Last hour", HOUR], "24h": ["Last 24 hours", 24 * HOUR], "7d": ["Last 7 days", 7 * 24 * HOUR] };
// A range's points are means over runs: counts may be fractional.
const average = (v) => (v === null || v === undefined ? "—" : Number.isInteger(v) ? String(v) : v.toFixed(1));

// <input type=datetime-local> speaks the browser's local time; the URL and API take ISO.
const toIso = (local) => (local ? new Date(local).toISOString() : "");
function toLocal(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function executorSeries(samples, key) {
  const at = (s) => Date.parse(s.sampled_at);
  const driver = samples.map((s) => [at(s), s.executors.find((e) => e.executor_id === "driver")?.[key] ?? null]);
  const all = samples.map((s) => [at(s), mean(s.executors.filter((e) => e.executor_id !== "driver" && e[key] !== null).map((e) => e[key]))]);
  return [{ name: "driver", points: driver }, { name: "ALL executors", points: all }];
}

function runGraphs(samples, more) {
  const at = (s) => Date.parse(s.sampled_at);
  const series = (name, key) => ({ name, points: samples.map((s) => [at(s), s[key]]) });
  const charts = [
    lineChart("ETL Data Movement", [series("bytes read", "bytes_read"), series("bytes written", "bytes_written")], bytes),
    lineChart("Memory Profile: Driver and Executors (heap usage)", executorSeries(samples, "heap_usage"), ratio, 1),
  ];
  if (more) {
    charts.push(
      lineChart("Data Shuffle Across Executors", [series("shuffle local bytes read", "shuffle_local_bytes_read"), series("shuffle bytes written", "shuffle_bytes_written")], bytes),
      lineChart("CPU Load: Driver and Executors", executorSeries(samples, "cpu_load"), ratio, 1),
      lineChart("Job Execution: Active Executors, Completed Stages & Maximum Needed Executors",
        [series("active executors", "active_executors"), series("completed stages", "completed_stages"), series("maximum needed executors", "max_needed_executors")], count));
  }
  return h("div", { class: "charts" }, charts);
}

function rangeGraphs(data, more) {
  const span = [Date.parse(data.since), Date.parse(data.until)];
  const series = (name, key) => ({ name, points: data.points.map((p) => [Date.parse(p.at), p[key]]) });
  const chart = (title, list, format, max = null) => lineChart(title, list, format, max, span);
  const charts = [
    chart("ETL Data Movement (per run)", [series("bytes read", "bytes_read"), series("bytes written", "bytes_written")], bytes),
    chart("Memory Profile: Driver and Executors (heap usage)", [series("driver", "driver_heap_usage"), series("ALL executors", "executors_heap_usage")], ratio, 1),
  ];
  if (more) {
    charts.push(
      chart("Data Shuffle Across Executors (per run)", [series("shuffle local bytes read", "shuffle_local_bytes_read"), series("shuffle bytes written", "shuffle_bytes_written")], bytes),
      chart("CPU Load: Driver and Executors", [series("driver", "driver_cpu_load"), series("ALL executors", "executors_cpu_load")], ratio, 1),
      chart("Job Execution: Active Executors, Completed Stages & Maximum Needed Executors",
        [series("active executors", "active_executors"), series("completed stages", "completed_stages"), series("maximum needed executors", "max_needed_executors")], average));
  }
  return h("div", { class: "charts" }, charts);
}

// What the URL asks for: one run, a preset range ending now, or a custom from–to.
function viewFrom(url) {
  const p = url.searchParams;
  const range = p.get("range") || "";
  if (range === "custom") return { range, from: p.get("from") || "", to: p.get("to") || "" };
  return { range: RANGES[range] ? range : "", from: "", to: "" };
}

export async function metricsTab(panel, job, url, signal) {
  const view = viewFrom(url);
  const more = url.searchParams.get("more") === "1";
  const run = url.searchParams.get("run") || "";
  const here = (params) => `/console/jobs/${enc(job.name)}/metrics${query({ run, range: view.range, from: view.from, to: view.to, more: more ? "1" : "", ...params })}`;
  const show = h("select", { id: "metrics-view", onchange: (e) => {
    const range = e.target.value;
    if (range !== "custom") { navigate(here({ range, from: "", to: "" })); return; }
    const to = new Date();
    navigate(here({ range, from: new Date(to.getTime() - 24 * HOUR).toISOString(), to: to.toISOString() }));
  } },
  h("option", { value: "", selected: !view.range }, "One run"),
  Object.entries(RANGES).map(([key, [label]]) => h("option", { value: key, selected: view.range === key }, label)),
  h("option", { value: "custom", selected: view.range === "custom" }, "Custom range"));
  const toolbar = h("div", { class: "toolbar" }, h("label", { for: "metrics-view" }, "Show "), show);
  panel.append(toolbar);
  const moreButton = h("button", { type: "button", "aria-pressed": String(more), onclick: () => navigate(here({ more: more ? "" : "1" })) },
    more ? "Fewer metrics" : "View additional metrics");
  if (view.range) await rangeView(panel, toolbar, moreButton, job, view, here, more, signal);
  else await runView(panel, toolbar, moreButton, job, run, here, more, signal);
}

async function runView(panel, toolbar, moreButton, job, run, here, more, signal) {
  const runs = await attempt(() => get(`/runs${query({ job: job.name, limit: 50 })}`));
  if (!runs || signal.aborted) return;
  if (!runs.runs.length) { panel.append(h("p", { class: "empty" }, "No runs yet: metrics are stored per run.")); return; }
  const chosen = run || runs.runs[0].id;
  // A run older than the latest 50 (History's "View run metrics" on an older page) joins them.
  const older = runs.runs.some((r) => r.id === chosen) ? [] : [h("option", { value: chosen, selected: true }, chosen)];
  const picker = h("select", { id: "metrics-run", onchange: (e) => navigate(here({ run: e.target.value })) },
    older, runs.runs.map((r) => h("option", { value: r.id, selected: r.id === chosen }, `${r.id} — ${r.state} — ${new Date(r.started_on).toLocaleString()}`)));
  toolbar.append(h("label", { for: "metrics-run" }, " Run "), picker, moreButton);
  const data = await attempt(() => get(`/runs/${enc(chosen)}/metrics`));
  if (!data || signal.aborted) return;
  if (!data.samples.length) { panel.append(h("p", { class: "empty" }, "This run has no stored samples (python shell runs have none).")); return; }
  panel.append(h("p", { class: "muted" }, `${data.samples.length} samples${data.complete ? "" : " so far (the run is still going)"}.`), runGraphs(data.samples, more));
}

async function rangeView(panel, toolbar, moreButton, job, view, here, more, signal) {
  let since;
  let until;
  if (view.range === "custom") {
    const from = h("input", { type: "datetime-local", id: "metrics-from", value: toLocal(view.from) });
    const to = h("input", { type: "datetime-local", id: "metrics-to", value: toLocal(view.to) });
    toolbar.append(h("label", { for: "metrics-from" }, " From "), from, h("label", { for: "metrics-to" }, " to "), to,
      h("button", { type: "button", onclick: () => navigate(here({ from: toIso(from.value), to: toIso(to.value) })) }, "Apply"));
    [since, until] = [view.from, view.to];
  } else {
    until = new Date();
    since = new Date(until.getTime() - RANGES[view.range][1]);
    [since, until] = [since.toISOString(), until.toISOString()];
  }
  toolbar.append(moreButton);
  const data = await attempt(() => get(`/jobs/${enc(job.name)}/metrics${query({ since, until, points: 60 })}`));
  if (!data || signal.aborted) return;
  if (!data.points.length) { panel.append(h("p", { class: "empty" }, "No run of this job with stored samples started in this range.")); return; }
  const runs = data.points.reduce((n, p) => n + p.runs, 0);
  const minutes = Math.round(data.bucket_seconds / 60);
  panel.append(h("p", { class: "muted" },
    `${data.points.length} point${data.points.length === 1 ? "" : "s"} from ${runs} run${runs === 1 ? "" : "s"}, ${new Date(data.since).toLocaleString()} to ${new Date(data.until).toLocaleString()}: `
    + `each point is the mean of the latest runs (a few at most) started in its ${minutes ? `${minutes}-minute` : `${Math.round(data.bucket_seconds)}-second`} span.`),
  rangeGraphs(data, more));
}
