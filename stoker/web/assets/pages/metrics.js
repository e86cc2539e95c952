// A run's stored Spark samples as Glue's graphs: ETL data movement and memory profile, and
// under "View additional metrics" shuffle, CPU load and job execution.

import { enc, get, query } from "../api.js";
import { attempt, h } from "../ui.js";
import { navigate } from "../app.js";
import { bytes, count, lineChart, ratio } from "../charts.js";

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

function executorSeries(samples, key) {
  const at = (s) => Date.parse(s.sampled_at);
  const driver = samples.map((s) => [at(s), s.executors.find((e) => e.executor_id === "driver")?.[key] ?? null]);
  const all = samples.map((s) => [at(s), mean(s.executors.filter((e) => e.executor_id !== "driver" && e[key] !== null).map((e) => e[key]))]);
  return [{ name: "driver", points: driver }, { name: "ALL executors", points: all }];
}

function graphs(samples, more) {
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

export async function metricsTab(panel, job, url, signal) {
  const runs = await attempt(() => get(`/runs${query({ job: job.name, limit: 50 })}`));
  if (!runs || signal.aborted) return;
  if (!runs.runs.length) { panel.append(h("p", { class: "empty" }, "No runs yet: metrics are stored per run.")); return; }
  const chosen = url.searchParams.get("run") || runs.runs[0].id;
  const more = url.searchParams.get("more") === "1";
  const here = (params) => `/console/jobs/${enc(job.name)}/metrics${query({ run: chosen, more: more ? "1" : "", ...params })}`;
  const picker = h("select", { id: "metrics-run", onchange: (e) => navigate(here({ run: e.target.value })) },
    runs.runs.map((r) => h("option", { value: r.id, selected: r.id === chosen }, `${r.id} — ${r.state} — ${new Date(r.started_on).toLocaleString()}`)));
  panel.append(h("div", { class: "toolbar" },
    h("label", { for: "metrics-run" }, "Run "), picker,
    h("button", { type: "button", "aria-pressed": String(more), onclick: () => navigate(here({ more: more ? "" : "1" })) },
      more ? "Fewer metrics" : "View additional metrics")));
  const data = await attempt(() => get(`/runs/${enc(chosen)}/metrics`));
  if (!data || signal.aborted) return;
  if (!data.samples.length) { panel.append(h("p", { class: "empty" }, "This run has no stored samples (python shell runs have none).")); return; }
  panel.append(h("p", { class: "muted" }, `${data.samples.length} samples${data.complete ? "" : " so far (the run is still going)"}.`), graphs(data.samples, more));
}
