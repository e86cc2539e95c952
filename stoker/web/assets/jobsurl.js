// The Jobs list's URL (its filters, sort and page) and the API call it makes: apart from
// the page so that early.js can send that call while the console's other modules load.

import { query } from "./api.js";

// The orders the API offers (GET /jobs?sort=…&desc=true).
export const SORT_KEYS = ["name", "last_modified", "last_run"];

export function filtersFrom(url) {
  const p = url.searchParams;
  return {
    name: p.get("name") || "", tag: p.get("tag") || "", last_state: p.get("last_state") || "",
    sort: SORT_KEYS.includes(p.get("sort")) ? p.get("sort") : "name", desc: p.get("desc") === "1",
    next_token: p.get("next_token") || "",
  };
}

export function urlOf(f) {
  return `/console/jobs${query({
    name: f.name, tag: f.tag, last_state: f.last_state,
    sort: f.sort === "name" ? "" : f.sort, desc: f.desc ? "1" : "", next_token: f.next_token,
  })}`;
}

export function apiPathOf(f) {
  return `/jobs${query({
    name: f.name, tag: f.tag, last_state: f.last_state, limit: 100,
    sort: f.sort === "name" ? "" : f.sort, desc: f.desc ? "true" : "", next_token: f.next_token,
  })}`;
}
