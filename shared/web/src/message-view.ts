// One message of the transcript. The element of a message stays while it streams; its
// parts are reconciled by part id, so a delta re-renders only the part it grew.
//
// Shared by boochat (model turns, its tools) and boocoder (agent turns: tool calls with
// the agent's title/kind/status, plans). A client can draw some tool calls itself
// (boochat's ask_user_input card) through `MessageContext.renderCall`.

import type { Part, Usage } from "@boocode/types";
import { h, icon } from "./dom";
import { renderMarkdown } from "./markdown";
import { callSnapshot, planEntries, sentinelKind, type CallSnapshot, type LiveUsage, type PlanEntry, type UiMessage } from "./transcript";

export type MessageActions = {
  copy(text: string): void;
  /** Offered on every settled message when given. */
  fork?: (messageId: string) => void;
  /** Compacts the chat (offered on a `context_overflow` notice when given). */
  compact?: () => void;
  /** Where an attachment of a user message is served; without it, no image previews. */
  attachmentUrl?: (messageId: string, ordinal: number) => string;
  /** Offered on settled answers when given: a new answer beside this one. */
  regenerate?: (messageId: string) => void;
  /** Offered on sent user messages when given: a new version beside this one, answered anew. */
  edit?: (messageId: string, content: string) => void;
  /** Shows the sibling `messageId` instead (the "‹ 2/3 ›" arrows of a message with siblings). */
  switchBranch?: (messageId: string) => void;
};

/** An entry of a user message's `metadata.attachments` (boochat's AttachmentInfo). */
type AttachmentMeta = { ordinal: number; kind: "text" | "image"; name: string; mime: string; bytes: number };

function attachmentList(m: UiMessage): AttachmentMeta[] {
  const list = (m.metadata as { attachments?: unknown }).attachments;
  return Array.isArray(list) ? (list as AttachmentMeta[]) : [];
}

/** "12 B", "3.4 KiB", "1.2 MiB". */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** The files a user message carries: a chip per text file, a thumbnail per image. */
function attachmentsEl(m: UiMessage, ctx: MessageContext): HTMLElement | null {
  const list = attachmentList(m);
  if (list.length === 0) return null;
  const url = ctx.actions.attachmentUrl;
  return h(
    "div",
    { class: "attachments", "data-testid": "attachments" },
    ...list.map((a) => {
      const href = url?.(m.id, a.ordinal);
      const label = `${a.name} · ${sizeText(a.bytes)}`;
      const body =
        a.kind === "image" && href !== undefined
          ? h("img", { class: "attachment-thumb", src: href, alt: a.name, loading: "lazy" })
          : h("span", { class: "attachment-name" }, label);
      const attrs = { class: `attachment attachment-${a.kind}`, "data-testid": "attachment", "data-kind": a.kind, title: label };
      return href === undefined ? h("span", attrs, body) : h("a", { ...attrs, href, target: "_blank", rel: "noopener" }, body);
    }),
  );
}

/**
 * Draws a tool call (with its result, if any) instead of the default tool card;
 * `undefined` keeps the default. `extra` is {@link MessageContext.extra}.
 */
export type CallRenderer = (call: Part, result: Part | undefined, m: UiMessage, extra: unknown) => HTMLElement | undefined;

export type MessageContext = {
  live: LiveUsage | undefined;
  actions: MessageActions;
  renderCall?: CallRenderer;
  /**
   * Client state the custom call cards depend on, compared by identity: when it
   * changes, tool calls are drawn again.
   */
  extra?: unknown;
};

type PartEl = HTMLElement & { __part?: Part; __result?: Part | undefined; __key?: unknown; __extra?: unknown };

