// Add job → Generate a script (Glue's wizard): a source, a target, the column mapping the
// daemon infers from a sample (each column kept, renamed, retyped or dropped), then the job
// is created with its Glue-style script and opened in the script editor.

import { ApiError, enc, post } from "../api.js";
import { clearFieldErrors, h, link, notice, showFieldError } from "../ui.js";
import { navigate } from "../app.js";

const FORMATS = ["", "csv", "json", "parquet", "orc"];
const ENDPOINT_HELP = "catalog:DB.TABLE, connection:NAME/SCHEMA.TABLE or a path (s3://bucket/key, /dir)";

function field(label, name, control, help) {
  control.id = `g-${name.replace(/\W/g, "-")}`;
  control.name = name;
  control.dataset.field = name;
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control,
    help ? h("p", { class: "help" }, help) : null);
}

const input = (attrs = {}) => h("input", { autocomplete: "off", ...attrs });
const select = (options, value = "") => h("select", {}, options.map((o) => h("option", { value: o, selected: o === value }, o || "(guess)")));

// One editable row per source column: target name, target type, drop.
function mappingRow(m) {
  const row = h("tr", { "data-source": m.source, "data-source-type": m.source_type },
    h("td", {}, h("code", {}, m.source)), h("td", {}, m.source_type),
    h("td", {}, input({ value: m.target, "aria-label": `Target name of ${m.source}`, "data-role": "target" })),
    h("td", {}, input({ value: m.target_type, "aria-label": `Target type of ${m.source}`, "data-role": "type" })),
    h("td", {}, h("input", { type: "checkbox", "aria-label": `Drop ${m.source}`, "data-role": "drop" })));
  return row;
}

// The rows as the API's rules: src= drops, src:type=dst:type renames and/or retypes.
function rules(table) {
  const out = [];
  for (const row of table.querySelectorAll("tbody tr")) {
    const src = row.dataset.source;
    const pick = (role) => row.querySelector(`[data-role=${role}]`);
    if (pick("drop").checked) { out.push(`${src}=`); continue; }
    const dst = pick("target").value.trim() || src;
    const kind = pick("type").value.trim() || row.dataset.sourceType;
    if (dst !== src || kind !== row.dataset.sourceType) out.push(`${src}:${row.dataset.sourceType}=${dst}:${kind}`);
  }
  return out;
}

export function generateForm() {
  const mapping = h("table", { class: "mapping", hidden: true },
    h("thead", {}, h("tr", {}, ["Source column", "Type", "Target column", "Target type", "Drop"].map((t) => h("th", {}, t)))),
    h("tbody"));
  const preview = h("pre", { class: "script-preview", hidden: true });
  const create = h("button", { type: "submit", class: "primary", disabled: true }, "Create job");
  const form = h("form", { class: "job-form generate-form", novalidate: true },
    h("fieldset", {}, h("legend", {}, "Job"),
      field("Name", "name", input({ required: true })),
      field("Description", "description", input(), "Default: the source and the target"),
      field("Executor", "executor", select(["pool", "isolated"], "pool"))),
    h("fieldset", {}, h("legend", {}, "Source"),
      field("Source", "source", input({ required: true, placeholder: "catalog:sales.orders" }), ENDPOINT_HELP),
      field("Source format", "source_format", select(FORMATS), "A path's format; guessed from its file names")),
    h("fieldset", {}, h("legend", {}, "Target"),
      field("Target", "target", input({ required: true, placeholder: "s3://lake/orders/" }), ENDPOINT_HELP),
      field("Target format", "target_format", select(FORMATS.slice(1), "parquet")),
      field("Partition keys", "partition_keys", input({ placeholder: "year, month" }), "Comma-separated columns of a path target")),
    h("fieldset", { "data-field": "mappings" }, h("legend", {}, "Column mapping"),
      h("p", { class: "help" }, "Infer the source's columns from a sample, then rename, retype or drop each."),
      h("button", { type: "button", "data-role": "infer" }, "Infer columns"), mapping, preview),
    h("div", { class: "buttons" }, link("/console/jobs", "Cancel"), create));

  const v = (n) => form.elements.namedItem(n).value;
  const body = (dryRun) => ({
    name: v("name").trim(), description: v("description"), executor: v("executor"),
    source: v("source").trim(), source_format: v("source_format") || null,
    target: v("target").trim(), target_format: v("target_format"),
    partition_keys: v("partition_keys").split(",").map((k) => k.trim()).filter(Boolean),
    mappings: mapping.hidden ? [] : rules(mapping), dry_run: dryRun,
  });
  const send = async (dryRun) => {
    clearFieldErrors(form);
    try {
      return await post("/jobs/generate", body(dryRun));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      showFieldError(form, err);
      return null;
    }
  };

  // A new source or target means new columns: infer again before creating.
  for (const name of ["source", "source_format", "target"]) {
    form.elements.namedItem(name).addEventListener("change", () => {
      mapping.hidden = true;
      preview.hidden = true;
      create.disabled = true;
    });
  }
  form.querySelector("[data-role=infer]").addEventListener("click", async () => {
    mapping.hidden = true;
    const found = await send(true);
    if (!found) return;
    mapping.tBodies[0].replaceChildren(...found.mappings.map(mappingRow));
    mapping.hidden = false;
    preview.textContent = found.script;
    preview.hidden = false;
    create.disabled = false;
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const made = await send(false);
    if (!made) return;
    notice(`Created job ${made.job.name} with a generated script`);
    navigate(`/console/jobs/${enc(made.job.name)}/script?edit=1`);
  });
  return form;
}
