// AptiChat chat page: plain JavaScript, no build step, no CDN. Talks to the API of the same origin.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem("aptichat-token") || "", userId: null, conversationId: null };
const RIASEC = ["R", "I", "A", "S", "E", "C"];

function claims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part + "===".slice((part.length + 3) % 4)));
  } catch (e) {
    return null;
  }
}

function headers(json) {
  const h = { Authorization: "Bearer " + state.token };
  if (json) h["Content-Type"] = "application/json";
  return h;
}

async function api(path, options) {
  const response = await fetch(path, options || { headers: headers(false) });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((body.error && body.error.message) || response.statusText);
  return body;
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function addMessage(role, text) {
  const item = el("li", role);
  const body = el("span", "text", text || "");
  item.appendChild(body);
  $("messages").appendChild(item);
  item.scrollIntoView({ block: "end" });
  return item;
}

// Replace [n] markers in the answer with links that open the cited section.
function renderAnswer(item, answer) {
  const body = item.querySelector(".text");
  body.textContent = "";
  const byN = new Map(answer.citations.map((c) => [c.n, c]));
  const parts = answer.answer.split(/(\[\d+\])/);
  for (const part of parts) {
    const m = part.match(/^\[(\d+)\]$/);
    if (m && byN.has(Number(m[1]))) {
      const link = el("a", "cite", part);
      link.href = "#";
      link.dataset.n = m[1];
      link.addEventListener("click", (ev) => { ev.preventDefault(); showCitation(byN.get(Number(m[1]))); });
      body.appendChild(link);
    } else {
      body.appendChild(document.createTextNode(part));
    }
  }
  const meta = el("span", "meta");
  meta.textContent = `${answer.intent} · ${answer.provider}${answer.degraded ? " (degraded)" : ""}`;
  for (const c of answer.citations) {
    meta.appendChild(document.createTextNode(" · "));
    const link = el("a", "cite", `[${c.n}] ${c.title}`);
    link.href = "#";
    link.addEventListener("click", (ev) => { ev.preventDefault(); showCitation(c); });
    meta.appendChild(link);
  }
  item.appendChild(meta);
  item.dataset.messageId = answer.message_id;
}

async function showCitation(c) {
  $("citation").hidden = false;
  $("citation-n").textContent = `[${c.n}]`;
  $("citation-type").textContent = c.document_type.replace(/_/g, " ");
  $("citation-title").textContent = c.title;
  $("citation-snippet").textContent = c.snippet;
  $("citation-document").textContent = "";
  const known = ["personality_profile", "thinking_skills", "career_recommendations", "major_recommendations"];
  if (state.userId && known.includes(c.document_type)) {
    try {
      const docs = await api(`/users/${encodeURIComponent(state.userId)}/documents?type=${c.document_type}`);
      if (docs.documents.length) $("citation-document").textContent = docs.documents[0].rendered_text;
    } catch (e) { /* the snippet is enough */ }
  }
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

async function askSse(question, onEvent) {
  const body = { question };
  if (state.conversationId) body.conversation_id = state.conversationId;
  const response = await fetch("/chat/stream", { method: "POST", headers: headers(true), body: JSON.stringify(body) });
  if (!response.ok) {
    const err = await response.json().catch(() => ({}));
    onEvent("error", err);
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

let socket = null;
function askWs(question, onEvent) {
  return new Promise((resolve) => {
    const send = () => {
      const body = { question };
      if (state.conversationId) body.conversation_id = state.conversationId;
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
    socket.onopen = () => { socket.send(JSON.stringify({ token: state.token })); send(); };
    socket.onclose = () => { socket = null; resolve(); };
  });
}

async function ask(question) {
  addMessage("user", question);
  const item = addMessage("assistant", "");
  const text = item.querySelector(".text");
  $("ask").disabled = true;
  const onEvent = (event, data) => {
    if (event === "token") {
      text.textContent += data.text;
    } else if (event === "answer") {
      state.conversationId = data.conversation_id;
      renderAnswer(item, data);
      item.classList.add("done");
    } else if (event === "error") {
      item.className = "error";
      text.textContent = (data.error && data.error.message) || "Something went wrong.";
    }
  };
  try {
    await ($("use-ws").checked ? askWs(question, onEvent) : askSse(question, onEvent));
  } catch (e) {
    onEvent("error", { error: { message: String(e.message || e) } });
  } finally {
    $("ask").disabled = false;
  }
}

function bars(container, scores) {
  container.textContent = "";
  for (const s of scores) {
    const row = el("div", "bar");
    row.appendChild(el("span", "name", s.name));
    const track = el("div", "track");
    const fill = el("div", "fill " + (s.level || ""));
    fill.style.width = Math.max(0, Math.min(100, s.percentile)) + "%";
    track.appendChild(fill);
    row.appendChild(track);
    row.appendChild(el("span", "value", String(Math.round(s.percentile))));
    container.appendChild(row);
  }
}

function hexagon(svg, interests) {
  const NS = "http://www.w3.org/2000/svg";
  svg.textContent = "";
  const R = 90;
  const point = (i, r) => {
    const a = (Math.PI / 3) * i - Math.PI / 2;
    return [r * Math.cos(a), r * Math.sin(a)];
  };
  for (const level of [0.25, 0.5, 0.75, 1]) {
    const ring = document.createElementNS(NS, "polygon");
    ring.setAttribute("class", "grid");
    ring.setAttribute("points", RIASEC.map((_, i) => point(i, R * level).join(",")).join(" "));
    svg.appendChild(ring);
  }
  const byLetter = Object.fromEntries(interests.map((s) => [s.id, s.percentile]));
  const shape = document.createElementNS(NS, "polygon");
  shape.setAttribute("class", "score");
  shape.setAttribute("points", RIASEC.map((l, i) => point(i, (R * (byLetter[l] || 0)) / 100).join(",")).join(" "));
  svg.appendChild(shape);
  RIASEC.forEach((letter, i) => {
    const [x, y] = point(i, R + 16);
    const label = document.createElementNS(NS, "text");
    label.setAttribute("x", x);
    label.setAttribute("y", y);
    label.textContent = letter + (letter in byLetter ? " " + Math.round(byLetter[letter]) : "");
    svg.appendChild(label);
  });
}

async function loadProfile() {
  try {
    const p = await api(`/users/${encodeURIComponent(state.userId)}/profile`);
    const name = p.display_name ? p.display_name : p.user_id;
    const where = p.state && p.state.state !== "ready" ? ` · ${p.state.reason} ${p.state.advice}` : "";
    $("profile-status").textContent = name + where;
    $("holland").textContent = p.holland_code || "–";
    hexagon($("hexagon"), p.interests);
    bars($("tendencies"), p.tendencies);
    bars($("skills"), p.thinking_skills);
    const gaps = Object.entries(p.gaps).map(([k, v]) => `${k.replace(/_/g, " ")}: ${v}`);
    $("gaps").textContent = gaps.length ? "Not available: " + gaps.join("; ") : "";
  } catch (e) {
    // no profile yet (a rejected test, one still being processed): say where the person stands
    try {
      const s = await api(`/users/${encodeURIComponent(state.userId)}/status`);
      $("profile-status").textContent = `${s.reason} ${s.advice}`;
    } catch (_) {
      $("profile-status").textContent = "Profile unavailable: " + e.message;
    }
  }
}

function useToken(token) {
  const c = claims(token);
  if (!c || !c.sub) {
    $("who").textContent = "That does not look like a token.";
    return;
  }
  state.token = token;
  state.userId = c.sub;
  state.conversationId = null;
  sessionStorage.setItem("aptichat-token", token);
  $("who").textContent = `Signed in as ${c.sub}${c.role === "admin" ? " (admin)" : ""}.`;
  $("ask").disabled = false;
  loadProfile();
}

$("token-form").addEventListener("submit", (ev) => { ev.preventDefault(); useToken($("token").value.trim()); });
$("ask-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const q = $("question").value.trim();
  if (!q || !state.token) return;
  $("question").value = "";
  ask(q);
});
$("question").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); $("ask-form").requestSubmit(); }
});
if (state.token) useToken(state.token);
