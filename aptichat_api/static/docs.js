// Renders /openapi.json as a readable reference: no CDN, no framework.
"use strict";

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function resolve(spec, schema) {
  if (schema && schema.$ref) return { name: schema.$ref.split("/").pop(), body: spec.components.schemas[schema.$ref.split("/").pop()] };
  return { name: null, body: schema };
}

function schemaBlock(spec, title, schema) {
  const box = el("div");
  const { name, body } = resolve(spec, schema);
  box.appendChild(el("h4", null, title + (name ? ` (${name})` : "")));
  box.appendChild(el("pre", null, JSON.stringify(body, null, 2)));
  return box;
}

async function main() {
  const spec = await (await fetch("/openapi.json")).json();
  const root = document.getElementById("reference");
  root.textContent = "";
  root.appendChild(el("p", "desc", spec.info.description));
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const details = el("details", "op");
      const summary = el("summary");
      summary.appendChild(el("span", "method " + method, method));
      summary.appendChild(document.createTextNode(` ${path} — ${op.summary}`));
      details.appendChild(summary);
      if (op.description) details.appendChild(el("p", "desc", op.description));
      const auth = (op.security || []).map((s) => Object.keys(s).join("+")).join(" or ") || "none";
      details.appendChild(el("p", null, "Auth: " + auth));
      if (op.parameters && op.parameters.length) {
        details.appendChild(el("h4", null, "Parameters"));
        const list = el("ul");
        for (const p of op.parameters) list.appendChild(el("li", null, `${p.name} (${p.in}${p.required ? ", required" : ""}): ${JSON.stringify(p.schema)}`));
        details.appendChild(list);
      }
      if (op.requestBody) {
        const media = Object.keys(op.requestBody.content)[0];
        details.appendChild(schemaBlock(spec, "Request body", op.requestBody.content[media].schema));
      }
      for (const [status, response] of Object.entries(op.responses)) {
        const media = response.content ? Object.keys(response.content)[0] : null;
        if (media) details.appendChild(schemaBlock(spec, `${status} ${response.description} — ${media}`, response.content[media].schema));
      }
      root.appendChild(details);
    }
  }
}

main().catch((e) => { document.getElementById("reference").textContent = "Could not load the reference: " + e; });
