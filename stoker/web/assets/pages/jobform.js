// Add job / Edit job: one form with every field of a job; the API validates it, and its
// error is shown beside the field it names.

import { ApiError, enc, get, post, put } from "../api.js";
import { attempt, clearFieldErrors, h, link, notice, showFieldError, spinner } from "../ui.js";
import { navigate } from "../app.js";
import { generateForm } from "./jobgenerate.js";

const EXAMPLE = `import sys

from stoker.job import get_resolved_options

args = get_resolved_options(sys.argv, [])
print(f"rows: {spark.range(5).count()}")
`;

// A map field as "key=value" lines (the same shape as the CLI's --arg).
function mapText(map) {
  return Object.entries(map || {}).map(([k, v]) => `${k}=${v}`).join("\n");
}

function parseMap(text, field) {
  const out = {};
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line) continue;
    const at = line.indexOf("=");
    if (at <= 0) throw new ApiError(400, { code: "InvalidInput", field, message: `line ${i + 1}: write key=value` });
    out[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return out;
}

function field(label, name, control, help) {
  control.id = `f-${name.replace(/\W/g, "-")}`;
  control.name = name;
  control.dataset.field = name;
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control,
    help ? h("p", { class: "help" }, help) : null);
}

const input = (value, attrs = {}) => h("input", { value: value ?? "", ...attrs });
const number = (value, attrs = {}) => input(value, { type: "number", inputmode: "numeric", ...attrs });
const select = (value, options) => h("select", {}, options.map((o) => h("option", { value: o, selected: o === value }, o)));
const area = (value, rows = 3) => { const t = h("textarea", { rows, spellcheck: "false" }); t.value = value ?? ""; return t; };
const intOrNull = (v) => (v.trim() === "" ? null : Number(v));
// Digits are days and "never" is never; anything else goes as typed, for the daemon to refuse by name.
const retentionOrNull = (v) => (v.trim() === "" ? null : /^\d+$/.test(v.trim()) ? Number(v.trim()) : v.trim());

// Add job offers Glue's two starts: write the script, or generate one from a source,
// a target and a column mapping (?generate=1 opens the second).
function addJobChoice(main, form, url) {
  const generated = generateForm();
  const pick = (generate) => {
    write.setAttribute("aria-pressed", String(!generate));
    gen.setAttribute("aria-pressed", String(generate));
    (generate ? form : generated).replaceWith(generate ? generated : form);
  };
  const write = h("button", { type: "button", "aria-pressed": "true", onclick: () => pick(false) }, "Write a script");
  const gen = h("button", { type: "button", "aria-pressed": "false", onclick: () => pick(true) }, "Generate a script");
  main.append(h("h1", {}, "Add job"), h("div", { class: "toolbar", role: "group", "aria-label": "How to start" }, write, gen), form);
  if (url?.searchParams?.get("generate")) pick(true);
}

