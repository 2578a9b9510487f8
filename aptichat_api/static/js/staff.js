// Staff pages. A counsellor: their students (state, documents and, when the student shares them,
// conversations) and the cohort view (Holland codes, top careers and majors, who needs attention,
// CSV). An administrator: which students each counsellor has.
"use strict";

import { api, raw, session } from "./api.js";
import { barChart, RIASEC_NAMES } from "./charts.js";
import { showDocuments } from "./documents.js";
import { announce, failure, h, when, words } from "./dom.js";
import { stateCard } from "./home.js";

const REASONS = { rejected: "test rejected", failed: "processing failed", safety_flag: "a conversation was flagged for review" };
const studentHref = (id) => "/counsellor?student=" + encodeURIComponent(id);

function nameOf(s) {
  return s.display_name || s.user_id;
}

export async function studentsPage(root) {
  root.append(h("h1", { tabindex: "-1" }, "Your students"),
    h("p", {}, h("a", { href: "/counsellor?view=cohort", "data-link": "" }, "Cohort overview")));
  let body;
  try {
    body = await api("/counsellor/students");
  } catch (e) {
    root.append(failure("Your students could not be loaded: " + e.message));
    return;
  }
  const students = body.students || [];
  if (!students.length) {
    root.append(h("p", { class: "muted" }, "No students are assigned to you yet."));
    return;
  }
  root.append(h("div", { class: "table-wrap" }, h("table", { id: "students" },
    h("caption", { class: "visually-hidden" }, "Your students and where their results stand"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Student"), h("th", { scope: "col" }, "Results"),
      h("th", { scope: "col" }, "Holland code"), h("th", { scope: "col" }, "Flagged"),
      h("th", { scope: "col" }, "Shares conversations"))),
    h("tbody", {}, students.map((s) => {
      const state = typeof s.state === "object" && s.state ? s.state.state : s.state;
      return h("tr", { "data-user": s.user_id },
        h("th", { scope: "row" }, h("a", { href: studentHref(s.user_id), "data-link": "" }, nameOf(s))),
        h("td", {}, h("span", { class: "pill state-" + (state || "unknown") }, words(state || "unknown"))),
        h("td", {}, s.holland_code || "–"),
        h("td", {}, s.safety_flags ? String(s.safety_flags) : "–"),
        h("td", {}, s.share_conversations ? "yes" : "no"));
    })))));
}

// A student's conversations, read by staff with ?user_id= (a counsellor only when the student shares them).
async function sharedConversations(userId) {
  return (await api(`/chat/conversations?user_id=${encodeURIComponent(userId)}`)).conversations || [];
}

async function conversationMessages(userId, conversationId) {
  const body = await api(`/chat/history?user_id=${encodeURIComponent(userId)}` +
    `&conversation_id=${encodeURIComponent(conversationId)}&limit=100`);
  return body.messages || [];
}

export async function studentPage(root, userId, conversationId) {
  const heading = h("h1", { tabindex: "-1" }, "Student " + userId);
  root.append(h("p", {}, h("a", { href: "/counsellor", "data-link": "" }, "← All students")), heading);
  const id = encodeURIComponent(userId);
  try {
    const status = await api(`/users/${id}/status`);
    let gaps = null;
    if (status.has_results) {
      try {
        const profile = await api(`/users/${id}/profile`);
        gaps = profile.gaps;
        if (profile.display_name) heading.textContent = profile.display_name;
      } catch (e) { /* state card only */ }
    }
    root.append(stateCard(status, gaps, true));
  } catch (e) {
    root.append(failure("This student could not be loaded: " + e.message));
    return;
  }
  const convos = h("section", { class: "card", id: "shared-conversations", "aria-labelledby": "shared-h" },
    h("h2", { id: "shared-h" }, "Conversations"));
  root.append(convos);
  try {
    const list = await sharedConversations(userId);
    if (!list.length) convos.append(h("p", { class: "muted" }, "No conversations yet."));
    else {
      convos.append(h("ul", {}, list.map((c) => h("li", {}, h("a", {
        href: studentHref(userId) + "&c=" + encodeURIComponent(c.conversation_id), "data-link": "",
        "aria-current": c.conversation_id === conversationId ? "page" : null },
      c.title || "Conversation of " + when(c.created_at)), ` · ${c.message_count ?? "?"} messages`))));
    }
    if (conversationId) {
      const messages = await conversationMessages(userId, conversationId);
      convos.append(h("ol", { class: "transcript", id: "transcript", "aria-label": "Transcript" }, messages.map((m) =>
        h("li", { class: m.role }, h("strong", {}, m.role === "user" ? "Student: " : "Advisor: "), m.text))));
    }
  } catch (e) {
    convos.append(h("p", { class: "muted", id: "not-shared" }, e.status === 403 ? "This student does not share their conversations."
      : "Conversations could not be loaded: " + e.message));
  }
  const docs = h("div", { id: "student-documents" });
  root.append(h("h2", {}, "Documents"), docs);
  await showDocuments(docs, userId, null);
}

