// The console's shell: routes under /console/ (history API, so every view has a URL that
// survives a reload and can be shared), the navigation, and the token prompt.

import { onTokenNeeded } from "./api.js";
import { h, modal } from "./ui.js";

const BASE = "/console";

// A view's module is imported when it is first shown, so the first view waits only for its
// own modules (the page preloads them all at once; none waits for another page's).
const lazy = (load, name) => async (...args) => (await load())[name](...args);
const jobsPage = lazy(() => import("./pages/jobs.js"), "jobsPage");
const jobFormPage = lazy(() => import("./pages/jobform.js"), "jobFormPage");
const jobPage = lazy(() => import("./pages/job.js"), "jobPage");
const logPage = lazy(() => import("./pages/logs.js"), "logPage");
const runsPage = lazy(() => import("./pages/runs.js"), "runsPage");
const triggersPage = lazy(() => import("./pages/triggers.js"), "triggersPage");
const sessionsPage = lazy(() => import("./pages/sessions.js"), "sessionsPage");

// [pattern, page, navigation section]; a page is (main, params, url, signal) => void.
const ROUTES = [
  [/^\/?$/, () => navigate(`${BASE}/jobs`, true), "jobs"],
  [/^\/jobs$/, jobsPage, "jobs"],
  [/^\/jobs\/new$/, jobFormPage, "jobs"],
  [/^\/jobs\/([^/]+)\/edit$/, jobFormPage, "jobs"],
  [/^\/jobs\/([^/]+)(?:\/(history|details|script|metrics))?$/, jobPage, "jobs"],
  [/^\/runs\/([^/]+)\/logs$/, logPage, "runs"],
  [/^\/runs$/, runsPage, "runs"],
  [/^\/triggers$/, triggersPage, "triggers"],
  [/^\/triggers\/(new)$/, triggersPage, "triggers"],
  [/^\/triggers\/([^/]+)\/edit$/, triggersPage, "triggers"],
  [/^\/sessions(?:\/([^/]+))?$/, sessionsPage, "sessions"],
];

let current = null;

export function navigate(url, replace = false) {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  render();
}

async function render() {
  current?.abort();
  current = new AbortController();
  const url = new URL(location.href);
  const path = decodeURI(url.pathname).slice(BASE.length);
  const main = document.getElementById("main");
  main.replaceChildren();
  // An error belongs to the view it happened on; a success notice outlives the move it caused.
  document.querySelectorAll("#notice .notice.error").forEach((n) => n.remove());
  const found = ROUTES.map(([re, page, nav]) => [path.match(re), page, nav]).find(([m]) => m);
  for (const a of document.querySelectorAll("[data-nav]")) {
    if (found && a.dataset.nav === found[2]) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (!found) {
    main.append(h("h1", {}, "Not found"), h("p", {}, "The console has no page here."));
    return;
  }
  const [match, page] = found;
  const params = match.slice(1).map((p) => (p === undefined ? p : decodeURIComponent(p)));
  const { signal } = current;
  await page(main, params, url, signal);
  // When the view's data is on screen: what bench/console_render.py measures.
  if (!signal.aborted) performance.mark("console:rendered");
}

function tokenPrompt(message) {
  return modal("Token needed", (close) => {
    const input = h("input", { type: "password", id: "token", name: "token", autocomplete: "off", required: true });
    const form = h("form", {
      onsubmit: (e) => { e.preventDefault(); if (input.value.trim()) close(input.value.trim()); },
    },
    h("p", { class: "muted" }, message),
    h("p", {}, "It is kept for this browser tab only (sessionStorage)."),
    h("div", { class: "field" }, h("label", { for: "token" }, "API token"), input),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, "Use token")));
    return form;
  }).then((value) => value ?? tokenPrompt(message));
}

document.addEventListener("click", (e) => {
  const a = e.target.closest("a[href]");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  // getAttribute: an SVG <a> (the runs-per-day bars) has no string .href.
  const url = new URL(a.getAttribute("href"), location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(`${BASE}/`)) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
  document.getElementById("main").focus({ preventScroll: true });
});
window.addEventListener("popstate", render);
onTokenNeeded(tokenPrompt);
render();