export async function jobFormPage(main, [editName], url, signal) {
  let job = null;
  if (editName) {
    main.append(spinner());
    job = await attempt(() => get(`/jobs/${enc(editName)}`));
    main.replaceChildren();
    if (!job || signal.aborted) return;
  }
  const r = job?.resources ?? {};
  const scriptBox = area(job ? "" : EXAMPLE, 10);
  const form = h("form", { class: "job-form", novalidate: true },
    h("fieldset", {}, h("legend", {}, "Job"),
      field("Name", "name", input(job?.name, { disabled: Boolean(job), required: true, autocomplete: "off" })),
      field("Description", "description", input(job?.description)),
      field("Type", "command.name", select(job?.command.name ?? "glueetl", ["glueetl", "pythonshell"])),
      field("Python version", "command.python_version", input(job?.command.python_version ?? "3")),
      field("Executor", "executor", select(job?.executor ?? "pool", ["pool", "isolated"]), "pool: a warm Spark driver; isolated: its own spark-submit"),
      field("Role", "role", input(job?.role ?? "", { autocomplete: "off" }), "the role whose credentials its runs receive (stoker roles)"),
      field("Security configuration", "security_configuration", input(job?.security_configuration ?? "", { autocomplete: "off" }), "encrypts its runs' logs (stoker security-configurations)")),
    h("fieldset", {}, h("legend", {}, "Script"),
      field("Script location", "command.script_location", input(job?.command.script_location, { placeholder: "a path under the allowed script roots" }),
        job ? "Edit the script itself on the job's Script tab." : "Or leave it empty and write the script below."),
      job ? null : field("Script", "script", scriptBox)),
    h("fieldset", {}, h("legend", {}, "Arguments (one key=value a line, keys like --name)"),
      field("Default arguments", "default_arguments", area(mapText(job?.default_arguments)), "--job-bookmark-option=job-bookmark-enable turns bookmarks on"),
      field("Non-overridable arguments", "non_overridable_arguments", area(mapText(job?.non_overridable_arguments)))),
    h("fieldset", {}, h("legend", {}, "Runs"),
      field("Maximum concurrent runs", "max_concurrent_runs", number(job?.max_concurrent_runs ?? 1, { min: 1 })),
      field("Queue runs over the limit", "job_run_queuing_enabled", select(String(job?.job_run_queuing_enabled ?? true), ["true", "false"])),
      field("Maximum retries", "max_retries", number(job?.max_retries ?? 0, { min: 0 })),
      field("Timeout (minutes)", "timeout", number(job?.timeout ?? 2880, { min: 1 })),
      field("Delay notification after (minutes)", "notify_delay_after", number(job?.notify_delay_after, { min: 1 })),
      field("Log retention (days)", "log_retention_days", input(job?.log_retention_days == null ? "" : String(job.log_retention_days), { placeholder: "daemon default" }),
        "days its ended runs' logs, metrics and event payloads are kept, or never; empty: the daemon's default")),
    h("fieldset", {}, h("legend", {}, "Spark"),
      field("Driver memory", "resources.driver_memory", input(r.driver_memory, { placeholder: "2g" })),
      field("Driver cores", "resources.driver_cores", number(r.driver_cores)),
      field("Executor memory", "resources.executor_memory", input(r.executor_memory, { placeholder: "4g" })),
      field("Executor cores", "resources.executor_cores", number(r.executor_cores)),
      field("Number of executors", "resources.num_executors", number(r.num_executors)),
      field("Spark configuration", "spark_conf", area(mapText(job?.spark_conf)))),
    h("fieldset", {}, h("legend", {}, "Tags"), field("Tags", "tags", area(mapText(job?.tags), 2))),
    h("div", { class: "buttons" },
      link(job ? `/console/jobs/${enc(job.name)}/details` : "/console/jobs", "Cancel"),
      h("button", { type: "submit", class: "primary" }, job ? "Save job" : "Create job")));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const v = (n) => form.elements.namedItem(n).value;
    try {
      const body = {
        description: v("description"),
        command: { name: v("command.name"), python_version: v("command.python_version") },
        default_arguments: parseMap(v("default_arguments"), "default_arguments"),
        non_overridable_arguments: parseMap(v("non_overridable_arguments"), "non_overridable_arguments"),
        max_concurrent_runs: Number(v("max_concurrent_runs")),
        job_run_queuing_enabled: v("job_run_queuing_enabled") === "true",
        max_retries: Number(v("max_retries")),
        timeout: Number(v("timeout")),
        notify_delay_after: intOrNull(v("notify_delay_after")),
        log_retention_days: retentionOrNull(v("log_retention_days")),
        resources: {
          driver_memory: v("resources.driver_memory") || null, driver_cores: intOrNull(v("resources.driver_cores")),
          executor_memory: v("resources.executor_memory") || null, executor_cores: intOrNull(v("resources.executor_cores")),
          num_executors: intOrNull(v("resources.num_executors")),
        },
        spark_conf: parseMap(v("spark_conf"), "spark_conf"),
        tags: parseMap(v("tags"), "tags"),
        executor: v("executor"),
        role: v("role").trim() || null,
        security_configuration: v("security_configuration").trim() || null,
      };
      const location = v("command.script_location").trim();
      if (location) body.command.script_location = location;
      let saved;
      if (job) {
        saved = await put(`/jobs/${enc(job.name)}`, body);
      } else {
        body.name = v("name").trim();
        if (!location) body.script = v("script");
        saved = await post("/jobs", body);
      }
      notice(`${job ? "Saved" : "Created"} job ${saved.name}`);
      navigate(`/console/jobs/${enc(saved.name)}/details`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      showFieldError(form, err);
    }
  });
  if (job) main.append(h("h1", {}, `Edit job ${job.name}`), form);
  else addJobChoice(main, form, url);
}
