// Runs before the rest of the console is in (it needs two small modules, app.js needs them
// all): the Jobs list's API call is sent now and answered while the other modules load,
// instead of after them. api.js's get() hands its answer to the view that asks for it.

import { prefetch } from "./api.js";
import { apiPathOf, filtersFrom } from "./jobsurl.js";

const url = new URL(location.href);
if (/^\/console\/(jobs\/?)?$/.test(url.pathname)) prefetch(apiPathOf(filtersFrom(url)));
