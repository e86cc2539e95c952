// The Jobs list's actions, also offered on a job's own page: run, stop, delete, bookmark,
// triggers. Each goes through the API and shows its message when refused.

import { ApiError, del, enc, get, post, put, query } from "../api.js";
import { LIVE, attempt, clearFieldErrors, confirmDialog, h, modal, notice, showFieldError } from "../ui.js";

function argumentRow(key = "", value = "", locked = false) {
  const row = h("div", { class: "arg-row" + (locked ? " locked" : "") },
    h("input", { "aria-label": "Argument name", class: "arg-key", value: key, disabled: locked, placeholder: "--name" }),
    h("input", { "aria-label": `Value of ${key || "argument"}`, class: "arg-value", value, disabled: locked }),
    locked ? h("span", { class: "lock", title: "Non-overridable: set by the job" }, "locked")
      : h("button", { type: "button", class: "link", "aria-label": "Remove argument", onclick: () => row.remove() }, "Remove"));
  row.dataset.original = locked ? "" : value;
  row.dataset.originalKey = locked ? "" : key;
  return row;
}

// Run job: the job's arguments editable for this run, the non-overridable ones locked.
// Only what the person changed or added is sent: unchanged defaults (masked secrets
// included) stay the job's own.
export function runDialog(job) {
  return modal(`Run job ${job.name}`, (close) => {
    const rows = h("div", { class: "args", "data-field": "arguments" },
      Object.entries(job.default_arguments).map(([k, v]) => argumentRow(k, v)),
      Object.entries(job.non_overridable_arguments).map(([k, v]) => argumentRow(k, v, true)));
    const form = h("form", {
      onsubmit: async (e) => {
        e.preventDefault();
        clearFieldErrors(form);
        const args = {};
        for (const row of rows.querySelectorAll(".arg-row:not(.locked)")) {
          const key = row.querySelector(".arg-key").value.trim();
          const value = row.querySelector(".arg-value").value;
          if (!key) continue;
          if (key !== row.dataset.originalKey || value !== row.dataset.original) args[key] = value;
        }
        try {
          const run = await post(`/jobs/${enc(job.name)}/runs`, { arguments: args });
          notice(`Started run ${run.id} of ${job.name}`);
          close(run);
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          showFieldError(form, err);
        }
      },
    },
    h("p", { class: "muted" }, "Arguments for this run overlay the job's defaults; locked ones cannot be changed."),
    rows,
    h("p", {}, h("button", { type: "button", onclick: () => rows.append(argumentRow()) }, "Add argument")),
    h("div", { class: "buttons" },
      h("button", { type: "button", onclick: () => close(undefined) }, "Cancel"),
      h("button", { type: "submit", class: "primary" }, "Run job")));
    return form;
  });
}

export async function stopRuns(names) {
  let stopped = 0;
  for (const name of names) {
    const page = await attempt(() => get(`/runs${query({ job: name, state: ["STARTING", "RUNNING"], limit: 100 })}`));
    for (const run of page?.runs ?? []) {
      if (!LIVE.has(run.state) || run.state === "STOPPING") continue;
      if (await attempt(() => post(`/runs/${enc(run.id)}/stop`))) stopped += 1;
    }
  }
  notice(stopped ? `Stopping ${stopped} run(s)` : "No STARTING or RUNNING run to stop");
}

export async function deleteJobs(names) {
  const sure = await confirmDialog("Delete jobs",
    `Delete ${names.join(", ")}? Their run history stays readable.`, "Delete");
  if (!sure) return false;
  for (const name of names) {
    if ((await attempt(() => del(`/jobs/${enc(name)}`))) === null) notice(`Deleted ${name}`);
  }
  return true;
}

// "3 (rewind, run jr_…)": the version, what wrote it and the run it holds the state after.
const current = (v) => (v ? `${v.version} (${v.action}${v.run_id ? `, run ${v.run_id}` : ""})` : "0");

