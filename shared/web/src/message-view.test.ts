// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { agentCallPart, message, part } from "./fixtures";
import { uiMessage, type UiMessage } from "./transcript";
import { liveText, renderMessage, sizeText, usageText, type MessageContext } from "./message-view";

function ctx(over: Partial<MessageContext> = {}): MessageContext {
  return { live: undefined, actions: { fork: vi.fn(), copy: vi.fn() }, ...over };
}

const ui = (m: ReturnType<typeof message>): UiMessage => uiMessage(m);
const q = (el: Element, testid: string) => el.querySelector(`[data-testid="${testid}"]`);

describe("renderMessage", () => {
  it("shows a user message's attachments: chips for files, thumbnails for images", () => {
    const attachments = [
      { ordinal: 0, kind: "text", name: "main.rs", mime: "text/plain", bytes: 2048 },
      { ordinal: 1, kind: "image", name: "shot.png", mime: "image/png", bytes: 3 * 1024 * 1024 },
    ];
    const m = ui(message("u1", 1, { content: "look", metadata: { attachments } }));
    const url = (id: string, n: number) => `/api/messages/${id}/attachments/${n}`;
    const el = renderMessage(undefined, m, ctx({ actions: { copy: vi.fn(), attachmentUrl: url } }));
    const shown = [...el.querySelectorAll<HTMLElement>('[data-testid="attachment"]')].map((a) => [
      a.dataset["kind"],
      a.getAttribute("href"),
      a.getAttribute("title"),
      a.querySelector("img")?.getAttribute("src") ?? a.textContent,
    ]);
    expect(shown).toEqual([
      ["text", "/api/messages/u1/attachments/0", "main.rs · 2.0 KiB", "main.rs · 2.0 KiB"],
      ["image", "/api/messages/u1/attachments/1", "shot.png · 3.0 MiB", "/api/messages/u1/attachments/1"],
    ]);
    // Without a URL for them, names only.
    const plain = renderMessage(undefined, m, ctx());
    expect([...plain.querySelectorAll('[data-testid="attachment"]')].map((a) => [a.tagName, a.textContent])).toEqual([
      ["SPAN", "main.rs · 2.0 KiB"],
      ["SPAN", "shot.png · 3.0 MiB"],
    ]);
    expect(q(renderMessage(undefined, ui(message("u2", 2, { content: "hi" })), ctx()), "attachments")).toBeNull();
    expect([sizeText(12), sizeText(1536), sizeText(5 * 1024 * 1024)]).toEqual(["12 B", "1.5 KiB", "5.0 MiB"]);
  });

  it("shows thinking open while it streams, collapsed once the answer is done", () => {
    const reasoning = part("p0", 0, { kind: "reasoning", content: "Thinking about: hello" });
    const streaming = ui(message("a1", 2, { role: "assistant", status: "streaming", parts: [reasoning] }));
    const el = renderMessage(undefined, streaming, ctx({ live: { phase: "prompt", usage: streaming.usage } }));
    expect(el.dataset).toMatchObject({ testid: "message", role: "assistant", status: "streaming" });
    expect((q(el, "thinking") as HTMLDetailsElement).open).toBe(true);
    expect(q(el, "live-usage")?.textContent).toBe("processing prompt…");

    const done = ui(
      message("a1", 2, {
        role: "assistant",
        status: "complete",
        content: "Echo: **hello**",
        usage: { prompt_tokens: 10, completion_tokens: 4, tokens_per_second: 12.34, prompt_ms: 80 },
        parts: [reasoning, part("p1", 1, { kind: "text", content: "Echo: **hello**" })],
      }),
    );
    const same = renderMessage(el, done, ctx());
    expect(same).toBe(el);
    expect((q(el, "thinking") as HTMLDetailsElement).open).toBe(false);
    expect(q(el, "thinking")?.textContent).toContain("Thinking about: hello");
    expect(q(el, "message-text")?.innerHTML.trim()).toBe("<p>Echo: <strong>hello</strong></p>");
    expect(q(el, "usage")?.textContent).toBe("10 prompt tokens · 4 tokens · 12.3 tok/s · prompt 80 ms");
  });

  it("draws a tool call and its result as one card", () => {
    const m = ui(
      message("a1", 2, {
        role: "assistant",
        status: "complete",
        parts: [
          part("p0", 0, { kind: "tool_call", tool_name: "read_file", call_id: "c1", args: { path: "src/main.rs" } }),
          part("p1", 1, { kind: "tool_result", tool_name: "read_file", call_id: "c1", result: "no such file", is_error: true, duration_ms: 12, truncated: true }),
        ],
      }),
    );
    const el = renderMessage(undefined, m, ctx());
    const cards = el.querySelectorAll('[data-testid="tool-card"]');
    expect(cards).toHaveLength(1);
    expect(cards[0]?.getAttribute("data-state")).toBe("error");
    expect(cards[0]?.textContent).toContain("read_file");
    expect(cards[0]?.textContent).toContain("path: src/main.rs");
    expect(cards[0]?.textContent).toContain("12 ms");
    expect(cards[0]?.textContent).toContain("no such file");
    expect(cards[0]?.textContent).toContain("truncated");
  });

  it("draws an agent's tool call with its title, kind, status and output", () => {
    const meta = { title: "Run tests", kind: "execute", status: "completed", content: [{ type: "content", content: { type: "text", text: "42 passed" } }], locations: ["src/lib.rs"] };
    const m = ui(
      message("a1", 2, {
        role: "assistant",
        status: "complete",
        agent: "fake",
        parts: [
          agentCallPart("p0", 0, "t1", meta, { args: { cmd: "cargo test" } }),
          part("p1", 1, { kind: "tool_result", tool_name: "execute", call_id: "t1", result: "42 passed" }),
        ],
      }),
    );
    const el = renderMessage(undefined, m, ctx());
    expect(el.dataset["agent"]).toBe("fake");
    const card = q(el, "tool-card");
    expect(card?.getAttribute("data-state")).toBe("ok");
    expect(card?.getAttribute("data-status")).toBe("completed");
    expect(q(el, "tool-title")?.textContent).toBe("Run tests");
    expect(q(el, "tool-kind")?.textContent).toBe("execute");
    expect(q(el, "tool-status")?.textContent).toBe("completed");
    expect(card?.textContent).toContain("src/lib.rs");
    expect(card?.textContent).toContain("42 passed");
  });

  it("shows an agent's call in progress and a failed one", () => {
    const call = (status: string) => agentCallPart("p0", 0, "t1", { title: "Edit a.rs", kind: "edit", status });
    const running = renderMessage(undefined, ui(message("a1", 2, { role: "assistant", status: "streaming", parts: [call("in_progress")] })), ctx());
    expect(q(running, "tool-card")?.getAttribute("data-state")).toBe("running");
    expect(q(running, "tool-status")?.textContent).toBe("in progress");
    expect(q(running, "live-usage")?.textContent).toBe("running Edit a.rs…");
    const failed = renderMessage(undefined, ui(message("a1", 2, { role: "assistant", status: "complete", parts: [call("failed")] })), ctx());
    expect(q(failed, "tool-card")?.getAttribute("data-state")).toBe("error");
  });

  it("renders a diff in an agent's tool output", () => {
    const meta = { title: "Write", kind: "edit", status: "completed", content: [{ type: "diff", path: "a.txt", oldText: "old", newText: "new" }], locations: [] };
    const el = renderMessage(undefined, ui(message("a1", 2, { role: "assistant", status: "complete", parts: [agentCallPart("p0", 0, "t1", meta)] })), ctx());
    expect([...el.querySelectorAll(".diff-line")].map((l) => [l.className, l.textContent])).toEqual([
      ["diff-line diff-del", "-old"],
      ["diff-line diff-add", "+new"],
    ]);
  });

  it("lists a plan with the status of each entry", () => {
    const entries = [
      { content: "read the code", status: "completed", priority: "high" },
      { content: "write the fix", status: "in_progress", priority: "medium" },
      { content: "run the tests", status: "pending", priority: "low" },
    ];
    const el = renderMessage(undefined, ui(message("a1", 2, { role: "assistant", status: "streaming", parts: [part("p0", 0, { kind: "plan", args: entries })] })), ctx());
    expect([...el.querySelectorAll('[data-testid="plan-entry"]')].map((e) => [e.getAttribute("data-status"), e.textContent])).toEqual([
      ["completed", "✓read the code"],
      ["in_progress", "▸write the fix"],
      ["pending", "○run the tests"],
    ]);
  });

  it("offers fork only when the client can fork", () => {
    const m = ui(message("a1", 2, { role: "assistant", status: "complete", parts: [part("p0", 0, { kind: "text", content: "hi" })] }));
    expect(q(renderMessage(undefined, m, ctx()), "fork")).not.toBeNull();
    expect(q(renderMessage(undefined, m, ctx({ actions: { copy: vi.fn() } })), "fork")).toBeNull();
  });

  it("renders sentinels as banners", () => {
    const el = renderMessage(undefined, ui(message("s1", 3, { role: "system", content: "Stopped after 100 tool calls.", metadata: { kind: "cap_hit" } })), ctx());
    expect(el.dataset["role"]).toBe("system");
    expect(q(el, "sentinel")?.getAttribute("data-kind")).toBe("cap_hit");
    expect(q(el, "sentinel")?.textContent).toContain("Stopped after 100 tool calls.");
  });

  it("titles the notice of files that cannot be staged", () => {
    const text = '1 changed file(s) in the worktree cannot be staged as pending changes:\n"a\\\\b.txt": contains a backslash';
    const files = [{ path: "a\\b.txt", reason: "contains a backslash" }];
    const el = renderMessage(undefined, ui(message("s2", 4, { role: "system", content: text, metadata: { kind: "unstaged_files", files } })), ctx());
    expect(q(el, "sentinel")?.getAttribute("data-kind")).toBe("unstaged_files");
    expect(q(el, "sentinel")?.querySelector("strong")?.textContent).toBe("Files not staged");
    expect(q(el, "sentinel")?.querySelector(".sentinel-text")?.textContent).toBe(text);
  });

  it("shows why a message failed", () => {
    const el = renderMessage(undefined, ui(message("a1", 2, { role: "assistant", status: "failed", error: "connection refused" })), ctx());
    expect(q(el, "message-error")?.textContent).toBe("Failed: connection refused");
  });

  it("marks queued user messages", () => {
    const el = renderMessage(undefined, ui(message("u1", 2, { status: "queued", content: "next <b>one</b>" })), ctx());
    expect(q(el, "queued-badge")?.textContent).toBe("queued");
    expect(q(el, "user-text")?.textContent).toBe("next <b>one</b>");
    expect(q(el, "user-text")?.querySelector("b")).toBeNull();
  });
});

describe("texts", () => {
  it("describes live usage", () => {
    const usage = { prompt_tokens: null, completion_tokens: 3, tokens_per_second: 41.26, prompt_ms: null };
    expect(liveText(undefined)).toBe("processing prompt…");
    expect(liveText({ phase: "prompt", usage, progress: { processed: 300, total: 1200, cache: 0 } })).toBe("processing prompt · 300/1200 tokens (25%)");
    expect(liveText({ phase: "prompt", usage, progress: { processed: 0, total: 0, cache: 0 } })).toBe("processing prompt…");
    expect(liveText({ phase: "generating", usage })).toBe("generating · 41.3 tok/s");
    expect(usageText(usage)).toBe("3 tokens · 41.3 tok/s");
    const calling = (name: string) =>
      ui(message("a1", 2, { role: "assistant", status: "streaming", parts: [part("p0", 0, { kind: "tool_call", tool_name: name, call_id: "c1" })] }));
    expect(liveText({ phase: "done", usage }, calling("grep"))).toBe("running grep…");
    expect(liveText({ phase: "done", usage }, calling("ask_user_input"))).toBe("waiting for your answer…");
  });
});
