// A small Python highlighter: one pass of a regular expression over the source, each token
// a span with a class; everything else is text. Lines stay whole, for the line numbers.

import { h } from "./ui.js";

const KEYWORDS = new Set(("False None True and as assert async await break class continue def del elif else " +
  "except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case").split(" "));
const BUILTINS = new Set(("print len range str int float dict list set tuple bool open isinstance sum min max " +
  "sorted enumerate zip map filter any all abs repr type super object Exception ValueError KeyError spark sc").split(" "));

const TOKEN = new RegExp([
  String.raw`(?<comment>#[^\n]*)`,
  String.raw`(?<string>[rRbBfFuU]{0,2}(?:"""[\s\S]*?(?:"""|$(?![\s\S]))|'''[\s\S]*?(?:'''|$(?![\s\S]))|"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?))`,
  String.raw`(?<decorator>^[ \t]*@[\w.]+)`,
  String.raw`(?<number>\b(?:0[xXoObB][\da-fA-F_]+|\d[\d_]*(?:\.\d*)?(?:[eE][+-]?\d+)?j?)\b)`,
  String.raw`(?<word>\b[A-Za-z_]\w*\b)`,
].join("|"), "gm");

// [[class|null, text], ...] for the whole source.
export function tokens(source) {
  const out = [];
  let last = 0;
  let afterDef = false;
  for (const m of source.matchAll(TOKEN)) {
    if (m.index > last) out.push([null, source.slice(last, m.index)]);
    const g = m.groups;
    let cls = null;
    if (g.comment) cls = "tok-comment";
    else if (g.string) cls = "tok-string";
    else if (g.decorator) cls = "tok-decorator";
    else if (g.number) cls = "tok-number";
    else if (afterDef) cls = "tok-def";
    else if (KEYWORDS.has(g.word)) cls = "tok-keyword";
    else if (BUILTINS.has(g.word)) cls = "tok-builtin";
    afterDef = g.word === "def" || g.word === "class";
    out.push([cls, m[0]]);
    last = m.index + m[0].length;
  }
  if (last < source.length) out.push([null, source.slice(last)]);
  return out;
}

// The source as an ordered list of lines (the numbers come from CSS counters), tokens split
// at line ends; `mark` (1-based) is the line to point at, with `note` under it.
export function highlighted(source, mark = null, note = "") {
  const lines = [[]];
  for (const [cls, text] of tokens(source)) {
    text.split("\n").forEach((piece, i) => {
      if (i > 0) lines.push([]);
      if (piece) lines[lines.length - 1].push(cls ? h("span", { class: cls }, piece) : piece);
    });
  }
  return h("ol", { class: "code", "aria-label": "Script" }, lines.map((parts, i) => {
    const marked = i + 1 === mark;
    return h("li", { class: marked ? "marked" : null, "data-line": i + 1 },
      h("code", {}, parts.length ? parts : "\u200b"),
      marked && note ? h("div", { class: "line-note", role: "alert" }, note) : null);
  }));
}
