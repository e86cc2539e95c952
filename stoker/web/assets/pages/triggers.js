// Triggers: the list with activate, deactivate, start and delete; a form for each type to
// create or edit one, a schedule checked as it is typed with its next five fire times
// previewed in the trigger's time zone.

import { ApiError, del, enc, get, post, put } from "../api.js";
import { STATES, attempt, clearFieldErrors, confirmDialog, h, link, localTime, notice, showFieldError, spinner } from "../ui.js";
import { navigate } from "../app.js";

const TYPES = ["SCHEDULED", "CONDITIONAL", "ON_DEMAND", "EVENT"];

function parameters(t) {
  if (t.type === "SCHEDULED") return `${t.schedule} (${t.timezone})`;
  if (t.type === "CONDITIONAL" && t.predicate) return t.predicate.conditions.map((c) => `${c.job_name} ${c.state}`).join(` ${t.predicate.logical} `);
  if (t.type === "EVENT" && t.event) return `topic ${t.event.topic}`;
  return "—";
}

// /console/triggers, /console/triggers/new (params ["new"]) and /console/triggers/NAME/edit.
export async function triggersPage(main, [name], url, signal) {
  if (name !== undefined) { await triggerForm(main, url.pathname.endsWith("/edit") ? name : null, signal); return; }
  main.append(h("div", { class: "title-row" }, h("h1", {}, "Triggers"), link("/console/triggers/new", h("span", { class: "button primary" }, "Add trigger"))), spinner());
  const page = await attempt(() => get("/triggers?limit=1000"));
  main.querySelector("[role=status]")?.remove();
  if (!page || signal.aborted) return;
  const reload = () => navigate("/console/triggers", true);
  const act = (t, verb) => async () => {
    if (await attempt(() => post(`/triggers/${enc(t.name)}/${verb}`))) { notice(`${t.name}: ${verb}`); reload(); }
  };
  const remove = (t) => async () => {
    if (!(await confirmDialog("Delete trigger", `Delete trigger ${t.name}?`, "Delete"))) return;
    if ((await attempt(() => del(`/triggers/${enc(t.name)}`))) === null) { notice(`Deleted ${t.name}`); reload(); }
  };
  main.append(page.triggers.length ? h("div", { class: "table-wrap" }, h("table", { class: "trigger-list" },
    h("thead", {}, h("tr", {}, ["Name", "Type", "Status", "Parameters", "Jobs to trigger", "Next fire", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, page.triggers.map((t) => h("tr", { "data-trigger": t.name },
      h("th", { scope: "row" }, link(`/console/triggers/${enc(t.name)}/edit`, t.name)),
      h("td", {}, t.type), h("td", {}, t.state), h("td", {}, parameters(t)),
      h("td", {}, t.actions.map((a, i) => [i ? ", " : "", link(`/console/jobs/${enc(a.job_name)}`, a.job_name)])),
      h("td", {}, localTime(t.next_fire_time)),
      h("td", { class: "row-actions" },
        t.type === "ON_DEMAND" ? h("button", { type: "button", class: "small", onclick: act(t, "start") }, "Start") : null,
        t.type !== "ON_DEMAND" && t.state !== "ACTIVATED" ? h("button", { type: "button", class: "small", onclick: act(t, "activate") }, "Activate") : null,
        t.state === "ACTIVATED" ? h("button", { type: "button", class: "small", onclick: act(t, "deactivate") }, "Deactivate") : null,
        h("button", { type: "button", class: "small danger", onclick: remove(t) }, "Delete")))))))
    : h("p", { class: "empty" }, "No triggers yet."));
}

function row(label, control, name, help) {
  control.id = `t-${name}`;
  control.name = name;
  control.dataset.field = name;
  return h("div", { class: "field", "data-for": name }, h("label", { for: control.id }, label), control, help ? h("p", { class: "help" }, help) : null);
}

// A checkbox's row: the box before its label.
function checkbox(field) {
  field.classList.add("check-field");
  field.prepend(field.querySelector("input"));
  return field;
}

// What the person typed, as the API takes it where it can be read: anything else is sent as
// typed, so the API's own message (and field) says what is wrong with it.
const whole = (text) => (/^\s*-?\d+\s*$/.test(text) ? Number(text) : text);
function json(text) {
  if (!text.trim()) return {};
  try { return JSON.parse(text); } catch { return text; }
}

// "job timeout=N delay=N --arg=value" a line, as the actions: the line is the whole action,
// its arguments included (a value with spaces or quotes is written as a JSON string; a
// masked secret comes back as **** and the API keeps its stored value).
const argText = ([k, v]) => `${k}=${/[\s"]/.test(v) || v === "" ? JSON.stringify(v) : v}`;
const actionText = (a) => [a.job_name, a.timeout ? `timeout=${a.timeout}` : "",
  a.notify_delay_after ? `delay=${a.notify_delay_after}` : "",
  ...Object.entries(a.arguments || {}).map(argText)].filter(Boolean).join(" ");
const TOKENS = /(?:[^\s"]+|"(?:[^"\\]|\\.)*")+/g;
function parseActions(text) {
  const out = [];
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const [job_name, ...rest] = line.match(TOKENS);
    const action = { job_name, arguments: {}, timeout: null, notify_delay_after: null };
    for (const part of rest) {
      const arg = part.match(/^(--[^=]+)=(.*)$/);
      const m = part.match(/^(timeout|delay)=(.*)$/);
      if (arg) {
        try { action.arguments[arg[1]] = arg[2].startsWith('"') ? JSON.parse(arg[2]) : arg[2]; }
        catch { return `${job_name}: ${arg[1]}'s value is not a valid "quoted string"`; }
      } else if (m) action[m[1] === "timeout" ? "timeout" : "notify_delay_after"] = whole(m[2]);
      else return `${job_name}: "${part}" is not timeout=MINUTES, delay=MINUTES or --arg=value`;
    }
    out.push(action);
  }
  return out;
}

// "job STATE" a line, as the predicate's conditions.
const conditionsText = (p) => (p?.conditions || []).map((c) => `${c.job_name} ${c.state}`).join("\n");
function parseConditions(text) {
  return text.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
    const [job_name, state = "SUCCEEDED"] = l.split(/\s+/);
    return { job_name, state };
  });
}

async function triggerForm(main, name, signal) {
  let t = null;
  if (name) {
    t = await attempt(() => get(`/triggers/${enc(name)}`));
    if (!t || signal.aborted) return;
  }
  const val = (v) => ({ value: v ?? "" });
  const type = h("select", {}, TYPES.map((v) => h("option", { value: v, selected: v === (t?.type ?? "SCHEDULED") }, v)));
  const schedule = h("input", { ...val(t?.schedule), placeholder: "cron(0 12 * * ? *), 0 12 * * *, rate(5 minutes)", autocomplete: "off" });
  const timezone = h("input", val(t?.timezone ?? "UTC"));
  const logical = h("select", {}, ["AND", "ANY"].map((v) => h("option", { value: v, selected: v === t?.predicate?.logical }, v)));
  const conditions = h("textarea", { rows: 3 }); conditions.value = conditionsText(t?.predicate);
  const topic = h("input", val(t?.event?.topic));
  const pattern = h("textarea", { rows: 3, spellcheck: "false", placeholder: '{"type": ["order"]}' });
  pattern.value = t?.event && Object.keys(t.event.pattern).length ? JSON.stringify(t.event.pattern) : "";
  const batchSize = h("input", { ...val(t?.event?.batch_size ?? 1), inputmode: "numeric" });
  const batchWindow = h("input", { ...val(t?.event?.batch_window ?? 900), inputmode: "numeric" });
  const catchUp = h("select", {}, ["NONE", "ONCE"].map((v) => h("option", { value: v, selected: v === (t?.catch_up ?? "NONE") }, v)));
  const allowCycles = h("input", { type: "checkbox", checked: Boolean(t?.allow_cycles) });
  const startNow = h("input", { type: "checkbox" });
  const actions = h("textarea", { rows: 3 }); actions.value = (t?.actions || []).map(actionText).join("\n");
  const preview = h("ol", { class: "preview", "aria-live": "polite", "aria-label": "Next fire times" });
  let timer = null;
  const check = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      preview.replaceChildren();
      if (!schedule.value.trim()) return;
      try {
        const next = await post("/triggers/preview", { schedule: schedule.value, timezone: timezone.value });
        const zone = timezone.value || "UTC";
        preview.append(...next.next.map((iso) => h("li", {}, `${new Date(iso).toLocaleString(undefined, { timeZone: zone })} (${zone})`)));
      } catch (err) {
        preview.append(h("li", { class: "field-error" }, err.message));
      }
    }, 250);
  };
  schedule.addEventListener("input", check);
  timezone.addEventListener("input", check);
  const sections = {
    SCHEDULED: [row("Schedule", schedule, "schedule", "Checked as you type; the next five fire times:"), preview, row("Time zone", timezone, "timezone"),
      row("Catch up", catchUp, "catch_up", "Fires missed while the daemon was down: NONE skips them, ONCE fires once for them all.")],
    CONDITIONAL: [row("Logical", logical, "predicate.logical"), row("Conditions (one \"job STATE\" a line)", conditions, "predicate", `States: ${STATES.filter((s) => ["SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED"].includes(s)).join(", ")}`),
      checkbox(row("Allow cycles", allowCycles, "allow_cycles", "Let this trigger start a job from its own completion (a loop)."))],
    EVENT: [row("Kafka topic", topic, "event"), row("Event pattern (JSON)", pattern, "event.pattern", "Events that match it count; empty: every event on the topic."),
      row("Batch size", batchSize, "event.batch_size", "Fire after this many events (1-100) ..."),
      row("Batch window (seconds)", batchWindow, "event.batch_window", "... or this many seconds (1-900) after the batch's first event.")],
    ON_DEMAND: [],
  };
  const typed = h("div", {});
  const showType = () => { typed.replaceChildren(...sections[type.value]); if (type.value === "SCHEDULED") check(); };
  type.addEventListener("change", showType);
  const nameInput = h("input", { ...val(t?.name), disabled: Boolean(t), autocomplete: "off" });
  const description = h("input", val(t?.description));
  const form = h("form", { class: "job-form", novalidate: true },
    row("Name", nameInput, "name"), row("Description", description, "description"), row("Type", type, "type"),
    typed, row("Jobs to start (one a line)", actions, "actions", "A job's name, then optionally timeout=MINUTES, delay=MINUTES (notify after) and its arguments (--key=value; \"quoted\" when the value has spaces) for the runs this trigger starts."),
    t ? null : checkbox(row("Activate on creation", startNow, "start_on_creation", "Not for ON_DEMAND triggers: they fire only when started.")),
    h("div", { class: "buttons" }, link("/console/triggers", "Cancel"), h("button", { type: "submit", class: "primary" }, t ? "Save trigger" : "Create trigger")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const parsed = parseActions(actions.value);
    if (typeof parsed === "string") { showFieldError(form, { field: "actions", message: parsed }); return; }
    const body = { description: description.value, type: type.value, timezone: timezone.value || "UTC", actions: parsed };
    if (type.value === "SCHEDULED") { body.schedule = schedule.value; body.catch_up = catchUp.value; }
    if (type.value === "CONDITIONAL") {
      body.predicate = { logical: logical.value, conditions: parseConditions(conditions.value) };
      body.allow_cycles = allowCycles.checked;
    }
    if (type.value === "EVENT") {
      body.event = { topic: topic.value, pattern: json(pattern.value), batch_size: whole(batchSize.value), batch_window: whole(batchWindow.value) };
    }
    try {
      if (t) await put(`/triggers/${enc(t.name)}`, body);
      else await post("/triggers", { ...body, name: nameInput.value.trim(), start_on_creation: startNow.checked });
      notice(`${t ? "Saved" : "Created"} trigger ${t ? t.name : nameInput.value.trim()}`);
      navigate("/console/triggers");
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      showFieldError(form, err);
    }
  });
  main.append(h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, link("/console/triggers", "Triggers"), " / ", t ? t.name : "new"),
    h("h1", {}, t ? `Edit trigger ${t.name}` : "Add trigger"), form);
  showType();
}
