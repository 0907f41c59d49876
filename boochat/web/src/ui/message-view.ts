// One message of the transcript. The element of a message stays while it streams; its
// parts are reconciled by part id, so a delta re-renders only the part it grew.

import type { Part, Usage } from "@boo-types";
import { renderMarkdown } from "../render/markdown";
import { sentinelKind, type LiveUsage, type UiMessage } from "../state/transcript";
import { h, icon } from "./dom";

export type MessageActions = {
  fork(messageId: string): void;
  answer(callId: string, text: string): void;
  copy(text: string): void;
};

export type MessageContext = {
  live: LiveUsage | undefined;
  /** Answers given from this page, by call id. */
  answered: Readonly<Record<string, string>>;
  actions: MessageActions;
};

type PartEl = HTMLElement & { __part?: Part; __result?: Part | undefined; __extra?: unknown };

export type MessageEl = HTMLElement & {
  __msg?: UiMessage;
  __live?: LiveUsage | undefined;
  __answered?: Readonly<Record<string, string>>;
  __parts?: Map<string, PartEl>;
  /** Thinking blocks the user opened or closed by hand. */
  __toggled?: Map<string, boolean>;
};

/** "1,234". */
function num(n: number): string {
  return n.toLocaleString("en-US");
}

/** The usage footer: "412 prompt tokens · 128 tokens · 42.1 tok/s · prompt 180 ms". */
export function usageText(usage: Usage): string {
  const bits: string[] = [];
  if (usage.prompt_tokens !== null) bits.push(`${num(usage.prompt_tokens)} prompt tokens`);
  if (usage.completion_tokens !== null) bits.push(`${num(usage.completion_tokens)} tokens`);
  if (usage.tokens_per_second !== null) bits.push(`${usage.tokens_per_second.toFixed(1)} tok/s`);
  if (usage.prompt_ms !== null) bits.push(`prompt ${formatMs(usage.prompt_ms)}`);
  return bits.join(" · ");
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A tool call of `m` still waiting for its result. */
function openCall(m: UiMessage | undefined): Part | undefined {
  if (m === undefined) return undefined;
  const done = new Set(m.parts.filter((p) => p.kind === "tool_result").map((p) => p.call_id));
  return m.parts.find((p) => p.kind === "tool_call" && !done.has(p.call_id));
}

/** What the live line says while a message streams. */
export function liveText(live: LiveUsage | undefined, m?: UiMessage): string {
  const call = openCall(m);
  if (call !== undefined) return call.tool_name === "ask_user_input" ? "waiting for your answer…" : `running ${call.tool_name ?? "a tool"}…`;
  if (live === undefined || live.phase === "prompt") return "processing prompt…";
  const tps = live.usage.tokens_per_second;
  if (live.phase === "generating") return tps === null ? "generating…" : `generating · ${tps.toFixed(1)} tok/s`;
  return "finishing…";
}

function argsPreview(args: unknown): string {
  if (args === null || args === undefined) return "";
  if (typeof args !== "object") return String(args);
  const entries = Object.entries(args as Record<string, unknown>);
  const text = entries.map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`).join(", ");
  return text.length > 90 ? `${text.slice(0, 89)}…` : text;
}

function pretty(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2) ?? "";
  } catch {
    return String(value);
  }
}

function markdownEl(source: string, testid: string, cls: string): HTMLElement {
  const el = h("div", { class: `markdown ${cls}`, "data-testid": testid });
  el.innerHTML = renderMarkdown(source);
  return el;
}

function thinkingEl(part: Part, open: boolean, streaming: boolean, onToggle: (open: boolean) => void): HTMLDetailsElement & PartEl {
  const body = h("div", { class: "thinking-body", "data-testid": "thinking-text" });
  body.textContent = part.content ?? "";
  const details = h(
    "details",
    { class: "thinking", "data-testid": "thinking", "data-streaming": streaming ? "true" : "false" },
    h("summary", {}, icon("spark", "icon thinking-icon"), h("span", {}, streaming ? "Thinking…" : "Thinking")),
    body,
  );
  details.open = open;
  details.addEventListener("toggle", () => onToggle(details.open));
  return details;
}

function toolCardEl(call: Part, result: Part | undefined, m: UiMessage, ctx: MessageContext): HTMLDetailsElement & PartEl {
  const name = call.tool_name ?? "tool";
  const running = result === undefined && m.status === "streaming";
  const state = result === undefined ? (running ? "running" : "interrupted") : result.is_error ? "error" : "ok";
  const summary = h(
    "summary",
    {},
    icon("tool", "icon"),
    h("span", { class: "tool-name" }, name),
    h("span", { class: "tool-args" }, argsPreview(call.args)),
    h(
      "span",
      { class: `tool-state tool-${state}` },
      state === "running" ? "running…" : state === "interrupted" ? "no result" : state === "error" ? "error" : "done",
      result?.duration_ms !== null && result?.duration_ms !== undefined ? ` · ${formatMs(result.duration_ms)}` : "",
    ),
  );
  const body = h(
    "div",
    { class: "tool-body" },
    h("div", { class: "tool-label" }, "Arguments"),
    h("pre", { class: "tool-pre" }, pretty(call.args)),
  );
  if (result !== undefined) {
    body.append(
      h("div", { class: "tool-label" }, result.is_error ? "Error" : "Result"),
      h("pre", { class: `tool-pre${result.is_error ? " tool-pre-error" : ""}` }, result.result ?? ""),
    );
    if (result.truncated) {
      body.append(h("div", { class: "tool-note" }, "Output truncated for the model; the full text is kept (view_truncated_output)."));
    }
  }
  const card = h("details", { class: `tool-card tool-card-${state}`, "data-testid": "tool-card", "data-tool": name, "data-state": state }, summary, body);
  void ctx;
  return card;
}

function askCardEl(call: Part, result: Part | undefined, m: UiMessage, ctx: MessageContext): PartEl {
  const args = (call.args ?? {}) as { question?: unknown; options?: unknown };
  const question = typeof args.question === "string" ? args.question : "";
  const options = Array.isArray(args.options) ? args.options.filter((o): o is string => typeof o === "string") : [];
  const callId = call.call_id ?? "";
  const given = ctx.answered[callId];
  const card = h("div", { class: "ask-card", "data-testid": "ask-card", "data-call-id": callId });
  card.append(h("div", { class: "ask-title" }, icon("chat", "icon"), "The assistant asks"), markdownEl(question, "ask-question", "ask-question"));
  if (result !== undefined) {
    card.classList.add("ask-done");
    card.append(h("div", { class: "ask-answer" }, result.is_error ? `Not answered: ${result.result ?? ""}` : `You answered: ${result.result ?? ""}`));
    return card;
  }
  if (m.status !== "streaming") {
    card.classList.add("ask-done");
    card.append(h("div", { class: "ask-answer" }, "The turn ended before an answer."));
    return card;
  }
  if (given !== undefined) {
    card.append(h("div", { class: "ask-answer" }, `Sending: ${given}`));
    return card;
  }
  if (options.length > 0) {
    card.append(
      h(
        "div",
        { class: "ask-options" },
        ...options.map((o) => h("button", { class: "btn btn-option", type: "button", on: { click: () => ctx.actions.answer(callId, o) } }, o)),
      ),
    );
  }
  const input = h("input", { class: "ask-input", type: "text", placeholder: "Type an answer…", "aria-label": "Answer" });
  const form = h(
    "form",
    { class: "ask-form", on: { submit: (e) => (e.preventDefault(), ctx.actions.answer(callId, input.value)) } },
    input,
    h("button", { class: "btn btn-primary", type: "submit" }, "Answer"),
  );
  card.append(form);
  return card;
}

function partKey(part: Part): string {
  return part.kind === "tool_call" || part.kind === "tool_result" ? `call:${part.call_id ?? part.id}` : `part:${part.id}`;
}

function renderParts(el: MessageEl, body: HTMLElement, m: UiMessage, ctx: MessageContext): void {
  const results = new Map<string, Part>();
  for (const p of m.parts) if (p.kind === "tool_result" && p.call_id !== null) results.set(p.call_id, p);
  const calls = new Set(m.parts.filter((p) => p.kind === "tool_call").map((p) => p.call_id));
  const old = el.__parts ?? new Map<string, PartEl>();
  const next = new Map<string, PartEl>();
  const toggled = (el.__toggled ??= new Map());
  const streaming = m.status === "streaming";
  const lastIndex = m.parts.length - 1;
  const wanted: PartEl[] = [];

  m.parts.forEach((part, index) => {
    // A result is drawn inside its call's card (a result without a call gets its own).
    if (part.kind === "tool_result" && calls.has(part.call_id)) return;
    const key = partKey(part);
    const result = part.kind === "tool_call" && part.call_id !== null ? results.get(part.call_id) : undefined;
    const prev = old.get(key);
    const thinkingLive = part.kind === "reasoning" && streaming && index === lastIndex;
    const extra = part.kind === "reasoning" ? thinkingLive : part.kind === "tool_call" ? `${m.status}|${ctx.answered[part.call_id ?? ""] ?? ""}` : null;
    if (prev !== undefined && prev.__part === part && prev.__result === result && prev.__extra === extra) {
      next.set(key, prev);
      wanted.push(prev);
      return;
    }
    let node: PartEl;
    switch (part.kind) {
      case "reasoning": {
        const open = toggled.get(part.id) ?? thinkingLive;
        node = thinkingEl(part, open, thinkingLive, (isOpen) => {
          if (isOpen !== thinkingLive) toggled.set(part.id, isOpen);
          else toggled.delete(part.id);
        });
        break;
      }
      case "tool_call":
        node = part.tool_name === "ask_user_input" ? askCardEl(part, result, m, ctx) : toolCardEl(part, result, m, ctx);
        if (prev !== undefined && prev.tagName === "DETAILS" && node.tagName === "DETAILS") (node as HTMLDetailsElement).open = (prev as HTMLDetailsElement).open;
        break;
      case "tool_result":
        node = toolCardEl({ ...part, kind: "tool_call", args: null }, part, m, ctx);
        break;
      case "plan":
        node = markdownEl(part.content ?? "", "message-plan", "plan");
        break;
      default:
        node = markdownEl(part.content ?? "", "message-text", "message-text");
        break;
    }
    node.__part = part;
    node.__result = result;
    node.__extra = extra;
    next.set(key, node);
    wanted.push(node);
  });

  // Put the wanted nodes in order, touching the DOM only where it differs.
  let cursor: ChildNode | null = body.firstChild;
  for (const node of wanted) {
    if (cursor === node) {
      cursor = cursor.nextSibling;
    } else {
      body.insertBefore(node, cursor);
    }
  }
  while (cursor !== null) {
    const nextSibling: ChildNode | null = cursor.nextSibling;
    body.removeChild(cursor);
    cursor = nextSibling;
  }
  el.__parts = next;
}

function actionsBar(m: UiMessage, ctx: MessageContext): HTMLElement {
  const text = m.content !== "" ? m.content : m.parts.filter((p) => p.kind === "text").map((p) => p.content ?? "").join("");
  return h(
    "div",
    { class: "msg-actions" },
    h("button", { class: "icon-btn", type: "button", title: "Copy text", "aria-label": "Copy text", on: { click: () => ctx.actions.copy(text) } }, icon("copy")),
    m.status === "queued"
      ? null
      : h(
          "button",
          { class: "icon-btn", type: "button", title: "Fork a new chat from here", "aria-label": "Fork from here", "data-testid": "fork", on: { click: () => ctx.actions.fork(m.id) } },
          icon("fork"),
        ),
  );
}

function sentinelEl(m: UiMessage, kind: string): HTMLElement {
  const titles: Record<string, string> = { cap_hit: "Tool budget reached", doom_loop: "Stopped a loop" };
  return h(
    "div",
    { class: `sentinel sentinel-${kind}`, "data-testid": "sentinel", "data-kind": kind, role: "status" },
    icon("warn", "icon"),
    h("div", {}, h("strong", {}, titles[kind] ?? "Notice"), h("div", { class: "sentinel-text" }, m.content)),
  );
}

/** Builds or updates the element of `m`. Returns the same element when it can. */
export function renderMessage(prev: MessageEl | undefined, m: UiMessage, ctx: MessageContext): MessageEl {
  if (prev !== undefined && prev.__msg === m && prev.__live === ctx.live && prev.__answered === ctx.answered) return prev;
  const kind = sentinelKind(m);
  const sameShape = prev !== undefined && prev.dataset["role"] === m.role && prev.dataset["shape"] === (kind ?? m.role);
  const el: MessageEl = sameShape ? prev : (h("article", { class: `msg msg-${m.role}`, "data-testid": "message" }) as MessageEl);
  el.dataset["role"] = m.role;
  el.dataset["status"] = m.status;
  el.dataset["id"] = m.id;
  el.dataset["shape"] = kind ?? m.role;

  if (kind !== null || m.role === "system") {
    if (el.__msg !== m) el.replaceChildren(sentinelEl(m, kind ?? "system"));
  } else if (m.role === "user") {
    if (el.__msg?.content !== m.content || el.__msg?.status !== m.status) {
      el.replaceChildren(
        h(
          "div",
          { class: "bubble" },
          m.status === "queued" ? h("span", { class: "badge badge-queued", "data-testid": "queued-badge" }, "queued") : null,
          h("div", { class: "bubble-text", "data-testid": "user-text" }, m.content),
        ),
        actionsBar(m, ctx),
      );
    }
  } else {
    let head = el.querySelector<HTMLElement>(":scope > .msg-head");
    let body = el.querySelector<HTMLElement>(":scope > .msg-body");
    if (head === null || body === null) {
      head = h("div", { class: "msg-head" });
      body = h("div", { class: "msg-body" });
      el.replaceChildren(head, body);
    }
    const who = [m.agent, m.model].filter((x): x is string => x !== null && x !== "").join(" · ");
    head.replaceChildren(h("span", { class: "avatar" }, "B"), h("span", { class: "msg-who" }, who === "" ? "assistant" : who));
    renderParts(el, body, m, ctx);
    for (const stale of el.querySelectorAll(":scope > .msg-error, :scope > .msg-foot, :scope > .msg-actions")) stale.remove();
    if (m.status === "streaming" && m.parts.length === 0) {
      body.append(h("div", { class: "typing", "data-testid": "typing" }, h("span", {}), h("span", {}), h("span", {})));
    } else {
      body.querySelector(":scope > .typing")?.remove();
    }
    if ((m.status === "failed" || m.status === "cancelled") && (m.error ?? "") !== "") {
      el.append(h("div", { class: `msg-error msg-error-${m.status}`, "data-testid": "message-error" }, m.status === "failed" ? "Failed: " : "Stopped: ", m.error ?? ""));
    } else if (m.status === "cancelled") {
      el.append(h("div", { class: "msg-error msg-error-cancelled", "data-testid": "message-error" }, "Stopped."));
    }
    const foot = h("div", { class: "msg-foot" });
    if (m.status === "streaming") {
      foot.append(h("span", { class: "live", "data-testid": "live-usage" }, h("span", { class: "pulse" }), liveText(ctx.live, m)));
    } else {
      const text = usageText(m.usage);
      if (text !== "") foot.append(h("span", { class: "usage", "data-testid": "usage" }, text));
      foot.append(actionsBar(m, ctx));
    }
    el.append(foot);
  }
  el.__msg = m;
  el.__live = ctx.live;
  el.__answered = ctx.answered;
  return el;
}
