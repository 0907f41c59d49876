// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { message, part } from "../testing/fixtures";
import type { UiMessage } from "../state/transcript";
import { liveText, renderMessage, usageText, type MessageContext } from "./message-view";

function ctx(over: Partial<MessageContext> = {}): MessageContext {
  return { live: undefined, answered: {}, actions: { fork: vi.fn(), answer: vi.fn(), copy: vi.fn() }, ...over };
}

const ui = (m: ReturnType<typeof message>): UiMessage => ({ ...m, order: m.seq });
const q = (el: Element, testid: string) => el.querySelector(`[data-testid="${testid}"]`);

describe("renderMessage", () => {
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

  it("asks the owner an open ask_user_input question and sends the answer", () => {
    const c = ctx();
    const m = ui(
      message("a1", 2, {
        role: "assistant",
        status: "streaming",
        parts: [part("p0", 0, { kind: "tool_call", tool_name: "ask_user_input", call_id: "q1", args: { question: "Which branch?", options: ["main", "dev"] } })],
      }),
    );
    const el = renderMessage(undefined, m, c);
    const card = q(el, "ask-card");
    expect(card?.textContent).toContain("Which branch?");
    const buttons = [...(card?.querySelectorAll("button") ?? [])];
    expect(buttons.map((b) => b.textContent)).toEqual(["main", "dev", "Answer"]);
    buttons[1]?.click();
    expect(c.actions.answer).toHaveBeenCalledWith("q1", "dev");
  });

  it("renders sentinels as banners", () => {
    const el = renderMessage(undefined, ui(message("s1", 3, { role: "system", content: "Stopped after 100 tool calls.", metadata: { kind: "cap_hit" } })), ctx());
    expect(el.dataset["role"]).toBe("system");
    expect(q(el, "sentinel")?.getAttribute("data-kind")).toBe("cap_hit");
    expect(q(el, "sentinel")?.textContent).toContain("Stopped after 100 tool calls.");
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
    expect(liveText({ phase: "generating", usage })).toBe("generating · 41.3 tok/s");
    expect(usageText(usage)).toBe("3 tokens · 41.3 tok/s");
    const calling = (name: string) =>
      ui(message("a1", 2, { role: "assistant", status: "streaming", parts: [part("p0", 0, { kind: "tool_call", tool_name: name, call_id: "c1" })] }));
    expect(liveText({ phase: "done", usage }, calling("grep"))).toBe("running grep…");
    expect(liveText({ phase: "done", usage }, calling("ask_user_input"))).toBe("waiting for your answer…");
  });
});
