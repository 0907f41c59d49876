// The requests an agent waits on, under the open chat's transcript: permission cards
// (the agent's options as buttons) and elicitation forms (rendered from the JSON schema).

import type { ElicitAction } from "@boocode/types";
import { h, icon } from "@boocode/common/dom";
import { formContent, formFields, type Field } from "../state/elicitation";
import type { ElicitationRequest, OpenRequest, PermissionRequest } from "../state/session";

export type CardActions = {
  permission(requestId: string, optionId: string | null): void;
  elicitation(requestId: string, action: ElicitAction, content?: Record<string, unknown>): void;
};

export type CardContext = {
  /** Answers in flight, by request id. */
  answering: Readonly<Record<string, string>>;
  errors: Readonly<Record<string, string>>;
  actions: CardActions;
};

/** What the agent wants to do, from the ACP tool call of a permission request. */
export function describeToolCall(toolCall: unknown): { title: string; kind: string | null; detail: string | null } {
  if (typeof toolCall !== "object" || toolCall === null) return { title: "a tool call", kind: null, detail: null };
  const t = toolCall as Record<string, unknown>;
  const title = typeof t["title"] === "string" && t["title"] !== "" ? t["title"] : typeof t["toolCallId"] === "string" ? t["toolCallId"] : "a tool call";
  const kind = typeof t["kind"] === "string" ? t["kind"] : null;
  const raw = t["rawInput"] ?? t["raw_input"];
  let detail: string | null = null;
  if (raw !== undefined && raw !== null) {
    try {
      detail = typeof raw === "string" ? raw : JSON.stringify(raw, null, 2);
    } catch {
      detail = String(raw);
    }
  }
  return { title, kind, detail };
}

const OPTION_CLASS: Record<string, string> = {
  allow_once: "btn btn-primary",
  allow_always: "btn btn-allow",
  reject_once: "btn btn-reject",
  reject_always: "btn btn-reject",
};

function permissionCard(r: PermissionRequest, ctx: CardContext): HTMLElement {
  const call = describeToolCall(r.toolCall);
  const sent = ctx.answering[r.requestId];
  const error = ctx.errors[r.requestId];
  return h(
    "div",
    { class: "req-card", "data-testid": "permission-card", "data-request-id": r.requestId, "data-agent": r.agent },
    h("div", { class: "req-title" }, icon("shield", "icon"), h("span", {}, `${r.agent} asks permission`)),
    h("div", { class: "req-what" }, h("strong", {}, call.title), call.kind === null ? null : h("span", { class: "badge" }, call.kind)),
    call.detail === null ? null : h("pre", { class: "tool-pre req-detail" }, call.detail),
    h(
      "div",
      { class: "req-actions" },
      ...r.options.map((o) =>
        h(
          "button",
          {
            class: OPTION_CLASS[o.kind] ?? "btn",
            type: "button",
            "data-option-id": o.id,
            "data-kind": o.kind,
            disabled: sent !== undefined,
            on: { click: () => ctx.actions.permission(r.requestId, o.id) },
          },
          o.name,
        ),
      ),
      h(
        "button",
        { class: "btn btn-quiet", type: "button", "data-testid": "permission-cancel", disabled: sent !== undefined, on: { click: () => ctx.actions.permission(r.requestId, null) } },
        "Cancel",
      ),
    ),
    sent === undefined ? null : h("div", { class: "req-note" }, "Sending…"),
    error === undefined ? null : h("div", { class: "form-error", role: "alert" }, error),
  );
}

function fieldInput(f: Field): HTMLElement {
  const common = { name: f.name, "data-field": f.name, "aria-label": f.label, required: f.required };
  if (f.type === "boolean") return h("input", { ...common, type: "checkbox", checked: f.initial === true, required: false });
  if (f.type === "enum") {
    const select = h(
      "select",
      { ...common, class: "select" },
      h("option", { value: "" }, f.required ? "Choose…" : "—"),
      ...f.choices.map((c, i) => h("option", { value: c }, f.choiceLabels[i] ?? c)),
    );
    select.value = typeof f.initial === "string" ? f.initial : "";
    return select;
  }
  const type = f.type === "number" || f.type === "integer" ? "number" : f.format === "email" ? "email" : f.format === "uri" ? "url" : f.format === "date" ? "date" : "text";
  return h("input", {
    ...common,
    class: "req-input",
    type,
    value: typeof f.initial === "string" ? f.initial : "",
    step: f.type === "integer" ? "1" : f.type === "number" ? "any" : null,
    min: f.min,
    max: f.max,
  });
}

