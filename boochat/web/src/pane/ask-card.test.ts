// @vitest-environment jsdom
import { message, part } from "@boocode/common/fixtures";
import { renderMessage } from "@boocode/common/message-view";
import { uiMessage, type UiMessage } from "@boocode/common/transcript";
import { describe, expect, it, vi } from "vitest";
import { askCards } from "./ask-card";

const ui = (m: ReturnType<typeof message>): UiMessage => uiMessage(m);
const ask = part("p0", 0, { kind: "tool_call", tool_name: "ask_user_input", call_id: "q1", args: { question: "Which branch?", options: ["main", "dev"] } });

describe("ask_user_input card", () => {
  it("asks the owner an open question and sends the answer", () => {
    const answer = vi.fn();
    const m = ui(message("a1", 2, { role: "assistant", status: "streaming", parts: [ask] }));
    const el = renderMessage(undefined, m, { live: undefined, actions: { copy: vi.fn() }, renderCall: askCards(answer), extra: {} });
    const card = el.querySelector('[data-testid="ask-card"]');
    expect(card?.textContent).toContain("Which branch?");
    expect(el.querySelector('[data-testid="tool-card"]')).toBeNull();
    const buttons = [...(card?.querySelectorAll("button") ?? [])];
    expect(buttons.map((b) => b.textContent)).toEqual(["main", "dev", "Answer"]);
    buttons[1]?.click();
    expect(answer).toHaveBeenCalledWith("q1", "dev");
  });

  it("shows the answer being sent, redrawn when the answers change", () => {
    const m = ui(message("a1", 2, { role: "assistant", status: "streaming", parts: [ask] }));
    const base = { live: undefined, actions: { copy: vi.fn() }, renderCall: askCards(vi.fn()) };
    const el = renderMessage(undefined, m, { ...base, extra: {} });
    renderMessage(el, m, { ...base, extra: { q1: "dev" } });
    expect(el.querySelector('[data-testid="ask-card"]')?.textContent).toContain("Sending: dev");
    expect(el.querySelectorAll("button.btn-option")).toHaveLength(0);
  });

  it("leaves other tool calls to the default card", () => {
    const m = ui(message("a1", 2, { role: "assistant", status: "complete", parts: [part("p0", 0, { kind: "tool_call", tool_name: "grep", call_id: "c1" })] }));
    const el = renderMessage(undefined, m, { live: undefined, actions: { copy: vi.fn() }, renderCall: askCards(vi.fn()), extra: {} });
    expect(el.querySelector('[data-testid="tool-card"]')?.getAttribute("data-tool")).toBe("grep");
  });
});
