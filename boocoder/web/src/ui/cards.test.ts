// @vitest-environment jsdom
import { CHAT } from "@boocode/common/fixtures";
import { describe, expect, it, vi } from "vitest";
import type { ElicitationRequest, PermissionRequest } from "../state/session";
import { describeToolCall, RequestList, type CardContext } from "./cards";

const permission: PermissionRequest = {
  kind: "permission",
  requestId: "r1",
  chatId: CHAT,
  taskId: "t1",
  agent: "fake",
  toolCall: { toolCallId: "ask-1", title: "Edit src/lib.rs", kind: "edit", rawInput: { path: "src/lib.rs" } },
  options: [
    { id: "allow_once", name: "Allow once", kind: "allow_once" },
    { id: "allow_always", name: "Always allow", kind: "allow_always" },
    { id: "reject_once", name: "Reject", kind: "reject_once" },
  ],
};

const elicitation: ElicitationRequest = {
  kind: "elicitation",
  requestId: "e1",
  chatId: CHAT,
  taskId: "t1",
  agent: "fake",
  message: "Tell me more",
  schema: { type: "object", properties: { name: { type: "string" }, count: { type: "integer" }, ok: { type: "boolean" } }, required: ["name"] },
};

function ctx(over: Partial<CardContext> = {}): CardContext & { actions: { permission: ReturnType<typeof vi.fn>; elicitation: ReturnType<typeof vi.fn> } } {
  return { answering: {}, errors: {}, actions: { permission: vi.fn(), elicitation: vi.fn() }, ...over } as never;
}

describe("permission card", () => {
  it("offers the agent's options as buttons and a cancel", () => {
    const list = new RequestList();
    const c = ctx();
    list.update([permission], c);
    const card = list.el.querySelector<HTMLElement>('[data-testid="permission-card"]')!;
    expect(card.dataset["agent"]).toBe("fake");
    expect(card.textContent).toContain("Edit src/lib.rs");
    expect([...card.querySelectorAll<HTMLElement>("[data-option-id]")].map((b) => [b.dataset["optionId"], b.textContent])).toEqual([
      ["allow_once", "Allow once"],
      ["allow_always", "Always allow"],
      ["reject_once", "Reject"],
    ]);
    card.querySelector<HTMLButtonElement>('[data-option-id="allow_always"]')?.click();
    expect(c.actions.permission).toHaveBeenCalledWith("r1", "allow_always");
    card.querySelector<HTMLButtonElement>('[data-testid="permission-cancel"]')?.click();
    expect(c.actions.permission).toHaveBeenCalledWith("r1", null);
  });

  it("disables the buttons while an answer is sent, shows an error, goes once resolved", () => {
    const list = new RequestList();
    list.update([permission], ctx({ answering: { r1: "allow_once" } }));
    expect([...list.el.querySelectorAll<HTMLButtonElement>("button")].every((b) => b.disabled)).toBe(true);
    list.update([permission], ctx({ errors: { r1: "HTTP 502" } }));
    expect(list.el.querySelector('[role="alert"]')?.textContent).toBe("HTTP 502");
    expect(list.update([], ctx())).toBe(true);
    expect(list.el.children).toHaveLength(0);
  });

  it("describes a tool call however much the agent said", () => {
    expect(describeToolCall(null)).toEqual({ title: "a tool call", kind: null, detail: null });
    expect(describeToolCall({ toolCallId: "x" })).toEqual({ title: "x", kind: null, detail: null });
    expect(describeToolCall({ title: "Run", kind: "execute", rawInput: "ls" })).toEqual({ title: "Run", kind: "execute", detail: "ls" });
  });
});

describe("elicitation card", () => {
  it("renders the schema as a form, checks it and sends typed content", () => {
    const list = new RequestList();
    // A form submits only while it is in the document.
    document.body.replaceChildren(list.el);
    const c = ctx();
    list.update([elicitation], c);
    const card = list.el.querySelector<HTMLElement>('[data-testid="elicitation-card"]')!;
    expect(card.textContent).toContain("Tell me more");
    const field = (name: string) => card.querySelector<HTMLInputElement>(`[data-field="${name}"]`)!;
    expect([field("name").type, field("count").type, field("ok").type]).toEqual(["text", "number", "checkbox"]);
    const submit = card.querySelector<HTMLButtonElement>('[data-testid="elicitation-accept"]')!;
    submit.click();
    expect(c.actions.elicitation).not.toHaveBeenCalled();
    expect(card.querySelector('[data-error-for="name"]')?.textContent).toBe("required");
    field("name").value = "Ada";
    field("count").value = "3";
    field("ok").checked = true;
    submit.click();
    expect(c.actions.elicitation).toHaveBeenCalledWith("e1", "accept", { name: "Ada", count: 3, ok: true });
    card.querySelector<HTMLButtonElement>('[data-testid="elicitation-decline"]')?.click();
    expect(c.actions.elicitation).toHaveBeenCalledWith("e1", "decline");
  });

  it("keeps typed values across updates that change nothing for it", () => {
    const list = new RequestList();
    list.update([elicitation], ctx());
    const input = list.el.querySelector<HTMLInputElement>('[data-field="name"]')!;
    input.value = "typed";
    list.update([permission, elicitation], ctx());
    expect(list.el.querySelector<HTMLInputElement>('[data-field="name"]')).toBe(input);
    expect(input.value).toBe("typed");
  });
});
