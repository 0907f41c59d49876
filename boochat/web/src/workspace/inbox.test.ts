import type { InboxItem } from "@boocode/types";
import { describe, expect, it } from "vitest";
import { InboxWatch, itemKey, newItems, notificationText } from "./inbox";

const item = (over: Partial<InboxItem>): InboxItem => ({
  kind: "user_input",
  item_id: "i1",
  project_id: "p1",
  project_name: "proj",
  session_id: "s1",
  session_title: "Fix the build",
  chat_id: "c1",
  agent: null,
  summary: "Which file?",
  detail: {},
  since: "2026-12-03T05:00:00Z",
  ...over,
});

describe("newItems", () => {
  it("finds nothing new on the first read, then only unseen keys", () => {
    const a = item({});
    const b = item({ kind: "task_blocked", item_id: "t1", summary: "fake asks permission: Edit src/lib.rs" });
    expect(newItems(null, [a])).toEqual([]);
    expect(newItems(new Set([itemKey(a)]), [b, a])).toEqual([b]);
    // The same id under another kind is another item.
    expect(newItems(new Set([itemKey(a)]), [item({ kind: "task_failed" })]).length).toBe(1);
  });
});

describe("notificationText", () => {
  it("names one item and counts several", () => {
    expect(notificationText([])).toBeNull();
    expect(notificationText([item({})])).toEqual({ title: "BooCode · Question", body: "Fix the build: Which file?" });
    expect(notificationText([item({}), item({ item_id: "i2" })])).toEqual({ title: "BooCode needs you", body: "2 new things wait for you" });
  });
});

describe("InboxWatch", () => {
  it("reports what arrived after the first read, keeps errors, and dismisses", async () => {
    let items = [item({})];
    const arrived: InboxItem[][] = [];
    const dismissed: string[] = [];
    let fail = false;
    const w = new InboxWatch({
      fetchInbox: async () => {
        if (fail) throw new Error("HTTP 503");
        return { items };
      },
      dismissTask: async (id) => {
        dismissed.push(id);
        items = items.filter((i) => i.item_id !== id);
      },
      changed: () => {},
      arrived: (fresh) => arrived.push(fresh),
    });
    await w.refresh();
    expect([w.state.items, arrived]).toEqual([items, []]);
    const failed = item({ kind: "task_failed", item_id: "t9", summary: "the agent stopped: refusal" });
    items = [failed, ...items];
    await w.refresh();
    expect(arrived).toEqual([[failed]]);
    fail = true;
    await w.refresh();
    expect([w.state.error, w.state.items?.length]).toEqual(["HTTP 503", 2]);
    fail = false;
    await w.dismiss(failed);
    expect([dismissed, w.state.items?.map(itemKey), w.state.error]).toEqual([["t9"], ["user_input:i1"], null]);
  });
});
