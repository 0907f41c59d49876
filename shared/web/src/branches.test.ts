// @vitest-environment jsdom
// Message branches in the browser: the window's sibling info on the transcript's
// messages, the "‹ 2/3 ›" arrows, regenerate and the inline edit.
import { describe, expect, it, vi } from "vitest";
import { CHAT, message, windowOf } from "./fixtures";
import { renderMessage, type MessageActions } from "./message-view";
import { applyChatFrame, fromWindow, prependOlder, replaceWithWindow, uiMessage } from "./transcript";

const q = (el: Element, testid: string) => el.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
const branch = { message_id: "a2", index: 1, count: 3, sibling_ids: ["a1", "a2", "a3"] };

describe("branches on the transcript", () => {
  it("drops the old branch when a reload after a switch reaches the chat's start", () => {
    const before = fromWindow(CHAT, windowOf([message("u1", 1, { content: "first" }), message("a1", 2, { role: "assistant" })]));
    const edited = windowOf([message("u2", 3, { content: "second" }), message("a2", 4, { role: "assistant" })], false, [
      { message_id: "u2", index: 1, count: 2, sibling_ids: ["u1", "u2"] },
    ]);
    expect(replaceWithWindow(before, edited).messages.map((m) => [m.id, m.branch?.index])).toEqual([
      ["u2", 1],
      ["a2", undefined],
    ]);
    // With older messages on the server, what was loaded before the window stays.
    expect(replaceWithWindow(before, { ...edited, has_more: true }).messages.map((m) => m.id)).toEqual(["u1", "a1", "u2", "a2"]);
  });

  it("puts a window's sibling info on its messages and keeps it through frames", () => {
    const w = windowOf([message("u1", 1), message("a2", 3, { role: "assistant", content: "two" })], true, [branch]);
    const t = fromWindow(CHAT, w);
    expect(t.messages.map((m) => [m.id, m.branch])).toEqual([
      ["u1", undefined],
      ["a2", branch],
    ]);
    const older = prependOlder(t, windowOf([message("u0", 0)], false, [{ message_id: "u0", index: 0, count: 2, sibling_ids: ["u0", "u9"] }]));
    expect(older.messages.map((m) => [m.id, m.branch?.count])).toEqual([
      ["u0", 2],
      ["u1", undefined],
      ["a2", 3],
    ]);
    // A streaming copy of a2 replaced by its final frame keeps where it sits.
    const streaming = fromWindow(CHAT, windowOf([message("a2", 3, { role: "assistant", status: "streaming" })], false, [branch]));
    const done = applyChatFrame(streaming, {
      type: "message_started",
      chat_id: CHAT,
      message: message("a2", 3, { role: "assistant", status: "complete", content: "two" }),
    } as never);
    expect(done.messages[0]?.branch).toEqual(branch);
  });
});

function actions() {
  return { copy: vi.fn(), fork: vi.fn(), regenerate: vi.fn(), edit: vi.fn(), switchBranch: vi.fn() } satisfies MessageActions;
}

describe("branch arrows and actions", () => {
  it("show the position and step to the neighbours", () => {
    const a = actions();
    const m = { ...uiMessage(message("a2", 3, { role: "assistant", content: "two" })), branch };
    const el = renderMessage(undefined, m, { live: undefined, actions: a });
    expect(q(el, "branch-pos")?.textContent).toBe("2/3");
    q(el, "branch-prev")?.click();
    q(el, "branch-next")?.click();
    expect(a.switchBranch.mock.calls).toEqual([["a1"], ["a3"]]);
    q(el, "regenerate")?.click();
    expect(a.regenerate.mock.calls).toEqual([["a2"]]);
  });

  it("disable the arrow past either end and are absent without siblings", () => {
    const a = actions();
    const first = { ...uiMessage(message("a1", 2, { role: "assistant" })), branch: { ...branch, message_id: "a1", index: 0 } };
    const el = renderMessage(undefined, first, { live: undefined, actions: a });
    expect([q(el, "branch-prev")?.hasAttribute("disabled"), q(el, "branch-next")?.hasAttribute("disabled"), q(el, "branch-pos")?.textContent]).toEqual([
      true,
      false,
      "1/3",
    ]);
    const alone = renderMessage(undefined, uiMessage(message("a4", 5, { role: "assistant" })), { live: undefined, actions: a });
    expect(q(alone, "branch-nav")).toBeNull();
    // A streaming answer cannot be regenerated yet.
    const streaming = renderMessage(undefined, uiMessage(message("a5", 6, { role: "assistant", status: "streaming" })), { live: undefined, actions: a });
    expect(q(streaming, "regenerate")).toBeNull();
  });

  it("edit a user message inline and send it as a new version", () => {
    const a = actions();
    const el = renderMessage(undefined, uiMessage(message("u1", 1, { content: "old question" })), { live: undefined, actions: a });
    q(el, "edit")?.click();
    const area = q(el, "edit-text") as HTMLTextAreaElement;
    expect(area.value).toBe("old question");
    area.value = "   ";
    q(el, "edit-send")?.click();
    expect(a.edit).not.toHaveBeenCalled();
    area.value = "new question";
    q(el, "edit-send")?.click();
    expect(a.edit.mock.calls).toEqual([["u1", "new question"]]);
    expect(q(el, "edit-text")).toBeNull();
    q(el, "edit")?.click();
    q(el, "edit-cancel")?.click();
    expect([q(el, "edit-text"), a.edit.mock.calls.length]).toEqual([null, 1]);
    // Queued messages are not sent yet: nothing to edit.
    const queued = renderMessage(undefined, uiMessage(message("u2", 2, { status: "queued" })), { live: undefined, actions: a });
    expect(q(queued, "edit")).toBeNull();
  });
});
