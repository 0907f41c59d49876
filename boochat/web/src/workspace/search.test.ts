// @vitest-environment jsdom
import { render } from "lit";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Page, SearchHit } from "@boocode/types";
import { snippet } from "../ui/search-view";
import { hitHref, hitWhere, MessageSearch } from "./search";
import { messageElement, revealMessage } from "./reveal";

const hit = (id: string, fields: Partial<SearchHit> = {}): SearchHit => ({
  session_id: "s1",
  session_title: "Work",
  chat_id: "c1",
  chat_title: null,
  message_id: id,
  role: "user",
  snippet: [{ text: id, hit: true }],
  rank: 0.5,
  created_at: "2026-01-01T00:00:00Z",
  ...fields,
});

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("MessageSearch", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("searches once typing pauses, drops stale answers and pages on", async () => {
    const answers: Record<string, ReturnType<typeof deferred<Page<SearchHit>>>> = {};
    const search = vi.fn((q: string, cursor?: string) => {
      answers[`${q}|${cursor ?? ""}`] = deferred<Page<SearchHit>>();
      return answers[`${q}|${cursor ?? ""}`]!.promise;
    });
    const s = new MessageSearch({ search, changed: () => undefined }, 100);
    s.type("ze");
    s.type("zebra");
    expect(search).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(100);
    expect(search.mock.calls).toEqual([["zebra", undefined]]);
    s.type("zebras");
    await vi.advanceTimersByTimeAsync(100);
    answers["zebra|"]!.resolve({ items: [hit("old")], next_cursor: null });
    answers["zebras|"]!.resolve({ items: [hit("m1")], next_cursor: "k1" });
    await vi.runAllTimersAsync();
    expect(s.state).toEqual({ query: "zebras", items: [hit("m1")], nextCursor: "k1", loading: false, error: null, open: true });
    const more = s.fetch(true);
    answers["zebras|k1"]!.resolve({ items: [hit("m2")], next_cursor: null });
    await more;
    expect([s.state.items?.map((h) => h.message_id), s.state.nextCursor]).toEqual([["m1", "m2"], null]);
    s.type("  ");
    expect(s.state).toEqual({ query: "  ", items: null, nextCursor: null, loading: false, error: null, open: true });
  });

  it("keeps the error of a failed search", async () => {
    const s = new MessageSearch({ search: () => Promise.reject(new Error("q is longer than 500 characters")), changed: () => undefined }, 0);
    s.type("x");
    await vi.runAllTimersAsync();
    expect([s.state.error, s.state.loading]).toEqual(["q is longer than 500 characters", false]);
  });
});

describe("hits", () => {
  it("link to their chat and say where they are", () => {
    expect(hitHref(hit("m1", { session_id: "s 1", chat_id: "c/1" }))).toBe("#/s/s%201/c/c%2F1");
    expect(hitWhere(hit("m1"))).toBe("Work › Untitled chat");
    expect(hitWhere(hit("m1", { session_title: null, chat_title: "Zoo" }))).toBe("Untitled session › Zoo");
  });

  it("draw matches as <mark> and never parse the text as HTML", () => {
    const host = document.createElement("div");
    render(snippet([{ text: "three <b>", hit: false }, { text: "zebras", hit: true }, { text: "<img src=x onerror=alert(1)>", hit: false }]), host);
    expect(host.querySelectorAll("b, img").length).toBe(0);
    expect(host.querySelector("mark")?.textContent).toBe("zebras");
    expect(host.textContent).toBe("three <b>zebras<img src=x onerror=alert(1)>");
  });
});

describe("revealMessage", () => {
  it("waits for the message, scrolls to it and marks it for a while", async () => {
    vi.useFakeTimers();
    const root = document.createElement("div");
    document.body.append(root);
    const found = revealMessage(root, "m-1", 1000, 500);
    const el = document.createElement("article");
    el.dataset["testid"] = "message";
    el.dataset["id"] = "m-1";
    el.scrollIntoView = vi.fn();
    // Inside a pane's shadow root, as the chat pane keeps its transcript.
    const pane = document.createElement("div");
    pane.attachShadow({ mode: "open" }).append(el);
    root.append(pane);
    await vi.advanceTimersByTimeAsync(100);
    expect([await found, el.classList.contains("msg-found"), (el.scrollIntoView as ReturnType<typeof vi.fn>).mock.calls]).toEqual([
      true,
      true,
      [[{ block: "center" }]],
    ]);
    await vi.advanceTimersByTimeAsync(500);
    expect(el.classList.contains("msg-found")).toBe(false);
    const missing = revealMessage(root, "m-2", 1000);
    await vi.advanceTimersByTimeAsync(1100);
    expect(await missing).toBe(false);
    expect(messageElement(root, 'x"] , *[data-id="m-1')).toBeNull();
    vi.useRealTimers();
    root.remove();
  });
});
