// Charts as inline SVG and plain elements: percentile bars, the RIASEC hexagon, a horizontal bar chart.
"use strict";

import { h } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
export const RIASEC = ["R", "I", "A", "S", "E", "C"];
export const RIASEC_NAMES = { R: "Realistic", I: "Investigative", A: "Artistic", S: "Social", E: "Enterprising", C: "Conventional" };

function svg(tag, attrs, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Rows of {id, name, percentile, level, note}: a labelled meter each (screen readers read the value). */
export function bars(scores, label) {
  const list = h("ul", { class: "bars", "aria-label": label });
  for (const s of scores) {
    const pct = Math.max(0, Math.min(100, Number(s.percentile) || 0));
    const fill = h("span", { class: "fill " + (s.level || "") });
    fill.style.width = pct + "%"; // CSSOM, allowed by the style-src 'self' policy
    const text = `${Math.round(pct)}th percentile${s.level ? ", " + s.level : ""}`;
    list.appendChild(h("li", { class: "bar", id: s.anchor || null },
      h("span", { class: "name" }, s.name),
      h("span", { class: "track", role: "meter", "aria-valuemin": 0, "aria-valuemax": 100,
        "aria-valuenow": Math.round(pct), "aria-valuetext": text, "aria-label": s.name }, fill),
      h("span", { class: "value" }, String(Math.round(pct))),
      s.note ? h("span", { class: "note" }, s.note) : null));
  }
  return list;
}

/** The RIASEC hexagon of {R: 0..100, ...}; its text alternative lists the scores. */
export function hexagon(scores, code) {
  const R = 90;
  const point = (i, r) => {
    const a = (Math.PI / 3) * i - Math.PI / 2;
    return [r * Math.cos(a), r * Math.sin(a)].map((v) => v.toFixed(1));
  };
  const described = RIASEC.map((l) => `${RIASEC_NAMES[l]} ${Math.round(scores[l] || 0)}`).join(", ");
  const root = svg("svg", { class: "hexagon", viewBox: "-130 -120 260 240", role: "img",
    "aria-label": `Interests hexagon${code ? " (Holland code " + code + ")" : ""}: ${described}` });
  for (const level of [0.25, 0.5, 0.75, 1]) {
    root.appendChild(svg("polygon", { class: "grid", points: RIASEC.map((_, i) => point(i, R * level).join(",")).join(" ") }));
  }
  root.appendChild(svg("polygon", { class: "score",
    points: RIASEC.map((l, i) => point(i, (R * (scores[l] || 0)) / 100).join(",")).join(" ") }));
  RIASEC.forEach((letter, i) => {
    const [x, y] = point(i, R + 16);
    root.appendChild(svg("text", { x, y }, letter + (letter in scores ? " " + Math.round(scores[letter]) : "")));
  });
  return root;
}

/** A horizontal bar chart of [{label, value}] (counts), as SVG with a title; a table follows for reading. */
export function barChart(rows, title) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const rowH = 30, labelW = 230, width = 520, maxChars = 28;
  const root = svg("svg", { class: "barchart", viewBox: `0 0 ${width} ${Math.max(rowH, rows.length * rowH)}`,
    role: "img", "aria-label": `${title}: ` + rows.map((r) => `${r.label} ${r.value}`).join(", ") });
  rows.forEach((r, i) => {
    const y = i * rowH;
    const short = r.label.length > maxChars ? r.label.slice(0, maxChars - 1) + "…" : r.label;
    const label = svg("text", { x: labelW - 8, y: y + rowH / 2, class: "label" }, short);
    if (short !== r.label) label.appendChild(svg("title", {}, r.label));
    root.appendChild(label);
    const w = ((width - labelW - 40) * r.value) / max;
    root.appendChild(svg("rect", { x: labelW, y: y + 5, width: Math.max(2, w).toFixed(1), height: rowH - 10, rx: 3 }));
    root.appendChild(svg("text", { x: labelW + w + 6, y: y + rowH / 2, class: "count" }, String(r.value)));
  });
  return root;
}