/** The element under `root` whose `data-*` attribute `key` (camelCase) is `value`. */
function byData<E extends HTMLElement>(root: HTMLElement, key: string, value: string): E | undefined {
  const attr = `data-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return [...root.querySelectorAll<E>(`[${attr}]`)].find((el) => el.dataset[key] === value);
}

function elicitationCard(r: ElicitationRequest, ctx: CardContext): HTMLElement {
  const fields = formFields(r.schema);
  const sent = ctx.answering[r.requestId];
  const error = ctx.errors[r.requestId];
  const errorsEl = h("div", { class: "form-error", role: "alert" }, error ?? "");
  const form = h("form", { class: "req-form", novalidate: true });
  for (const f of fields) {
    const input = fieldInput(f);
    form.append(
      h(
        "label",
        { class: `field${f.type === "boolean" ? " field-check" : ""}` },
        h("span", {}, f.label, f.required ? h("span", { class: "req-star", title: "required" }, " *") : null),
        input,
        f.description === null ? null : h("span", { class: "field-hint" }, f.description),
        h("span", { class: "field-error", "data-error-for": f.name }),
      ),
    );
  }
  const values = (): Record<string, string | boolean> => {
    const out: Record<string, string | boolean> = {};
    for (const f of fields) {
      const el = byData<HTMLInputElement | HTMLSelectElement>(form, "field", f.name);
      if (el === undefined) continue;
      out[f.name] = el instanceof HTMLInputElement && el.type === "checkbox" ? el.checked : el.value;
    }
    return out;
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const result = formContent(fields, values());
    for (const span of form.querySelectorAll<HTMLElement>("[data-error-for]")) span.textContent = "";
    if (!result.ok) {
      for (const [name, why] of Object.entries(result.errors)) {
        const span = byData<HTMLElement>(form, "errorFor", name);
        if (span !== undefined) span.textContent = why;
      }
      return;
    }
    ctx.actions.elicitation(r.requestId, "accept", result.content);
  });
  form.append(
    h(
      "div",
      { class: "req-actions" },
      h("button", { class: "btn btn-primary", type: "submit", "data-testid": "elicitation-accept", disabled: sent !== undefined }, "Submit"),
      h("button", { class: "btn btn-reject", type: "button", "data-testid": "elicitation-decline", disabled: sent !== undefined, on: { click: () => ctx.actions.elicitation(r.requestId, "decline") } }, "Decline"),
      h("button", { class: "btn btn-quiet", type: "button", "data-testid": "elicitation-cancel", disabled: sent !== undefined, on: { click: () => ctx.actions.elicitation(r.requestId, "cancel") } }, "Cancel"),
    ),
    errorsEl,
  );
  return h(
    "div",
    { class: "req-card", "data-testid": "elicitation-card", "data-request-id": r.requestId, "data-agent": r.agent },
    h("div", { class: "req-title" }, icon("chat", "icon"), h("span", {}, `${r.agent} needs input`)),
    h("div", { class: "req-message" }, r.message),
    form,
    sent === undefined ? null : h("div", { class: "req-note" }, "Sending…"),
  );
}

export function requestCard(r: OpenRequest, ctx: CardContext): HTMLElement {
  return r.kind === "permission" ? permissionCard(r, ctx) : elicitationCard(r, ctx);
}

/**
 * Keeps one element per open request: an existing form is left alone (so typed values
 * survive re-renders) unless its answer state changed.
 */
export class RequestList {
  readonly el: HTMLElement;
  private nodes = new Map<string, { el: HTMLElement; key: string }>();

  constructor() {
    this.el = h("div", { class: "requests", "data-testid": "requests" });
  }

  update(requests: readonly OpenRequest[], ctx: CardContext): boolean {
    const next = new Map<string, { el: HTMLElement; key: string }>();
    const wanted: HTMLElement[] = [];
    for (const r of requests) {
      const key = `${ctx.answering[r.requestId] ?? ""}|${ctx.errors[r.requestId] ?? ""}`;
      let node = this.nodes.get(r.requestId);
      if (node === undefined || node.key !== key) node = { el: requestCard(r, ctx), key };
      next.set(r.requestId, node);
      wanted.push(node.el);
    }
    let changed = false;
    let cursor: ChildNode | null = this.el.firstChild;
    for (const el of wanted) {
      if (cursor === el) {
        cursor = cursor.nextSibling;
      } else {
        this.el.insertBefore(el, cursor);
        changed = true;
      }
    }
    while (cursor !== null) {
      const after: ChildNode | null = cursor.nextSibling;
      this.el.removeChild(cursor);
      cursor = after;
      changed = true;
    }
    this.nodes = next;
    return changed;
  }
}
