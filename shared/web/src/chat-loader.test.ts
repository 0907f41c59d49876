import type { MessageWindow } from "@boocode/types";
import { describe, expect, it, vi } from "vitest";
import { ChatLoader, OLDER_RETRY_MS, type ChatLoaderHost } from "./chat-loader";
import { newFeed, type Effect, type Feed } from "./feed";
import { CHAT, message, SESSION, windowOf } from "./fixtures";

function host(fetchWindow: ChatLoaderHost["fetchWindow"]) {
  let feed: Feed | null = newFeed(SESSION);
  let loadingOlder = false;
  const notices: string[] = [];
  const effects: Effect[] = [];
  const h: ChatLoaderHost = {
    feed: () => feed,
    setFeed: (change) => void (feed = feed === null ? null : change(feed)),
    fetchWindow,
    runEffects: (e) => void effects.push(...e),
    setLoadingOlder: (v) => void (loadingOlder = v),
    loadingOlder: () => loadingOlder,
    notify: (t) => void notices.push(t),
  };
  return { h, notices, effects, feed: () => feed, drop: () => void (feed = null) };
}

describe("ChatLoader", () => {
  it("loads the newest window once even when asked twice", async () => {
    const fetchWindow = vi.fn(async (): Promise<MessageWindow> => windowOf([message("u1", 1)], true));
    const t = host(fetchWindow);
    const loader = new ChatLoader(t.h);
    await Promise.all([loader.load(CHAT), loader.load(CHAT)]);
    expect(fetchWindow).toHaveBeenCalledTimes(1);
    expect(t.feed()?.transcripts[CHAT]?.messages.map((m) => m.id)).toEqual(["u1"]);
    expect(t.feed()?.pending).toEqual({});
  });

  it("waits before a delayed refetch (a gap's), buffering the chat's frames meanwhile", async () => {
    const fetchWindow = vi.fn(async (): Promise<MessageWindow> => windowOf([message("u1", 1)]));
    const t = host(fetchWindow);
    let release: () => void = () => {};
    const waits: number[] = [];
    const loader = new ChatLoader(t.h, Date.now, (ms) => {
      waits.push(ms);
      return new Promise((resolve) => (release = resolve));
    });
    const done = loader.load(CHAT, 300);
    expect([waits, fetchWindow.mock.calls.length, t.feed()?.pending]).toEqual([[300], 0, { [CHAT]: [] }]);
    release();
    await done;
    expect([fetchWindow.mock.calls.length, t.feed()?.pending, t.feed()?.transcripts[CHAT]?.messages.map((m) => m.id)]).toEqual([1, {}, ["u1"]]);
  });

  it("says why a load failed and stops buffering", async () => {
    const t = host(async () => {
      throw new Error("HTTP 502");
    });
    await new ChatLoader(t.h).load(CHAT);
    expect(t.notices).toEqual(["Cannot load the messages: HTTP 502"]);
    expect(t.feed()?.pending).toEqual({});
  });

  it("loads older messages, and after a failure waits before asking again", async () => {
    let now = 0;
    let fail = false;
    const fetchWindow = vi.fn(async (_chat: string, before?: string): Promise<MessageWindow> => {
      if (before === undefined) return windowOf([message("m2", 2)], true);
      if (fail) throw new Error("offline");
      return windowOf([message("m1", 1)], false);
    });
    const t = host(fetchWindow);
    const loader = new ChatLoader(t.h, () => now);
    await loader.load(CHAT);
    fail = true;
    await loader.older(CHAT);
    await loader.older(CHAT);
    expect(fetchWindow).toHaveBeenCalledTimes(2);
    now = OLDER_RETRY_MS;
    fail = false;
    await loader.older(CHAT);
    expect(t.feed()?.transcripts[CHAT]?.messages.map((m) => m.id)).toEqual(["m1", "m2"]);
    expect(t.feed()?.transcripts[CHAT]?.hasMore).toBe(false);
  });
});
