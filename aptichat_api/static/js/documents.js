// A person's documents as readable pages: the personality profile (Big Five bars with percentiles and
// the RIASEC hexagon), thinking skills, careers and majors (fit and why); version history.
"use strict";

import { api } from "./api.js";
import { bars, hexagon, RIASEC, RIASEC_NAMES } from "./charts.js";
import { capitalised, failure, h, when, words } from "./dom.js";

export const DOCUMENT_TYPES = ["personality_profile", "thinking_skills", "career_recommendations", "major_recommendations"];
export const DOCUMENT_NAMES = {
  personality_profile: "Personality profile",
  thinking_skills: "Thinking skills",
  career_recommendations: "Careers",
  major_recommendations: "Majors",
};
const SCALES = {
  openness: "Openness to experience", conscientiousness: "Conscientiousness", extraversion: "Extraversion",
  agreeableness: "Agreeableness", neuroticism: "Emotional sensitivity",
};
const SKILLS = { verbal: "Verbal reasoning", numerical: "Numerical reasoning", spatial: "Spatial reasoning",
  logical: "Logical reasoning", memory: "Working memory" };

const section = (id, title, ...body) => h("section", { id, class: "doc-section", "aria-labelledby": id + "-h" },
  h("h3", { id: id + "-h" }, title), ...body);

function personality(c) {
  const tendencies = (c.tendencies || []).map((t) => ({
    name: SCALES[t.scale] || capitalised(words(t.scale)), percentile: t.percentile, level: t.level,
    anchor: "personality:" + t.scale }));
  const scores = (c.interests && c.interests.scores) || {};
  const code = c.interests && c.interests.holland_code;
  return [
    c.summary ? section("personality:overview", "Overview", h("p", {}, c.summary)) : null,
    section("personality:big-five", "Big Five personality (percentile among people your age)",
      bars(tendencies, "Big Five percentiles")),
    section("interests:holland_code", `Interests: Holland code ${code || "–"}`,
      hexagon(scores, code),
      h("ul", { class: "legend" }, RIASEC.filter((l) => l in scores).map((l) =>
        h("li", { id: "interests:" + l }, `${RIASEC_NAMES[l]} (${l}): ${Math.round(scores[l])}`)))),
  ];
}

function skills(c) {
  const rows = (c.skills || []).map((s) => ({
    name: SKILLS[s.skill] || capitalised(words(s.skill)), percentile: s.percentile, level: s.level,
    anchor: "skills:" + s.skill, note: s.total ? `${s.correct} of ${s.total} correct` : null }));
  return [section("skills:scores", "Thinking skills (percentile)", bars(rows, "Thinking skill percentiles"))];
}

function recommendations(c, prefix) {
  return [h("ol", { class: "recommendations" }, (c.items || []).map((item) => {
    const fit = Math.round((Number(item.fit_score) || 0) * 100);
    const meterFill = h("span", { class: "fill" });
    meterFill.style.width = fit + "%";
    return h("li", { id: `${prefix}:${item.code}`, class: "recommendation" },
      h("h3", {}, item.title),
      h("p", { class: "fit" }, h("span", { class: "track", role: "meter", "aria-valuemin": 0, "aria-valuemax": 100,
        "aria-valuenow": fit, "aria-label": `Fit for ${item.title}`, "aria-valuetext": `${fit}% fit` }, meterFill),
        ` ${fit}% fit`,
        item.matched_interests && item.matched_interests.length
          ? ` · interests ${item.matched_interests.join("")}` : ""),
      item.description ? h("p", {}, item.description) : null,
      item.reasons && item.reasons.length
        ? h("div", { class: "why" }, h("p", { class: "label" }, "Why it fits you"),
          h("ul", {}, item.reasons.map((r) => h("li", {}, r)))) : null,
      item.skills && item.skills.length ? h("p", { class: "muted" }, "Skills it uses: " + item.skills.join(", ")) : null);
  }))];
}

/** One document (GET /users/<id>/documents item) as an <article>. */
export function renderDocument(doc) {
  const c = doc.content || {};
  let body;
  if (doc.document_type === "personality_profile") body = personality(c);
  else if (doc.document_type === "thinking_skills") body = skills(c);
  else if (doc.document_type === "career_recommendations") body = recommendations(c, "careers");
  else if (doc.document_type === "major_recommendations") body = recommendations(c, "majors");
  else body = [h("pre", {}, doc.rendered_text || "")];
  const prefix = { personality_profile: "personality", thinking_skills: "skills", career_recommendations: "careers",
    major_recommendations: "majors" }[doc.document_type];
  return h("article", { class: "document", "data-type": doc.document_type, "data-section-prefix": prefix,
    "aria-labelledby": "doc-" + doc.document_type },
    h("h2", { id: "doc-" + doc.document_type }, doc.title || c.title || DOCUMENT_NAMES[doc.document_type]),
    h("p", { class: "muted" }, `Version ${doc.version}` + (doc.created_at ? ` · ${when(doc.created_at)}` : "")),
    body,
    h("details", { class: "fulltext" }, h("summary", {}, "The whole text"), h("pre", {}, doc.rendered_text || "")));
}

