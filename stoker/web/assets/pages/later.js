// Runs monitoring and Triggers are not in the console yet: say so and point to the API.

import { h, link } from "../ui.js";

export function laterPage(main, _params, url) {
  const what = url.pathname.endsWith("/triggers") ? "Triggers" : "Runs monitoring";
  main.append(
    h("h1", {}, what),
    h("p", {}, `The ${what} page is not built yet. The API has it all: see `,
      h("a", { href: "/docs" }, "the API documentation"), " or the CLI (",
      h("code", {}, what === "Triggers" ? "stoker triggers list" : "stoker runs list"), ")."),
    h("p", {}, link("/console/jobs", "Back to Jobs")));
}
