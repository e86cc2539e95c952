// A run's log (stdout or stderr) in the console, followed while the run goes on.

import { enc, followLog, get, query } from "../api.js";
import { attempt, h, link, stateBadge } from "../ui.js";

export async function logPage(main, [runId], url, signal) {
  const stream = url.searchParams.get("stream") === "stderr" ? "stderr" : "stdout";
  const run = await attempt(() => get(`/runs/${enc(runId)}`));
  if (!run || signal.aborted) return;
  const other = stream === "stdout" ? "stderr" : "stdout";
  const state = h("span", { class: "follow", "aria-live": "polite" }, "following…");
  const pre = h("pre", { class: "log", tabindex: "0", "aria-label": `${stream} of run ${runId}` });
  main.append(
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, link("/console/jobs", "Jobs"), " / ",
      link(`/console/jobs/${enc(run.job_name)}/history`, run.job_name), " / ", runId),
    h("div", { class: "title-row" }, h("h1", {}, stream === "stdout" ? "Logs" : "Error logs"),
      h("div", {}, stateBadge(run.state), " ", state, " ",
        link(`/console/runs/${enc(runId)}/logs${query({ stream: other })}`, other === "stdout" ? "Logs (stdout)" : "Error logs (stderr)"))),
    pre);
  const atBottom = () => window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
  const complete = await attempt(() => followLog(runId, stream, (text) => {
    const follow = atBottom();
    pre.append(text);
    if (follow) window.scrollTo(0, document.body.scrollHeight);
  }, signal));
  if (signal.aborted) return;
  state.textContent = complete ? "complete" : "stopped following";
  if (!pre.textContent) pre.append(h("span", { class: "muted" }, "(empty)"));
}
