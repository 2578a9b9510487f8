// Small DOM helpers: no innerHTML anywhere (text is always text), one polite live region.
"use strict";

/** h("p", {class: "muted"}, "text", child...) */
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "hidden") node.hidden = Boolean(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
  return node;
}

export const $ = (id) => document.getElementById(id);

/** Say something to screen readers (the page's polite live region). */
export function announce(text) {
  const region = $("announcer");
  region.textContent = "";
  setTimeout(() => { region.textContent = text; }, 50);
}

export const words = (id) => String(id || "").replace(/[_-]/g, " ");
export const capitalised = (text) => text.charAt(0).toUpperCase() + text.slice(1);

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return isNaN(date) ? String(iso) : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A short error paragraph for a failed load. */
export function failure(message) {
  return h("p", { class: "error", role: "alert" }, message);
}