function countRows(value) {
  if (Array.isArray(value)) {
    return value.map((r) => ({ label: String(r.key ?? r.code ?? r.title ?? r.label ?? r.name), value: Number(r.count ?? r.value ?? 0) }));
  }
  return Object.entries(value || {}).map(([label, count]) => ({ label, value: Number(count) }));
}

export async function cohortPage(root) {
  root.append(h("p", {}, h("a", { href: "/counsellor", "data-link": "" }, "← All students")),
    h("h1", { tabindex: "-1" }, "Cohort overview"));
  let c;
  try {
    c = await api("/counsellor/cohort");
  } catch (e) {
    root.append(failure("The cohort could not be loaded: " + e.message));
    return;
  }
  const csv = h("a", { href: "/counsellor/cohort.csv", id: "cohort-csv", download: "cohort.csv", class: "button" }, "Download CSV");
  if (session.mode === "bearer") {
    // a plain link would not carry the bearer token: fetch the file and hand the browser a blob
    csv.addEventListener("click", async (ev) => {
      ev.preventDefault();
      const response = await raw("/counsellor/cohort.csv");
      const url = URL.createObjectURL(await response.blob());
      const a = h("a", { href: url, download: "cohort.csv" });
      document.body.appendChild(a);
      a.click();
      a.remove();
      URL.revokeObjectURL(url);
    });
  }
  root.append(h("p", {}, `${c.students ?? c.total ?? "–"} students. `, csv));
  const chart = (id, title, rows) => h("section", { class: "card", id, "aria-labelledby": id + "-h" },
    h("h2", { id: id + "-h" }, title),
    rows.length ? barChart(rows.slice(0, 10), title) : h("p", { class: "muted" }, "Nothing yet."));
  root.append(h("div", { class: "cohort-grid" },
    chart("holland-letters", "Strongest interest (first letter of the Holland code)",
      countRows(c.holland_letters).map((r) => ({ ...r, label: RIASEC_NAMES[r.label] ? `${r.label} · ${RIASEC_NAMES[r.label]}` : r.label }))),
    chart("holland-codes", "Holland codes", countRows(c.holland_codes)),
    chart("states", "Where results stand", countRows(c.states)),
    chart("top-careers", "Most common top careers", countRows(c.top_careers)),
    chart("top-majors", "Most common top majors", countRows(c.top_majors))));
  const attention = c.needs_attention || c.attention || [];
  root.append(h("section", { class: "card", id: "attention", "aria-labelledby": "attention-h" },
    h("h2", { id: "attention-h" }, "Students needing attention"),
    attention.length ? h("ul", {}, attention.map((a) => h("li", {},
      h("a", { href: studentHref(a.user_id), "data-link": "" }, a.display_name || a.user_id),
      " – ", (a.reasons || [a.reason]).filter(Boolean).map((r) => REASONS[r] || words(r)).join(", ")))) : h("p", { class: "muted" }, "Nobody right now.")));
}

export async function assignmentsPage(root) {
  root.append(h("h1", { tabindex: "-1" }, "Counsellors and their students"));
  let body;
  try {
    body = await api("/admin/counsellors");
  } catch (e) {
    root.append(failure("The counsellors could not be loaded: " + e.message));
    return;
  }
  const counsellors = body.counsellors || [];
  if (!counsellors.length) root.append(h("p", { class: "muted" }, "No counsellors yet."));
  for (const c of counsellors) {
    const fieldId = "students-" + c.staff_id;
    const ids = (c.students || c.user_ids || []).map((s) => (typeof s === "string" ? s : s.user_id));
    const area = h("textarea", { id: fieldId, rows: 4, "aria-describedby": fieldId + "-hint" }, ids.join("\n"));
    const status = h("p", { role: "status", class: "muted" });
    root.append(h("form", { class: "card assignment", "data-staff": c.staff_id, onsubmit: async (ev) => {
      ev.preventDefault();
      const userIds = area.value.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
      try {
        const saved = await api(`/admin/counsellors/${encodeURIComponent(c.staff_id)}/students`, { method: "PUT", body: { user_ids: userIds } });
        const n = (saved.user_ids || saved.students || userIds).length;
        status.textContent = `Saved: ${n} student${n === 1 ? "" : "s"}.`;
        announce(status.textContent);
      } catch (e) { status.textContent = "Could not save: " + e.message; }
    } },
    h("h2", {}, c.display_name || c.staff_id),
    h("label", { for: fieldId }, "Student ids"),
    h("p", { id: fieldId + "-hint", class: "muted" }, "One per line."),
    area, h("button", { type: "submit" }, "Save"), status));
  }
}