// Reset job bookmark: to nothing, or rewind to the state right after a run committed.
export async function bookmarkDialog(job) {
  const history = await attempt(() => get(`/jobs/${enc(job.name)}/bookmark/history?limit=50`));
  if (!history) return;
  const commits = history.versions.filter((v) => v.action === "commit" && v.run_id);
  await modal(`Reset job bookmark: ${job.name}`, (close) => {
    const select = h("select", { id: "rewind", name: "rewind" },
      h("option", { value: "" }, "Reset: process everything again"),
      commits.map((v) => h("option", { value: v.run_id }, `Rewind to after run ${v.run_id} (version ${v.version})`)));
    const form = h("form", {
      onsubmit: async (e) => {
        e.preventDefault();
        const body = select.value ? { run_id: select.value } : {};
        const done = await attempt(() => post(`/jobs/${enc(job.name)}/bookmark/reset`, body));
        if (done) { notice(`Bookmark of ${job.name} is now version ${done.version} (${done.action})`); close(done); }
      },
    },
    h("p", { class: "muted bookmark-current" }, `Option: ${job.bookmark_option}. Current version: ${current(history.versions[0])}.`),
    h("div", { class: "field" }, h("label", { for: "rewind" }, "Bookmark"), select),
    h("div", { class: "buttons" },
      h("button", { type: "button", onclick: () => close(undefined) }, "Cancel"),
      h("button", { type: "submit", class: "primary danger" }, "Reset bookmark")));
    return form;
  });
}

// A TriggerOut as the TriggerIn that PUT /triggers/{name} takes (read-only fields dropped).
function triggerIn(t) {
  return {
    name: t.name, description: t.description, type: t.type, schedule: t.schedule,
    timezone: t.timezone, catch_up: t.catch_up, actions: t.actions, predicate: t.predicate,
    event: t.event, allow_cycles: t.allow_cycles,
  };
}

// Choose job triggers: add the job to an existing trigger's actions, or create a trigger.
export async function triggersDialog(job) {
  const page = await attempt(() => get("/triggers?limit=1000"));
  if (!page) return;
  const others = page.triggers.filter((t) => !t.actions.some((a) => a.job_name === job.name));
  await modal(`Choose job triggers: ${job.name}`, (close) => {
    const existing = h("select", { id: "trigger-existing", "data-field": "trigger" },
      h("option", { value: "" }, "— create a new trigger —"),
      others.map((t) => h("option", { value: t.name }, `${t.name} (${t.type})`)));
    const name = h("input", { id: "trigger-name", "data-field": "name", value: `${job.name}-trigger` });
    const type = h("select", { id: "trigger-type", "data-field": "type" },
      ["ON_DEMAND", "SCHEDULED"].map((v) => h("option", { value: v }, v)));
    const schedule = h("input", { id: "trigger-schedule", "data-field": "schedule", placeholder: "cron(0 12 * * ? *)" });
    const timezone = h("input", { id: "trigger-timezone", "data-field": "timezone", value: "UTC" });
    const preview = h("ul", { class: "preview", "aria-live": "polite" });
    let timer = null;
    const checkSchedule = () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        preview.replaceChildren();
        if (type.value !== "SCHEDULED" || !schedule.value.trim()) return;
        try {
          const next = await post("/triggers/preview", { schedule: schedule.value, timezone: timezone.value });
          preview.append(...next.next.map((t) => h("li", {}, new Date(t).toLocaleString())));
        } catch (err) {
          preview.append(h("li", { class: "field-error" }, err.message));
        }
      }, 300);
    };
    schedule.addEventListener("input", checkSchedule);
    timezone.addEventListener("input", checkSchedule);
    const newFields = h("fieldset", {}, h("legend", {}, "New trigger"),
      h("div", { class: "field" }, h("label", { for: "trigger-name" }, "Name"), name),
      h("div", { class: "field" }, h("label", { for: "trigger-type" }, "Type"), type),
      h("div", { class: "field" }, h("label", { for: "trigger-schedule" }, "Schedule (SCHEDULED)"), schedule, preview),
      h("div", { class: "field" }, h("label", { for: "trigger-timezone" }, "Time zone"), timezone));
    existing.addEventListener("change", () => { newFields.disabled = Boolean(existing.value); });
    const form = h("form", {
      onsubmit: async (e) => {
        e.preventDefault();
        clearFieldErrors(form);
        try {
          if (existing.value) {
            const t = others.find((o) => o.name === existing.value);
            const body = triggerIn(t);
            body.actions = [...t.actions, { job_name: job.name }];
            await put(`/triggers/${enc(t.name)}`, body);
            notice(`${job.name} added to trigger ${t.name}`);
          } else {
            const body = { name: name.value.trim(), type: type.value, timezone: timezone.value, actions: [{ job_name: job.name }] };
            if (type.value === "SCHEDULED") body.schedule = schedule.value;
            await post("/triggers", body);
            notice(`Trigger ${body.name} created`);
          }
          close(true);
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          showFieldError(form, err);
        }
      },
    },
    h("div", { class: "field" }, h("label", { for: "trigger-existing" }, "Add to trigger"), existing),
    newFields,
    h("div", { class: "buttons" },
      h("button", { type: "button", onclick: () => close(undefined) }, "Cancel"),
      h("button", { type: "submit", class: "primary" }, "Save")));
    return form;
  });
}
