// The Jobs list: Glue's columns and more, filters, sort and the page token in the URL (a
// filtered, sorted view survives a reload and can be shared; the API applies them all), and
// the actions on the selected jobs.

import { enc, get } from "../api.js";
import { STATES, attempt, h, link, localTime, spinner, stateBadge } from "../ui.js";
import { navigate } from "../app.js";
import { bookmarkDialog, deleteJobs, runDialog, stopRuns, triggersDialog } from "./actions.js";
import { apiPathOf, filtersFrom, urlOf } from "../jobsurl.js";
import { openSessionDialog } from "./sessions.js";

function recentDots(recent) {
  if (!recent?.length) return h("span", { class: "muted" }, "—");
  return h("span", { class: "dots", "aria-label": `Recent runs, newest first: ${recent.join(", ")}` },
    recent.slice(0, 10).map((s) => h("span", { class: `dot state-${s.toLowerCase()}`, title: s })));
}

export async function jobsPage(main, _params, url, signal) {
  const f = filtersFrom(url);
  main.append(h("h1", {}, "Jobs"), spinner());
  const page = await attempt(() => get(apiPathOf(f)));
  if (signal.aborted) return;
  main.querySelector("[role=status]")?.remove();
  if (!page) return;
  const jobs = page.jobs;
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const selected = () => [...main.querySelectorAll("input.pick:checked")].map((c) => byName.get(c.value));
  const reload = () => navigate(urlOf(f), true);

  const one = (action) => async () => { const [job] = selected(); if (job) { await action(job); reload(); } };
  const buttons = {
    run: h("button", { type: "button", class: "primary", onclick: one(runDialog) }, "Run job"),
    stop: h("button", { type: "button", onclick: async () => { await stopRuns(selected().map((j) => j.name)); reload(); } }, "Stop job run"),
    triggers: h("button", { type: "button", onclick: one(triggersDialog) }, "Choose job triggers"),
    edit: h("button", { type: "button", onclick: () => navigate(`/console/jobs/${enc(selected()[0].name)}/edit`) }, "Edit job"),
    script: h("button", { type: "button", onclick: () => navigate(`/console/jobs/${enc(selected()[0].name)}/script?edit=1`) }, "Edit script"),
    bookmark: h("button", { type: "button", onclick: one(bookmarkDialog) }, "Reset job bookmark"),
    endpoint: h("button", { type: "button", onclick: () => openSessionDialog(selected()[0].name) }, "Create development endpoint"),
    delete: h("button", { type: "button", class: "danger", onclick: async () => { if (await deleteJobs(selected().map((j) => j.name))) reload(); } }, "Delete"),
  };
  const single = ["run", "triggers", "edit", "script", "bookmark", "endpoint"];
  const refresh = () => {
    const n = selected().length;
    for (const [k, b] of Object.entries(buttons)) b.disabled = single.includes(k) ? n !== 1 : n === 0;
    all.checked = n > 0 && n === jobs.length;
  };
  const all = h("input", { type: "checkbox", "aria-label": "Select all jobs", onchange: () => {
    main.querySelectorAll("input.pick").forEach((c) => { c.checked = all.checked; });
    refresh();
  } });

  const filterForm = h("form", { class: "filters", role: "search", onsubmit: (e) => {
    e.preventDefault();
    const d = new FormData(e.target);
    navigate(urlOf({ ...f, name: d.get("name").trim(), tag: d.get("tag").trim(), last_state: d.get("last_state"), next_token: "" }));
  } },
  h("label", {}, "Name ", h("input", { name: "name", type: "search", value: f.name })),
  h("label", {}, "Tag ", h("input", { name: "tag", value: f.tag, placeholder: "key or key=value" })),
  h("label", {}, "Last run ", h("select", { name: "last_state" }, h("option", { value: "" }, "any"),
    STATES.map((s) => h("option", { value: s, selected: s === f.last_state }, s)))),
  h("button", { type: "submit" }, "Filter"),
  (f.name || f.tag || f.last_state) ? link("/console/jobs", "Clear") : null);

  const sortHeader = (label, name) => {
    if (!name) return h("th", { scope: "col" }, label);
    const on = f.sort === name;
    return h("th", { scope: "col", "aria-sort": on ? (f.desc ? "descending" : "ascending") : "none" },
      // Another order starts from its first page: a page token belongs to its order.
      link(urlOf({ ...f, sort: name, desc: on && !f.desc, next_token: "" }), label, on ? (f.desc ? " ▼" : " ▲") : ""));
  };
  const rows = jobs.map((j) => h("tr", {},
    h("td", {}, h("input", { type: "checkbox", class: "pick", value: j.name, "aria-label": `Select ${j.name}`, onchange: refresh })),
    h("th", { scope: "row" }, link(`/console/jobs/${enc(j.name)}`, j.name),
      j.load_error ? h("span", { class: "state state-error", title: j.load_error }, "load error") : null),
    h("td", {}, j.command.name), h("td", {}, j.executor),
    h("td", { class: "path" }, j.command.script_location),
    h("td", {}, localTime(j.last_modified_on)),
    h("td", {}, j.bookmark_option.replace("job-bookmark-", "")),
    h("td", {}, j.last_run ? [stateBadge(j.last_run.state), " ", localTime(j.last_run.started_on)] : h("span", { class: "muted" }, "never run")),
    h("td", {}, recentDots(j.recent))));

  main.append(
    h("div", { class: "toolbar" }, h("div", { class: "actions", role: "toolbar", "aria-label": "Actions on selected jobs" },
      ...Object.values(buttons)), link("/console/jobs/new", h("span", { class: "button primary" }, "Add job"))),
    filterForm,
    jobs.length ? h("div", { class: "table-wrap" }, h("table", { class: "jobs" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, all), sortHeader("Name", "name"), sortHeader("Type"),
        sortHeader("Executor"), sortHeader("Script location"), sortHeader("Last modified", "last_modified"),
        sortHeader("Bookmark"), sortHeader("Last run", "last_run"), sortHeader("Recent"))),
      h("tbody", {}, rows)))
      : h("p", { class: "empty" }, f.name || f.tag || f.last_state ? "No job matches these filters."
        : ["No jobs yet. ", link("/console/jobs/new", "Add job")]),
    h("nav", { class: "pager", "aria-label": "Pages" },
      f.next_token ? link(urlOf({ ...f, next_token: "" }), "First page") : null,
      page.next_token ? link(urlOf({ ...f, next_token: page.next_token }), "Next page") : null));
  refresh();
}