/** Links to each document type (a nav list). */
export function documentNav(base, current, available) {
  return h("nav", { class: "doc-nav", "aria-label": "Documents" }, h("ul", {},
    DOCUMENT_TYPES.filter((t) => !available || available.includes(t)).map((t) => h("li", {},
      h("a", { href: base + t, "data-link": "", "aria-current": t === current ? "page" : null }, DOCUMENT_NAMES[t])))));
}

/** A person's documents, or one type of them, into `into`; the section named by the URL's fragment is scrolled to. */
export async function showDocuments(into, userId, type, base) {
  const query = type ? `?type=${encodeURIComponent(type)}` : "";
  let docs;
  try {
    docs = (await api(`/users/${encodeURIComponent(userId)}/documents${query}`)).documents;
  } catch (e) {
    into.appendChild(failure("Your documents could not be loaded: " + e.message));
    return [];
  }
  if (!docs.length) {
    into.appendChild(h("p", { class: "muted" }, type ? "This document is not available." : "No documents yet."));
    return docs;
  }
  for (const doc of docs) into.appendChild(renderDocument(doc));
  // a cited section: its own element, else (an overview, a section drawn as part of a chart) its document
  const anchor = decodeURIComponent(location.hash.slice(1));
  const target = anchor && (document.getElementById(anchor) || into.querySelector(`article[data-section-prefix="${CSS.escape(anchor.split(":")[0])}"]`));
  if (target) {
    target.classList.add("cited");
    target.setAttribute("tabindex", "-1");
    target.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  }
  return docs;
}

const signed = (n) => (n > 0 ? "+" : "") + n;

/** What changed between two versions ({holland_code, scores, added, removed}) as list items. */
function changeItems(diff) {
  if (!diff) return [];
  const items = [];
  if (diff.holland_code) items.push(`Holland code: ${diff.holland_code[0] || "–"} → ${diff.holland_code[1] || "–"}`);
  for (const s of diff.scores || []) {
    if (s.before === null || s.before === undefined) items.push(`${s.name}: new, ${Math.round(s.after)}th percentile`);
    else if (s.after === null || s.after === undefined) items.push(`${s.name}: no longer measured`);
    else items.push(`${s.name}: ${Math.round(s.before)} → ${Math.round(s.after)} (${signed(s.delta)} percentile points)`);
  }
  for (const t of diff.added || []) items.push(`New in your top list: ${t}`);
  for (const t of diff.removed || []) items.push(`No longer in your top list: ${t}`);
  return items;
}

function changeList(diff, label) {
  const items = changeItems(diff);
  return items.length ? h("ul", { class: "changes", "aria-label": label }, items.map((t) => h("li", {}, t)))
    : h("p", { class: "muted" }, "Nothing changed that is worth showing.");
}

/** Version history with what changed (GET /users/<id>/documents/history). */
export async function showHistory(into, userId) {
  let body;
  try {
    body = await api(`/users/${encodeURIComponent(userId)}/documents/history`);
  } catch (e) {
    into.appendChild(failure("The history could not be loaded: " + e.message));
    return;
  }
  const groups = body.documents || [];
  if (!groups.length) {
    into.appendChild(h("p", { class: "muted" }, "No versions yet."));
    return;
  }
  const since = body.since_last_test || {};
  into.appendChild(h("section", { class: "card", id: "since-last-test", "aria-labelledby": "since-h" },
    h("h2", { id: "since-h" }, "What changed since your last test"),
    Object.keys(since).length
      ? Object.entries(since).map(([type, diff]) => h("div", {},
        h("h3", {}, DOCUMENT_NAMES[type] || capitalised(words(type))), changeList(diff, "Changes in " + (DOCUMENT_NAMES[type] || type))))
      : h("p", { class: "muted" }, "This is your first test: there is nothing to compare yet.")));
  for (const group of groups) {
    const name = DOCUMENT_NAMES[group.document_type] || capitalised(words(group.document_type));
    into.appendChild(h("section", { class: "card history", "aria-label": name },
      h("h2", {}, name),
      h("ol", { class: "versions", reversed: true }, (group.versions || []).map((v) => h("li", {},
        h("p", {}, h("strong", {}, `Version ${v.version}`), v.status === "current" ? " (current)" : "",
          v.created_at ? ` · ${when(v.created_at)}` : ""),
        v.changes ? changeList(v.changes, `Changes in version ${v.version}`) : h("p", { class: "muted" }, "First version."))))));
  }
}
