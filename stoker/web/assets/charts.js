// Line graphs in SVG, hand-drawn: a time axis, a value axis from 0, one polyline and its
// points per series, a legend; each point's <title> says its time and value.

import { h, s } from "./ui.js";

const W = 560;
const H = 220;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };

export function bytes(n) {
  if (n === null || n === undefined) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}
export const ratio = (v) => (v === null || v === undefined ? "—" : `${Math.round(v * 100)} %`);
export const count = (v) => String(v);

function ticks(max, n = 4) {
  return Array.from({ length: n + 1 }, (_, i) => (max * i) / n);
}

// series: [{name, points: [[ms, value|null], ...]}]; format: value → label. A run's graphs
// count seconds from its first sample; a time range's (span: [from ms, to ms]) show clock
// times across the whole range chosen, so where runs are missing shows as a gap.
export function lineChart(title, series, format, fixedMax = null, span = null) {
  const all = series.flatMap((se) => se.points.filter((p) => p[1] !== null && p[1] !== undefined));
  const figure = h("figure", { class: "chart" }, h("figcaption", {}, title));
  if (!all.length) {
    figure.append(h("p", { class: "muted" }, "No data points."));
    return figure;
  }
  const t0 = span ? span[0] : Math.min(...all.map((p) => p[0]));
  const t1 = span ? span[1] : Math.max(...all.map((p) => p[0]));
  const vmax = fixedMax ?? (Math.max(...all.map((p) => p[1])) || 1);
  const x = (t) => PAD.left + ((t - t0) / (t1 - t0 || 1)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - (v / vmax) * (H - PAD.top - PAD.bottom);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title, class: "chart-svg" });
  for (const v of ticks(vmax)) {
    svg.append(s("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: "grid" }),
      s("text", { x: PAD.left - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, format(v)));
  }
  const seconds = (t1 - t0) / 1000;
  const when = (t) => (span ? new Date(t).toLocaleString([], { dateStyle: "short", timeStyle: "short" }) : new Date(t).toLocaleTimeString());
  for (const frac of [0, 0.5, 1]) {
    svg.append(s("text", { x: PAD.left + frac * (W - PAD.left - PAD.right), y: H - 8, class: "axis", "text-anchor": frac === 0 ? "start" : frac === 1 ? "end" : "middle" },
      span ? when(t0 + frac * (t1 - t0)) : `${Math.round(seconds * frac)} s`));
  }
  const legend = h("ul", { class: "legend" });
  series.forEach((se, i) => {
    const pts = se.points.filter((p) => p[1] !== null && p[1] !== undefined);
    if (!pts.length) return;
    const g = s("g", { class: `series series-${i % 6}`, "data-series": se.name });
    g.append(s("polyline", { points: pts.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ") }));
    for (const p of pts) {
      g.append(s("circle", { cx: x(p[0]).toFixed(1), cy: y(p[1]).toFixed(1), r: 2.5, class: "point" },
        s("title", {}, `${se.name} at ${when(p[0])}: ${format(p[1])}`)));
    }
    svg.append(g);
    legend.append(h("li", { class: `series-${i % 6}` }, se.name));
  });
  figure.append(svg, legend);
  return figure;
}