export type MessageEl = HTMLElement & {
  __msg?: UiMessage;
  __live?: LiveUsage | undefined;
  __extra?: unknown;
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
  if (call !== undefined) {
    if (call.tool_name === "ask_user_input") return "waiting for your answer…";
    const title = callSnapshot(call)?.title;
    return `running ${title !== undefined && title !== "" ? title : (call.tool_name ?? "a tool")}…`;
  }
  if (live === undefined || live.phase === "prompt") {
    const p = live?.progress;
    if (p === undefined || p.total <= 0) return "processing prompt…";
    return `processing prompt · ${p.processed}/${p.total} tokens (${Math.round((p.processed / p.total) * 100)}%)`;
  }
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

export function markdownEl(source: string, testid: string, cls: string): HTMLElement {
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

type CardState = "running" | "interrupted" | "error" | "ok";

const STATE_TEXT: Record<CardState, string> = { running: "running…", interrupted: "no result", error: "error", ok: "done" };

function cardState(result: Part | undefined, m: UiMessage, snapshot: CallSnapshot | null): CardState {
  if (snapshot !== null) {
    if (snapshot.status === "failed") return "error";
    if (snapshot.status === "completed") return "ok";
  }
  if (result === undefined) return m.status === "streaming" ? "running" : "interrupted";
  return result.is_error ? "error" : "ok";
}

/** One entry of an ACP tool call's `content`: text, a diff of a file, or a terminal. */
function contentEl(item: unknown): HTMLElement | null {
  if (typeof item !== "object" || item === null) return null;
  const c = item as Record<string, unknown>;
  if (c["type"] === "diff" && typeof c["path"] === "string") {
    const oldText = typeof c["oldText"] === "string" ? c["oldText"] : "";
    const newText = typeof c["newText"] === "string" ? c["newText"] : "";
    const lines = [
      ...(oldText === "" ? [] : oldText.split("\n").map((l) => h("div", { class: "diff-line diff-del" }, `-${l}`))),
      ...newText.split("\n").map((l) => h("div", { class: "diff-line diff-add" }, `+${l}`)),
    ];
    return h("div", { class: "tool-diff" }, h("div", { class: "tool-label" }, c["path"]), h("div", { class: "diff-body" }, ...lines));
  }
  if (c["type"] === "terminal") return h("div", { class: "tool-note" }, `terminal ${String(c["terminalId"] ?? "")}`);
  const inner = (c["type"] === "content" ? c["content"] : c) as Record<string, unknown> | undefined;
  if (inner !== undefined && typeof inner === "object" && inner !== null && typeof inner["text"] === "string") {
    return h("pre", { class: "tool-pre" }, inner["text"]);
  }
  return h("pre", { class: "tool-pre" }, pretty(item));
}

function toolCardEl(call: Part, result: Part | undefined, m: UiMessage): HTMLDetailsElement & PartEl {
  const snapshot = callSnapshot(call);
  const name = call.tool_name ?? "tool";
  const state = cardState(result, m, snapshot);
  const title = snapshot !== null && snapshot.title !== "" ? snapshot.title : name;
  const summary = h(
    "summary",
    {},
    icon("tool", "icon"),
    h("span", { class: "tool-name", "data-testid": "tool-title" }, title),
    snapshot !== null
      ? h("span", { class: "tool-kind", "data-testid": "tool-kind" }, snapshot.kind === "" ? "tool" : snapshot.kind)
      : null,
    h("span", { class: "tool-args" }, argsPreview(call.args)),
    h(
      "span",
      { class: `tool-state tool-${state}`, "data-testid": "tool-status" },
      snapshot !== null && snapshot.status !== "" && state !== "interrupted" ? snapshot.status.replace("_", " ") : STATE_TEXT[state],
      result?.duration_ms !== null && result?.duration_ms !== undefined ? ` · ${formatMs(result.duration_ms)}` : "",
    ),
  );
  const body = h("div", { class: "tool-body" });
  if (snapshot !== null && snapshot.locations.length > 0) {
    body.append(h("div", { class: "tool-label" }, "Files"), h("div", { class: "tool-locations" }, ...snapshot.locations.map((l) => h("code", {}, l))));
  }
  if (call.args !== null && call.args !== undefined) {
    body.append(h("div", { class: "tool-label" }, "Arguments"), h("pre", { class: "tool-pre" }, pretty(call.args)));
  }
  const content = snapshot?.content ?? [];
  if (content.length > 0) {
    body.append(h("div", { class: "tool-label" }, "Output"), ...content.map(contentEl).filter((x): x is HTMLElement => x !== null));
  } else if (result !== undefined) {
    body.append(
      h("div", { class: "tool-label" }, result.is_error ? "Error" : "Result"),
      h("pre", { class: `tool-pre${result.is_error ? " tool-pre-error" : ""}` }, result.result ?? ""),
    );
  }
  if (result?.truncated === true) {
    body.append(h("div", { class: "tool-note" }, "Output truncated for the model; the full text is kept (view_truncated_output)."));
  }
  return h(
    "details",
    {
      class: `tool-card tool-card-${state}`,
      "data-testid": "tool-card",
      "data-tool": name,
      "data-state": state,
      "data-status": snapshot?.status ?? null,
      "data-call-id": call.call_id,
    },
    summary,
    body,
  );
}

const PLAN_MARK: Record<string, string> = { completed: "✓", in_progress: "▸", pending: "○" };

function planEl(entries: readonly PlanEntry[]): PartEl {
  return h(
    "div",
    { class: "plan", "data-testid": "plan" },
    h("div", { class: "tool-label" }, "Plan"),
    h(
      "ol",
      { class: "plan-list" },
      ...entries.map((e) =>
        h(
          "li",
          { class: `plan-entry plan-${e.status}`, "data-status": e.status, "data-testid": "plan-entry" },
          h("span", { class: "plan-mark", "aria-hidden": "true" }, PLAN_MARK[e.status] ?? "○"),
          h("span", {}, e.content),
        ),
      ),
    ),
  );
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
    const partState = part.kind === "reasoning" ? thinkingLive : part.kind === "tool_call" ? m.status : null;
    const extra = part.kind === "tool_call" ? ctx.extra : undefined;
    if (prev !== undefined && prev.__part === part && prev.__result === result && prev.__key === partState && prev.__extra === extra) {
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
        node = ctx.renderCall?.(part, result, m, ctx.extra) ?? toolCardEl(part, result, m);
        if (prev !== undefined && prev.tagName === "DETAILS" && node.tagName === "DETAILS") (node as HTMLDetailsElement).open = (prev as HTMLDetailsElement).open;
        break;
      case "tool_result":
        node = toolCardEl({ ...part, kind: "tool_call", args: null }, part, m);
        break;
      case "plan": {
        const entries = planEntries(part);
        node = entries === null ? markdownEl(part.content ?? "", "message-plan", "plan") : planEl(entries);
        break;
      }
      default:
        node = markdownEl(part.content ?? "", "message-text", "message-text");
        break;
    }
    node.__part = part;
    node.__result = result;
    node.__key = partState;
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

/** "‹ 2/3 ›": step between the siblings of `m` (none when it has none). */
export function branchNav(m: UiMessage, switchBranch: ((id: string) => void) | undefined): HTMLElement | null {
  const b = m.branch;
  if (b === undefined || switchBranch === undefined || b.count < 2) return null;
  const to = (i: number): (() => void) => {
    const id = b.sibling_ids[i];
    return () => {
      if (id !== undefined) switchBranch(id);
    };
  };
  return h(
    "span",
    { class: "branch-nav", "data-testid": "branch-nav" },
    h("button", { class: "icon-btn", type: "button", title: "Previous version", "aria-label": "Previous version", "data-testid": "branch-prev", disabled: b.index === 0, on: { click: to(b.index - 1) } }, "‹"),
    h("span", { class: "branch-pos", "data-testid": "branch-pos" }, `${b.index + 1}/${b.count}`),
    h("button", { class: "icon-btn", type: "button", title: "Next version", "aria-label": "Next version", "data-testid": "branch-next", disabled: b.index + 1 >= b.count, on: { click: to(b.index + 1) } }, "›"),
  );
}

/** The inline editor of a user message: its text, Send (a new version) and Cancel. */
function editBox(el: MessageEl, m: UiMessage, edit: (id: string, content: string) => void): HTMLElement {
  const area = h("textarea", { class: "edit-text", "data-testid": "edit-text", rows: 3 });
  area.value = m.content;
  const close = (): void => {
    box.remove();
    el.classList.remove("editing");
  };
  const box = h(
    "div",
    { class: "edit-box" },
    area,
    h(
      "div",
      { class: "edit-actions" },
      h("button", { class: "btn", type: "button", "data-testid": "edit-cancel", on: { click: close } }, "Cancel"),
      h(
        "button",
        {
          class: "btn btn-primary",
          type: "button",
          "data-testid": "edit-send",
          on: {
            click: () => {
              if (area.value.trim() === "") return;
              edit(m.id, area.value);
              close();
            },
          },
        },
        "Send as new version",
      ),
    ),
  );
  return box;
}

function actionsBar(m: UiMessage, ctx: MessageContext, el?: MessageEl): HTMLElement {
  const text = m.content !== "" ? m.content : m.parts.filter((p) => p.kind === "text").map((p) => p.content ?? "").join("");
  const fork = ctx.actions.fork;
  const settled = m.status !== "queued" && m.status !== "streaming";
  const { regenerate, edit } = ctx.actions;
  return h(
    "div",
    { class: "msg-actions" },
    branchNav(m, ctx.actions.switchBranch),
    h("button", { class: "icon-btn", type: "button", title: "Copy text", "aria-label": "Copy text", on: { click: () => ctx.actions.copy(text) } }, icon("copy")),
    m.role === "user" && settled && edit !== undefined && el !== undefined
      ? h(
          "button",
          {
            class: "icon-btn",
            type: "button",
            title: "Edit: send a new version (this one is kept)",
            "aria-label": "Edit",
            "data-testid": "edit",
            on: {
              click: () => {
                if (el.querySelector(":scope > .edit-box") !== null) return;
                el.classList.add("editing");
                el.append(editBox(el, m, edit));
                el.querySelector<HTMLTextAreaElement>(".edit-text")?.focus();
              },
            },
          },
          icon("edit"),
        )
      : null,
    m.role === "assistant" && settled && regenerate !== undefined
      ? h(
          "button",
          { class: "icon-btn", type: "button", title: "Regenerate: a new answer (this one is kept)", "aria-label": "Regenerate", "data-testid": "regenerate", on: { click: () => regenerate(m.id) } },
          icon("refresh"),
        )
      : null,
    m.status === "queued" || fork === undefined
      ? null
      : h(
          "button",
          { class: "icon-btn", type: "button", title: "Fork a new chat from here", "aria-label": "Fork from here", "data-testid": "fork", on: { click: () => fork(m.id) } },
          icon("fork"),
        ),
  );
}

/** A compaction summary: collapsed to one line, the summary the model sees inside. */
function compactionEl(m: UiMessage): HTMLElement {
  const covered = m.metadata?.["covered"];
  const auto = m.metadata?.["auto"] === true;
  const what = typeof covered === "number" ? `${covered} earlier message${covered === 1 ? "" : "s"} summarised` : "earlier messages summarised";
  return h(
    "details",
    { class: "sentinel sentinel-compaction", "data-testid": "sentinel", "data-kind": "compaction" },
    h("summary", {}, h("strong", {}, auto ? "Context compacted" : "Compacted"), ` · ${what} (the model sees this summary instead)`),
    h("div", { class: "sentinel-text", "data-testid": "compaction-summary" }, m.content),
  );
}

function sentinelEl(m: UiMessage, kind: string, ctx: MessageContext): HTMLElement {
  if (kind === "compaction") return compactionEl(m);
  const titles: Record<string, string> = {
    cap_hit: "Tool budget reached",
    doom_loop: "Stopped a loop",
    unstaged_files: "Files not staged",
    checkpoint_failed: "No checkpoint",
    context_overflow: "Context full",
  };
  const compact = kind === "context_overflow" ? ctx.actions.compact : undefined;
  return h(
    "div",
    { class: `sentinel sentinel-${kind}`, "data-testid": "sentinel", "data-kind": kind, role: "status" },
    icon("warn", "icon"),
    h(
      "div",
      {},
      h("strong", {}, titles[kind] ?? "Notice"),
      h("div", { class: "sentinel-text" }, m.content),
      compact === undefined ? null : h("button", { class: "btn btn-small", type: "button", "data-testid": "compact-now", on: { click: () => compact() } }, "Compact now"),
    ),
  );
}

/** Builds or updates the element of `m`. Returns the same element when it can. */
export function renderMessage(prev: MessageEl | undefined, m: UiMessage, ctx: MessageContext): MessageEl {
  if (prev !== undefined && prev.__msg === m && prev.__live === ctx.live && prev.__extra === ctx.extra) return prev;
  const kind = sentinelKind(m);
  const sameShape = prev !== undefined && prev.dataset["role"] === m.role && prev.dataset["shape"] === (kind ?? m.role);
  const el: MessageEl = sameShape ? prev : (h("article", { class: `msg msg-${m.role}`, "data-testid": "message" }) as MessageEl);
  el.dataset["role"] = m.role;
  el.dataset["status"] = m.status;
  el.dataset["id"] = m.id;
  el.dataset["shape"] = kind ?? m.role;
  if (m.agent !== null) el.dataset["agent"] = m.agent;
  else delete el.dataset["agent"];

  if (kind !== null || m.role === "system") {
    if (el.__msg !== m) el.replaceChildren(sentinelEl(m, kind ?? "system", ctx));
  } else if (m.role === "user") {
    if (el.__msg?.content !== m.content || el.__msg?.status !== m.status || el.__msg?.metadata !== m.metadata || el.__msg?.branch !== m.branch) {
      el.replaceChildren(
        h(
          "div",
          { class: "bubble" },
          m.status === "queued" ? h("span", { class: "badge badge-queued", "data-testid": "queued-badge" }, "queued") : null,
          h("div", { class: "bubble-text", "data-testid": "user-text" }, m.content),
          attachmentsEl(m, ctx),
        ),
        actionsBar(m, ctx, el),
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
    head.replaceChildren(h("span", { class: "avatar" }, "B"), h("span", { class: "msg-who", "data-testid": "message-who" }, who === "" ? "assistant" : who));
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
  el.__extra = ctx.extra;
  return el;
}
