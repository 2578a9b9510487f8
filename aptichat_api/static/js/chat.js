// The chat page: conversation list (new, rename, delete), history reload, streamed answers, citations
// that open the cited section, thumbs up/down with an optional comment, suggested next questions and
// an "answered offline" marker on degraded answers.
"use strict";

import { api, raw, session } from "./api.js";
import { DOCUMENT_NAMES } from "./documents.js";
import { $, announce, failure, h, words } from "./dom.js";

// Next questions by the answer's intent (aptichat/intents.py; the API may also send `suggestions`).
// None after the safety layer answered: that conversation is not the moment for career questions.
const SUGGESTIONS = {
  personality: ["What does my Holland code mean?", "Which careers fit my personality?"],
  thinking_skills: ["Which careers use my strongest skills?", "How can I build on my weakest skill?"],
  careers: ["Why is the first career a good fit?", "Which majors lead there?"],
  majors: ["What would I study in the first major?", "Which careers follow from it?"],
  safety: [],
  default: ["What are my strongest thinking skills?", "Which careers fit me best?", "What does my Holland code mean?"],
};

export function suggestionsFor(answer) {
  if (Array.isArray(answer.suggestions)) return answer.suggestions.slice(0, 3);
  return SUGGESTIONS[answer.intent] || SUGGESTIONS.default;
}

function parseSse(buffer, onEvent) {
  let index;
  while ((index = buffer.indexOf("\n\n")) >= 0) {
    const block = buffer.slice(0, index);
    buffer = buffer.slice(index + 2);
    let event = "message", data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    if (data) onEvent(event, JSON.parse(data));
  }
  return buffer;
}

/** SSE over fetch: POST /chat/stream, `event: token` pieces, then `event: answer` (or `error`). */
async function askSse(body, onEvent) {
  const response = await raw("/chat/stream", { method: "POST", body });
  if (!response.ok) {
    onEvent("error", await response.json().catch(() => ({})));
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer = parseSse(buffer + decoder.decode(value, { stream: true }), onEvent);
  }
}

// The WebSocket (/chat/ws) authenticates with the bearer token in its first frame, never in the URL;
// a cookie session uses the SSE stream.
let socket = null;
function askWs(body, onEvent) {
  return new Promise((resolve) => {
    const send = () => {
      socket.onmessage = (msg) => {
        const frame = JSON.parse(msg.data);
        if (frame.type === "ready") return;
        onEvent(frame.type, frame);
        if (frame.type === "answer" || frame.type === "error") resolve();
      };
      socket.send(JSON.stringify(body));
    };
    if (socket && socket.readyState === WebSocket.OPEN) return send();
    socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/chat/ws");
    socket.onopen = () => { socket.send(JSON.stringify({ token: session.token })); send(); };
    socket.onclose = () => { socket = null; resolve(); };
  });
}

export class ChatView {
  constructor(root, conversationId, navigate) {
    this.root = root;
    this.navigate = navigate;
    this.conversationId = conversationId || null;
    this.conversationsApi = true;
  }

