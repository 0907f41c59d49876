// Binds the status panel to the DOM of a placeholder page.

import { browserSocket } from "./socket";
import { runStatus, STATUS_FIELDS, STATUS_LABELS, toneOf, type PageSpec, type StatusRun } from "./status";

function el<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  attrs: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Renders the page skeleton into `root` and starts the status checks. */
export function mountStatusPage(doc: Document, root: HTMLElement, spec: PageSpec): StatusRun {
  doc.title = `${spec.daemon} · BooCode`;

  const header = el(doc, "header", { class: "masthead" });
  header.append(
    el(doc, "p", { class: "brand" }, "BooCode"),
    el(doc, "h1", { id: "daemon" }, spec.daemon),
    el(doc, "p", { id: "purpose", class: "purpose" }, `Placeholder for the BooCode ${spec.purpose}.`),
  );

  const panel = el(doc, "section", { class: "panel", "aria-labelledby": "status-heading" });
  panel.append(el(doc, "h2", { id: "status-heading" }, "Daemon status"));
  const list = el(doc, "dl", { class: "status" });
  for (const field of STATUS_FIELDS) {
    const row = el(doc, "div", { class: "row" });
    row.append(
      el(doc, "dt", {}, STATUS_LABELS[field]),
      el(doc, "dd", { id: field, "aria-live": "polite" }),
    );
    list.append(row);
  }
  panel.append(list);

  const main = el(doc, "main", { class: "page" });
  main.append(header, panel);
  root.replaceChildren(main);

  return runStatus(
    spec,
    {
      location: doc.location,
      fetch: (url, init) => fetch(url, { ...init, credentials: "same-origin" }),
      openSocket: browserSocket,
    },
    (field, text) => {
      const target = doc.getElementById(field);
      if (target === null) return;
      target.textContent = text;
      target.dataset["tone"] = toneOf(field, text);
    },
  );
}
