// @vitest-environment jsdom

import { describe, expect, it } from "vitest";
import { CHAT, SESSION } from "./fixtures";
import { newFeed } from "./feed";
import { emptyTranscript } from "./transcript";
import { transcriptInput, welcome } from "./transcript-view";

describe("transcriptInput", () => {
  const empty = welcome("empty-chat", "B", "Nothing yet", "Say something.");
  const base = { chatId: null, conn: { state: "connected" as const, detail: null }, loadingOlder: false };

  it("shows the empty card without a session", () => {
    expect(transcriptInput({ ...base, feed: null }, empty)).toEqual({ chatId: null, transcript: undefined, loading: false, loadingOlder: false, extra: undefined, empty });
  });

  it("keys the open chat by session and says when it is still loading", () => {
    const feed = newFeed(SESSION);
    expect(transcriptInput({ ...base, feed, chatId: CHAT }, empty, "x")).toMatchObject({ chatId: `${SESSION}/${CHAT}`, transcript: undefined, loading: true, extra: "x" });
    const t = emptyTranscript(CHAT);
    const loaded = { ...feed, transcripts: { [CHAT]: t } };
    expect(transcriptInput({ ...base, feed: loaded, chatId: CHAT, loadingOlder: true }, empty)).toMatchObject({ transcript: t, loading: false, loadingOlder: true });
    expect(transcriptInput({ ...base, feed }, empty).chatId).toBe(`${SESSION}/`);
  });
});

describe("welcome", () => {
  it("builds the card", () => {
    const el = welcome("empty-chat", "C", "Put an agent to work", "Pick an agent.");
    expect(el.outerHTML).toBe(
      '<div class="welcome" data-testid="empty-chat"><div class="welcome-mark">C</div><h2>Put an agent to work</h2><p>Pick an agent.</p></div>',
    );
  });
});