  async render() {
    this.list = h("ul", { class: "conversations", id: "conversation-list" });
    this.messages = h("ol", { id: "messages", "aria-live": "polite", "aria-label": "Messages" });
    this.question = h("textarea", { id: "question", rows: 2, maxlength: 2000, required: true,
      placeholder: "e.g. What are my strengths?" });
    this.askButton = h("button", { id: "ask", type: "submit" }, "Ask");
    this.citation = h("section", { id: "citation", class: "card", hidden: true, "aria-labelledby": "citation-title", tabindex: "-1" });
    this.suggestions = h("div", { id: "suggestions", class: "suggestions", "aria-label": "Suggested questions", role: "group" });
    const form = h("form", { id: "ask-form", onsubmit: (ev) => { ev.preventDefault(); this.submit(); } },
      h("label", { for: "question", class: "visually-hidden" }, "Your question"), this.question, this.askButton);
    this.question.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); }
    });
    this.root.append(
      h("h1", { tabindex: "-1" }, "Chat"),
      h("div", { class: "chat-layout" },
        h("nav", { class: "card conversations-panel", "aria-label": "Conversations" },
          h("h2", {}, "Conversations"),
          h("button", { type: "button", id: "new-conversation", onclick: () => this.open(null) }, "New conversation"),
          this.list),
        h("section", { class: "card chat", "aria-label": "Conversation" },
          this.messages, this.suggestions, form,
          session.mode === "bearer" ? h("p", { class: "transport" }, this.transport = h("input", { type: "checkbox", id: "use-ws" }),
            " ", h("label", { for: "use-ws" }, "Use the WebSocket (developers)")) : null),
        this.citation));
    await this.loadConversations();
    if (this.conversationId) await this.loadHistory();
    else this.showSuggestions(SUGGESTIONS.default);
  }

  async loadConversations() {
    let body;
    try {
      body = await api("/chat/conversations");
    } catch (e) {
      if (e.status !== 404 && e.status !== 405) { this.list.replaceChildren(h("li", {}, failure(e.message))); return; }
      this.conversationsApi = false; // rename and delete need /chat/conversations/<id>
      body = await api("/chat/history");
    }
    this.list.replaceChildren(...(body.conversations || []).map((c) => this.conversationItem(c)));
  }

  conversationItem(c) {
    const id = c.conversation_id || c.id;
    const title = c.title || `Conversation of ${new Date(c.created_at).toLocaleDateString()}`;
    const link = h("a", { href: "/chat?c=" + encodeURIComponent(id), "aria-current": id === this.conversationId ? "page" : null,
      onclick: (ev) => { ev.preventDefault(); this.open(id); } }, title);
    const actions = this.conversationsApi ? [
      h("button", { type: "button", class: "small", "aria-label": `Rename ${title}`, onclick: () => this.rename(id, title) }, "Rename"),
      h("button", { type: "button", class: "small", "aria-label": `Delete ${title}`, onclick: () => this.remove(id, title) }, "Delete"),
    ] : [];
    return h("li", { "data-id": id }, link, h("span", { class: "actions" }, actions));
  }

  open(id) {
    this.navigate(id ? "/chat?c=" + encodeURIComponent(id) : "/chat");
  }

  async rename(id, current) {
    const item = this.list.querySelector(`li[data-id="${CSS.escape(id)}"]`);
    const input = h("input", { id: "rename-input", value: current, maxlength: 200, "aria-label": "New title" });
    const form = h("form", { class: "rename", onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        await api(`/chat/conversations/${encodeURIComponent(id)}`, { method: "PATCH", body: { title: input.value.trim() } });
        announce("Conversation renamed.");
      } catch (e) { announce("Could not rename: " + e.message); }
      await this.loadConversations();
      const link = this.list.querySelector(`li[data-id="${CSS.escape(id)}"] a`);
      if (link) link.focus();
    } }, input, h("button", { type: "submit", class: "small" }, "Save"),
    h("button", { type: "button", class: "small", onclick: () => this.loadConversations() }, "Cancel"));
    input.addEventListener("keydown", async (ev) => {
      if (ev.key !== "Escape") return;
      await this.loadConversations(); // cancel: the list as it was, focus back on the conversation
      const link = this.list.querySelector(`li[data-id="${CSS.escape(id)}"] a`);
      if (link) link.focus();
    });
    item.replaceChildren(form);
    input.focus();
    input.select();
  }

  async remove(id, title) {
    if (!window.confirm(`Delete “${title}”? This cannot be undone.`)) return;
    try {
      await api(`/chat/conversations/${encodeURIComponent(id)}`, { method: "DELETE" });
      announce("Conversation deleted.");
    } catch (e) { announce("Could not delete: " + e.message); }
    if (id === this.conversationId) this.open(null);
    else { await this.loadConversations(); $("new-conversation").focus(); }
  }

  async loadHistory() {
    try {
      const body = await api(`/chat/history?conversation_id=${encodeURIComponent(this.conversationId)}&limit=100`);
      for (const m of body.messages) {
        if (m.role === "user") this.addMessage("user", m.text);
        else this.renderAnswer(this.addMessage("assistant", ""), { ...m, answer: m.text, message_id: m.message_id });
      }
      const last = body.messages.filter((m) => m.role === "assistant").pop();
      this.showSuggestions(last ? suggestionsFor(last) : SUGGESTIONS.default);
    } catch (e) {
      this.messages.appendChild(h("li", { class: "error" }, "This conversation could not be loaded: " + e.message));
    }
  }

  addMessage(role, text) {
    const item = h("li", { class: role }, h("span", { class: "visually-hidden" }, role === "user" ? "You: " : "Advisor: "),
      h("span", { class: "text" }, text || ""));
    this.messages.appendChild(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  showSuggestions(questions) {
    this.suggestions.replaceChildren(...(questions || []).map((q) =>
      h("button", { type: "button", class: "suggestion", onclick: () => { this.question.value = q; this.submit(); } }, q)));
  }

  renderAnswer(item, answer) {
    const body = item.querySelector(".text");
    body.textContent = "";
    const citations = answer.citations || [];
    const byN = new Map(citations.map((c) => [c.n, c]));
    // [1] and [2, 3] markers become links to the cited sections
    for (const part of String(answer.answer || "").split(/(\[\d+(?:,\s*\d+)*\])/)) {
      const numbers = /^\[[\d,\s]+\]$/.test(part) ? part.slice(1, -1).split(/,\s*/).map(Number) : [];
      if (!numbers.length || !numbers.every((n) => byN.has(n))) {
        body.appendChild(document.createTextNode(part));
        continue;
      }
      body.appendChild(document.createTextNode("["));
      numbers.forEach((n, i) => {
        const c = byN.get(n);
        if (i) body.appendChild(document.createTextNode(", "));
        body.appendChild(h("a", { class: "cite", href: this.sectionHref(c), "aria-label": `Source ${c.n}: ${c.title}`,
          onclick: (ev) => { ev.preventDefault(); this.showCitation(c); } }, String(n)));
      });
      body.appendChild(document.createTextNode("]"));
    }
    const meta = h("div", { class: "meta" });
    if (answer.degraded) {
      const offline = String(answer.degraded_cause || "").startsWith("provider_") || answer.provider === "offline";
      meta.appendChild(h("span", { class: "badge offline", title: words(answer.degraded_cause || "") },
        offline ? "Answered offline" : "Answered with limited search"));
    }
    if (citations.length) {
      meta.appendChild(h("span", { class: "sources" }, "Sources: ", ...citations.flatMap((c, i) => [
        i ? " · " : "",
        h("a", { class: "cite", href: this.sectionHref(c), onclick: (ev) => { ev.preventDefault(); this.showCitation(c); } },
          `[${c.n}] ${c.title}`)])));
    }
    item.appendChild(meta);
    if (answer.message_id) {
      item.dataset.messageId = answer.message_id;
      item.appendChild(this.ratingControls(answer.message_id));
    }
    item.classList.add("done");
  }

  sectionHref(c) {
    return `/documents/${encodeURIComponent(c.document_type)}#${encodeURIComponent(c.section_id)}`;
  }

  async showCitation(c) {
    const panel = this.citation;
    const from = document.activeElement;
    const close = () => {
      panel.hidden = true;
      if (from && from.isConnected) from.focus(); // back where the reader was
    };
    panel.onkeydown = (ev) => { if (ev.key === "Escape") close(); };
    panel.hidden = false;
    panel.replaceChildren(
      h("h2", { id: "citation-title" }, `Source [${c.n}]: ${c.title}`),
      h("p", { class: "muted" }, DOCUMENT_NAMES[c.document_type] || words(c.document_type)),
      h("blockquote", { id: "citation-snippet" }, c.snippet),
      DOCUMENT_NAMES[c.document_type]
        ? h("p", {}, h("a", { href: this.sectionHref(c), "data-link": "", id: "citation-open" }, "Open this section of the document"))
        : null,
      h("button", { type: "button", class: "small", onclick: close }, "Close"));
    panel.focus();
  }

  ratingControls(messageId) {
    const status = h("span", { class: "rating-status", role: "status" });
    const comment = h("textarea", { id: `comment-${messageId}`, rows: 2, maxlength: 2000 });
    let rating = null;
    const send = async () => {
      try {
        await api("/chat/feedback", { method: "POST", body: { message_id: Number(messageId), rating,
          ...(comment.value.trim() ? { comment: comment.value.trim() } : {}) } });
        status.textContent = comment.value.trim() ? "Thanks, your rating and comment were saved." : "Thanks, your rating was saved.";
      } catch (e) { status.textContent = "Could not save the rating: " + e.message; }
    };
    // thumbs up (rating 5) and down (rating 1) of POST /chat/feedback's 1..5 scale
    const thumb = (value, label) => h("button", { type: "button", class: "thumb " + (value > 3 ? "up" : "down"),
      "aria-pressed": "false", "data-rating": value, onclick: async (ev) => {
        rating = value;
        for (const b of ev.currentTarget.parentElement.querySelectorAll(".thumb")) {
          b.setAttribute("aria-pressed", String(b === ev.currentTarget));
        }
        commentForm.hidden = false;
        await send();
      } }, label);
    const commentForm = h("form", { class: "comment", hidden: true, onsubmit: (ev) => { ev.preventDefault(); send(); } },
      h("label", { for: `comment-${messageId}` }, "Comment (optional)"), comment,
      h("button", { type: "submit", class: "small" }, "Send comment"));
    return h("div", { class: "rating", role: "group", "aria-label": "Rate this answer" },
      thumb(5, "Helpful"), thumb(1, "Not helpful"), status, commentForm);
  }

  async submit() {
    const question = this.question.value.trim();
    if (!question || this.askButton.disabled) return;
    this.question.value = "";
    this.addMessage("user", question);
    const item = this.addMessage("assistant", "");
    item.setAttribute("aria-busy", "true");
    const text = item.querySelector(".text");
    this.askButton.disabled = true;
    this.suggestions.replaceChildren();
    let answer = null;
    const onEvent = (event, data) => {
      if (event === "token") text.textContent += data.text;
      else if (event === "answer") answer = data;
      else if (event === "error") {
        item.className = "error";
        text.textContent = (data.error && data.error.message) || "Something went wrong.";
      }
    };
    try {
      const body = { question };
      if (this.conversationId) body.conversation_id = this.conversationId;
      const useWs = session.mode === "bearer" && this.transport && this.transport.checked;
      await (useWs ? askWs(body, onEvent) : askSse(body, onEvent));
    } catch (e) {
      onEvent("error", { error: { message: String(e.message || e) } });
    } finally {
      item.removeAttribute("aria-busy");
      this.askButton.disabled = false;
    }
    if (answer) {
      this.renderAnswer(item, answer);
      announce("The answer is complete.");
      this.showSuggestions(suggestionsFor(answer));
      if (answer.conversation_id !== this.conversationId) {
        const fresh = !this.conversationId;
        this.conversationId = answer.conversation_id;
        history.replaceState(null, "", "/chat?c=" + encodeURIComponent(this.conversationId));
        if (fresh) await this.loadConversations();
      }
    }
    this.question.focus();
  }
}

