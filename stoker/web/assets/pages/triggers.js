// The Triggers page is not in the console yet: say so and point to the API and the CLI.

import { h, link } from "../ui.js";

export function triggersPage(main) {
  main.append(
    h("h1", {}, "Triggers"),
    h("p", {}, "The Triggers page is not built yet. A job's triggers are on its Details tab, and ",
      "Choose job triggers (on the Jobs list) adds a job to a trigger or creates one. For the rest, see ",
      h("a", { href: "/docs" }, "the API documentation"), " or the CLI (", h("code", {}, "stoker triggers list"), ")."),
    h("p", {}, link("/console/jobs", "Back to Jobs")));
}
