// The student's home: where their results stand (live while processing), a summary of the profile,
// links to the documents and the chat, and the sharing setting.
"use strict";

import { api, session } from "./api.js";
import { hexagon } from "./charts.js";
import { DOCUMENT_NAMES, DOCUMENT_TYPES } from "./documents.js";
import { announce, failure, h, when, words } from "./dom.js";

const POLL_MS = 2000;
const HEADINGS = {
  processing: "Your results are being prepared",
  ready: "Your results are ready",
  partial: "Some of your results are ready",
  rejected: "Your test could not be scored",
  failed: "Something went wrong preparing your results",
  unknown: "No results yet",
};

// The same states as a counsellor reads them about a student.
const STAFF_HEADINGS = {
  processing: "Results being prepared", ready: "Results ready", partial: "Some results ready",
  rejected: "Test could not be scored", failed: "Processing failed", unknown: "No results yet",
};

/** The state card of GET /users/<id>/status (`staff`: in the third person, on the counsellor's page). */
export function stateCard(status, gaps, staff = false) {
  const missing = status.missing || [];
  const headings = staff ? STAFF_HEADINGS : HEADINGS;
  return h("section", { id: "state", class: "card state state-" + status.state, "data-state": status.state,
    "aria-labelledby": "state-h" },
    h("h2", { id: "state-h" }, headings[status.state] || words(status.state)),
    status.state === "processing" ? h("p", { class: "spinner", "aria-hidden": "true" }) : null,
    h("p", { id: "state-reason", class: status.reason.replace(/\.$/, "") === HEADINGS[status.state] ? "visually-hidden" : null },
      status.reason),
    status.advice ? h("p", { id: "state-advice", class: "advice" },
      status.state === "rejected" || status.state === "failed" ? h("strong", {}, "What to do: ") : null, status.advice) : null,
    missing.length ? h("div", { id: "state-missing" }, h("p", {}, "Not measured this time:"),
      h("ul", {}, missing.map((t) => h("li", {}, (DOCUMENT_NAMES[t] || words(t)) + (gaps && gaps[t] ? ` – ${gaps[t]}` : ""))))) : null,
    status.state === "processing" && !staff ? h("p", { class: "muted" }, "This page updates by itself when they are ready.") : null,
    status.updated_at ? h("p", { class: "muted" }, "Updated " + when(status.updated_at)) : null);
}

export class HomeView {
  constructor(root) {
    this.root = root;
    this.timer = null;
    this.stopped = false;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  async render() {
    this.root.append(h("h1", { tabindex: "-1" }, `Hello${session.displayName ? ", " + session.displayName : ""}`));
    this.body = h("div", { id: "home-body" });
    this.root.append(this.body);
    await this.refresh(null);
  }

  async refresh(previous) {
    if (this.stopped) return;
    const id = encodeURIComponent(session.userId);
    let status;
    try {
      status = await api(`/users/${id}/status`);
    } catch (e) {
      this.body.replaceChildren(failure("Your results could not be loaded: " + e.message));
      return;
    }
    if (previous === status.state) {
      this.timer = setTimeout(() => this.refresh(status.state), POLL_MS);
      return;
    }
    let profile = null;
    if (status.has_results) {
      try { profile = await api(`/users/${id}/profile`); } catch (e) { /* the state card says enough */ }
    }
    this.body.replaceChildren(stateCard(status, profile && profile.gaps));
    if (profile) this.body.append(this.summary(profile));
    this.body.append(await this.settings());
    if (previous === "processing") announce(HEADINGS[status.state] || "Your results changed.");
    if (status.state === "processing") this.timer = setTimeout(() => this.refresh(status.state), POLL_MS);
  }

  summary(p) {
    const scores = Object.fromEntries((p.interests || []).map((s) => [s.id, s.percentile]));
    const available = p.documents.filter((d) => d.current_version).map((d) => d.document_type);
    return h("section", { class: "card summary", "aria-labelledby": "summary-h" },
      h("h2", { id: "summary-h" }, "Your profile at a glance"),
      h("div", { class: "summary-grid" },
        h("div", {}, hexagon(scores, p.holland_code)),
        h("div", {},
          h("p", {}, "Holland code: ", h("strong", { id: "holland" }, p.holland_code || "–")),
          p.top_tendencies && p.top_tendencies.length
            ? h("p", {}, "Strongest tendencies: " + p.top_tendencies.map((t) => t.name).join(", ")) : null,
          h("h3", {}, "Your documents"),
          h("ul", { class: "doc-links" }, DOCUMENT_TYPES.filter((t) => available.includes(t)).map((t) =>
            h("li", {}, h("a", { href: "/documents/" + t, "data-link": "" }, DOCUMENT_NAMES[t])))),
          h("p", {}, h("a", { href: "/documents/history", "data-link": "" }, "Version history and what changed")),
          h("p", {}, h("a", { href: "/chat", "data-link": "", class: "button" }, "Ask the advisor")))));
  }

  async settings() {
    let current;
    try {
      current = await api(`/users/${encodeURIComponent(session.userId)}/settings`);
    } catch (e) {
      return h("span", {}); // no settings route: nothing to offer
    }
    const box = h("input", { type: "checkbox", id: "share-conversations", checked: Boolean(current.share_conversations) });
    const status = h("span", { role: "status", class: "muted" });
    box.addEventListener("change", async () => {
      try {
        const saved = await api(`/users/${encodeURIComponent(session.userId)}/settings`, { method: "PUT",
          body: { share_conversations: box.checked } });
        box.checked = Boolean(saved.share_conversations);
        status.textContent = box.checked ? "Your counsellor can now read your conversations." : "Your conversations are private.";
      } catch (e) {
        box.checked = !box.checked;
        status.textContent = "Could not save: " + e.message;
      }
    });
    return h("section", { class: "card", "aria-labelledby": "settings-h" }, h("h2", { id: "settings-h" }, "Sharing"),
      h("p", {}, box, " ", h("label", { for: "share-conversations" }, "Share my conversations with my counsellor")), status);
  }
}
