// @vitest-environment jsdom

import { describe, expect, it, vi } from "vitest";
import { ComposerBox, type ComposerState } from "./composer-box";
import { h } from "./dom";
import { CHAT, message } from "./fixtures";
import { fromWindow } from "./transcript";

const READY: ComposerState = { busy: false, submitting: false, available: true, disabled: false, placeholder: "Message…", hidden: false };

function composer(sent = true) {
  const calls: string[] = [];
  const box = new ComposerBox(
    {
      setDraft: (text) => void calls.push(`draft ${text}`),
      send: vi.fn(async (text: string) => {
        calls.push(`send ${text}`);
        return sent;
      }),
      stop: vi.fn(async () => void calls.push("stop")),
    },
    {
      rows: 1,
      placeholder: "Message…",
      maxHeightPx: 200,
      title: (view) => `title ${view.action}`,
      layout: (textarea, button) => [h("div", { class: "composer" }, textarea, button)],
    },
  );
  const q = (testid: string) => box.el.querySelector(`[data-testid="${testid}"]`) as HTMLElement;
  const textarea = q("composer") as HTMLTextAreaElement;
  const button = q("send") as HTMLButtonElement;
  const type = (text: string): void => {
    textarea.value = text;
    textarea.dispatchEvent(new Event("input"));
  };
  return { box, calls, textarea, button, status: q("composer-status"), type };
}

describe("ComposerBox", () => {
  it("lays out the status line above the client's rows", () => {
    const { box } = composer();
    expect(box.el.className).toBe("composer-wrap");
    expect([...(box.el.firstElementChild?.children ?? [])].map((c) => c.className)).toEqual(["composer-status", "composer"]);
  });

  it("keeps the draft as typed and sends it with Enter, emptying the box", async () => {
    const { box, calls, textarea, button, type } = composer();
    box.showDraft(CHAT, {});
    box.update(READY);
    expect(button.disabled).toBe(true);
    type("hello");
    expect(button.disabled).toBe(false);
    expect(button.dataset["action"]).toBe("send");
    expect(button.title).toBe("title send");
    textarea.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(textarea.value).toBe("");
    await vi.waitFor(() => expect(calls).toEqual(["draft hello", "send hello"]));
  });

  it("puts back what could not be sent", async () => {
    const { box, calls, textarea, button, type } = composer(false);
    box.update(READY);
    type("hello");
    button.click();
    await vi.waitFor(() => expect(calls).toContain("send hello"));
    await vi.waitFor(() => expect(textarea.value).toBe("hello"));
  });

  it("offers Stop while busy with an empty box, Queue with text", () => {
    const { box, calls, button, type } = composer();
    box.update({ ...READY, busy: true });
    expect(button.dataset["action"]).toBe("stop");
    button.click();
    expect(calls).toEqual(["stop"]);
    type("next");
    expect(button.dataset["action"]).toBe("queue");
  });

  it("shows each chat's draft when the chat changes, and the state it is told", () => {
    const { box, textarea } = composer();
    expect(box.showDraft("a", { a: "draft a" })).toBe("draft a");
    textarea.value = "typed on";
    expect(box.showDraft("a", { a: "draft a" })).toBe("typed on");
    expect(box.showDraft(null, { a: "draft a" })).toBe("");
    box.update({ ...READY, disabled: true, placeholder: "Archived", hidden: true });
    expect(textarea.disabled).toBe(true);
    expect(textarea.placeholder).toBe("Archived");
    expect(box.el.hidden).toBe(true);
  });

  it("puts a picked command in the box as if typed", () => {
    const { box, calls, textarea, button } = composer();
    box.update(READY);
    box.insert("/review ");
    expect(textarea.value).toBe("/review ");
    expect(calls).toEqual(["draft /review "]);
    expect(button.disabled).toBe(false);
  });

  it("tags the status line with the streaming message's phase", () => {
    const { box, status } = composer();
    box.showStatus([], undefined);
    expect(status.hidden).toBe(true);
    expect(status.dataset["phase"]).toBe("idle");
    const t = fromWindow(CHAT, { items: [message("a1", 1, { role: "assistant", status: "streaming" })], has_more: false, branches: [] });
    box.showStatus(["thinking…", "1 queued"], t);
    expect(status.hidden).toBe(false);
    expect(status.textContent).toBe("thinking… · 1 queued");
    expect(status.dataset["phase"]).toBe("prompt");
  });
});
