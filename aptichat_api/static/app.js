// AptiChat in the browser: plain ES modules, no build step, no CDN; talks to the API of this origin.
// The server answers every page path (/, /documents, /chat, /counsellor, /admin) with this shell and the
// route is drawn here; links inside the app move with history.pushState.
import { exchange, onSessionChange, restore, session, signOut, useToken } from "./js/api.js";
import { ChatView } from "./js/chat.js";
import { documentNav, DOCUMENT_TYPES, showDocuments, showHistory } from "./js/documents.js";
import { $, announce, failure, h } from "./js/dom.js";
import { HomeView } from "./js/home.js";
import { assignmentsPage, cohortPage, studentPage, studentsPage } from "./js/staff.js";

let current = null; // the view on screen (stopped when another replaces it)
let notice = "";

const isStaff = () => session.role === "counsellor" || session.role === "admin";

function homePath() {
  if (session.role === "admin") return "/admin";
  if (session.role === "counsellor") return "/counsellor";
  return "/";
}

const PAGES = [
  [/^\/$/, "Home"], [/^\/documents\/history$/, "History"], [/^\/documents(\/[a-z_]+)?$/, "Documents"],
  [/^\/chat$/, "Chat"], [/^\/counsellor$/, "Students"], [/^\/admin$/, "Counsellors"],
];
const isPage = (path) => PAGES.some(([re]) => re.test(path));

function navLinks() {
  if (!session.mode) return [];
  if (session.role === "admin") return [["/admin", "Counsellors"], ["/counsellor?view=cohort", "Cohort"]];
  if (session.role === "counsellor") return [["/counsellor", "Students"], ["/counsellor?view=cohort", "Cohort"]];
  return [["/", "Home"], ["/documents", "Documents"], ["/documents/history", "History"], ["/chat", "Chat"]];
}

function drawHeader() {
  const here = location.pathname + location.search;
  $("nav").replaceChildren(...(navLinks().length ? [h("ul", {}, navLinks().map(([href, label]) => h("li", {},
    h("a", { href, "data-link": "", "aria-current": here === href || (href !== "/" && location.pathname === href && !location.search) ? "page" : null }, label))))] : []));
  $("who").replaceChildren(...(session.mode ? [
    h("span", { id: "who-name" }, session.displayName + (session.role !== "user" ? ` (${session.role})` : "")),
    h("button", { type: "button", id: "sign-out", onclick: async () => {
      await signOut();
      notice = "You are signed out.";
      navigate("/");
    } }, "Sign out")] : []));
}

function signInView(root) {
  const input = h("input", { id: "token", type: "password", autocomplete: "off", required: true, "aria-describedby": "token-hint" });
  const status = h("p", { role: "status", id: "signin-status" }, notice);
  notice = "";
  root.append(h("h1", { tabindex: "-1" }, "Sign in"), status,
    h("p", {}, "Open the sign-in link you were given (it signs you in once and expires after a few minutes). ",
      "If it no longer works, ask for a new one."),
    h("details", { class: "card" }, h("summary", {}, "Developers: use a bearer token"),
      h("form", { id: "token-form", autocomplete: "off", onsubmit: (ev) => {
        ev.preventDefault();
        if (useToken(input.value.trim())) navigate(homePath());
        else status.textContent = "That does not look like a token.";
      } },
      h("label", { for: "token" }, "Bearer token"),
      h("p", { id: "token-hint", class: "muted" }, "The output of: aptichat token create --user ID"),
      input, h("button", { type: "submit" }, "Use token"))));
}

let routes = 0;

async function route() {
  if (current && current.stop) current.stop();
  current = null;
  const main = $("main");
  // each route draws into its own container: what a page still loading for an earlier route adds
  // afterwards lands in a detached element, never on the page now shown
  const root = h("div", { class: "page" });
  const mine = ++routes;
  main.replaceChildren(root);
  drawHeader();
  const path = location.pathname;
  const params = new URLSearchParams(location.search);
  main.setAttribute("aria-busy", "true");
  try {
    if (!session.mode) signInView(root);
    else if (path === "/" && isStaff()) return navigate(homePath(), true);
    else if (path === "/") { current = new HomeView(root); await current.render(); }
    else if (path === "/documents/history") {
      root.append(h("h1", { tabindex: "-1" }, "Version history"), h("p", {}, "Each time you take the test your documents get a new version; here is what changed."));
      await showHistory(root, session.userId);
    } else if (path.startsWith("/documents")) {
      const type = path.split("/")[2] || null;
      root.append(h("h1", { tabindex: "-1" }, "Your documents"), documentNav("/documents/", type),
        h("p", { class: "print-hint muted" }, "To keep a copy, print this page or save it as PDF from your browser's print dialog."));
      const docs = h("div", { id: "documents" });
      root.append(docs);
      await showDocuments(docs, session.userId, DOCUMENT_TYPES.includes(type) ? type : null);
    } else if (path === "/chat") { current = new ChatView(root, params.get("c"), navigate); await current.render(); }
    else if (path === "/counsellor" && isStaff()) {
      if (params.get("view") === "cohort") await cohortPage(root);
      else if (params.get("student")) await studentPage(root, params.get("student"), params.get("c"));
      else await studentsPage(root);
    } else if (path === "/admin" && session.role === "admin") await assignmentsPage(root);
    else root.append(h("h1", { tabindex: "-1" }, "Not here"), failure("This page is not for your account."),
      h("p", {}, h("a", { href: homePath(), "data-link": "" }, "Go to your home page")));
  } finally {
    if (mine === routes) main.removeAttribute("aria-busy");
  }
  if (mine === routes) document.title = (root.querySelector("h1") ? root.querySelector("h1").textContent + " · " : "") + "AptiChat";
}

export function navigate(url, replace) {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  return route().then(() => {
    // the new page's heading takes focus for screen readers, unless the person has already moved into
    // the page while it loaded (clicked in the question box and typed): that focus is theirs
    const main = $("main");
    const heading = main.querySelector("h1");
    if (heading && !location.hash && !main.contains(document.activeElement)) heading.focus();
  });
}

document.addEventListener("click", (ev) => {
  const a = ev.target.closest("a[href]");
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  if (a.origin !== location.origin || a.hasAttribute("download") || !isPage(a.pathname)) return;
  if (a.pathname === location.pathname && a.search === location.search && a.hash) return; // in-page anchor
  ev.preventDefault();
  navigate(a.pathname + a.search + a.hash);
});
window.addEventListener("popstate", () => route());

/** A sign-in link's code in the fragment: exchanged for a session; true when there was one. */
async function signInFromLink() {
  const match = location.hash.match(/^#signin=([A-Za-z0-9_-]+)$/);
  if (!match) return false;
  // the code is spent once: take it out of the address bar (and the history) before anything else
  history.replaceState(null, "", location.pathname + location.search);
  try {
    await exchange(match[1]);
    announce("You are signed in.");
    if (location.pathname === "/") history.replaceState(null, "", homePath());
  } catch (e) {
    notice = e.message || "This sign-in link did not work.";
  }
  return true;
}

async function start() {
  if (!(await signInFromLink())) await restore();
  onSessionChange(() => {
    if (session.mode) return drawHeader();
    if (session.ended === "expired") notice = "Your session has ended. Open a new sign-in link to go on.";
    route();
  });
  window.addEventListener("hashchange", async () => { if (await signInFromLink()) await route(); });
  await route();
  document.body.dataset.ready = "true";
}

start();
