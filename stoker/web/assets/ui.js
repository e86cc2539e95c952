// Small DOM helpers shared by the pages: elements, notices, dialogs, field errors, formats.

import { forgetToken } from "./api.js";

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

const SVG = "http://www.w3.org/2000/svg";
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  append(el, children);
  return el;
}

export function link(href, ...children) {
  return h("a", { href, "data-link": true }, ...children);
}

// One line at the top of the page saying what happened; errors stay until dismissed.
export function notice(message, kind = "info", ...extra) {
  const box = document.getElementById("notice");
  const item = h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" },
    h("span", {}, message), ...extra,
    h("button", { type: "button", class: "link", "aria-label": "Dismiss", onclick: () => item.remove() }, "×"));
  box.append(item);
  if (kind !== "error") setTimeout(() => item.remove(), 5000);
}

export function showError(err) {
  if (err.code === "AccessDenied") {
    // The token works but its role or job limits refuse this: say so, and offer another.
    const other = h("button", { type: "button", class: "link",
      onclick: () => { forgetToken(); location.reload(); } }, "Use another token");
    notice(`Not allowed: ${err.message}`, "error", " ", other);
    return;
  }
  notice(err.field ? `${err.message} (${err.field})` : err.message, "error");
}

// Runs `action`, showing the API's message if it fails; the returned promise never rejects.
export async function attempt(action) {
  try {
    return await action();
  } catch (err) {
    showError(err);
    return undefined;
  }
}

// A modal <dialog> whose body `build(close)` makes; resolves with what close() is given.
export function modal(title, build) {
  return new Promise((resolve) => {
    const dlg = h("dialog", { class: "modal", "aria-label": title });
    const close = (value) => { dlg.close(); dlg.remove(); resolve(value); };
    dlg.addEventListener("cancel", (e) => { e.preventDefault(); close(undefined); });
    dlg.append(h("h2", {}, title), build(close));
    document.body.append(dlg);
    dlg.showModal();
    const first = dlg.querySelector("input:not([disabled]), textarea, select, button.primary");
    first?.focus();
  });
}

export function confirmDialog(title, message, verb = "Confirm") {
  return modal(title, (close) => h("div", {},
    h("p", {}, message),
    h("div", { class: "buttons" },
      h("button", { type: "button", onclick: () => close(false) }, "Cancel"),
      h("button", { type: "button", class: "primary danger", onclick: () => close(true) }, verb))));
}

// Field errors beside the field: the API's `field` ("command.script_location",
// "default_arguments") matched to the input whose data-field is that or a prefix of it.
export function clearFieldErrors(form) {
  form.querySelectorAll(".field-error").forEach((e) => e.remove());
  form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
}

export function showFieldError(form, err) {
  clearFieldErrors(form);
  const fields = [...form.querySelectorAll("[data-field]")];
  const name = err.field || "";
  const target = fields.find((f) => f.dataset.field === name)
    || fields.find((f) => name.startsWith(`${f.dataset.field}.`) || name.startsWith(`${f.dataset.field}[`));
  if (!target) {
    form.prepend(h("p", { class: "field-error", role: "alert" }, err.message));
    return;
  }
  const id = `err-${Math.random().toString(36).slice(2)}`;
  const control = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
  control?.setAttribute("aria-invalid", "true");
  control?.setAttribute("aria-describedby", id);
  const message = h("p", { class: "field-error", id, role: "alert" }, err.message);
  const holder = target.closest(".field");
  if (holder) holder.append(message);
  else target.after(message);
  control?.focus();
}

// One formatter for every time shown: Date.toLocaleString builds a new one per call, which
// costs milliseconds each on a page of hundreds of times.
const LOCAL = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "medium" });

export function localTime(iso) {
  if (!iso) return "—";
  return h("time", { datetime: iso, title: iso }, LOCAL.format(new Date(iso)));
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const m = Math.floor(seconds / 60);
  const sec = seconds % 60;
  if (m >= 60) return `${Math.floor(m / 60)} h ${m % 60} min`;
  return m ? `${m} min ${sec} s` : `${sec} s`;
}

export const LIVE = new Set(["STARTING", "RUNNING", "STOPPING"]);
export const STATES = ["WAITING", "STARTING", "RUNNING", "STOPPING", "SUCCEEDED", "FAILED",
  "TIMEOUT", "STOPPED", "ERROR"];

export function stateBadge(state) {
  return h("span", { class: `state state-${(state || "none").toLowerCase()}` }, state || "never run");
}

export function spinner(text = "Loading…") {
  return h("p", { class: "muted", role: "status" }, text);
}
