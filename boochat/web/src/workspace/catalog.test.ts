import type { Session } from "@boocode/types";
import { describe, expect, it } from "vitest";
import { applySessionDelete, applySessionUpdate, initialCatalog, type CatalogState } from "./catalog";
import { at, session } from "./testing";

const lists = (open: Session[], archived: Session[] | null = null): CatalogState => ({
  ...initialCatalog(),
  sessions: { p1: { open, archived, loading: false, error: null } },
});

describe("applySessionUpdate", () => {
  const a = session({ id: "a", updated_at: at(1) });
  const b = session({ id: "b", updated_at: at(2) });

  it("renames in place and keeps the newest first", () => {
    const next = applySessionUpdate(lists([b, a]), { ...a, title: "A", updated_at: at(3) });
    expect(next.sessions["p1"]).toEqual({ open: [{ ...a, title: "A", updated_at: at(3) }, b], archived: null, loading: false, error: null });
  });

  it("adds a new session and moves archived ones between the lists", () => {
    const c = session({ id: "c", updated_at: at(4) });
    let s = applySessionUpdate(lists([b, a], []), c);
    expect(s.sessions["p1"]?.open.map((x) => x.id)).toEqual(["c", "b", "a"]);
    s = applySessionUpdate(s, { ...b, status: "archived", updated_at: at(5) });
    expect([s.sessions["p1"]?.open.map((x) => x.id), s.sessions["p1"]?.archived?.map((x) => x.id)]).toEqual([["c", "a"], ["b"]]);
    s = applySessionUpdate(s, { ...b, status: "open", updated_at: at(6) });
    expect([s.sessions["p1"]?.open.map((x) => x.id), s.sessions["p1"]?.archived]).toEqual([["b", "c", "a"], []]);
  });

  it("leaves projects whose sessions are not loaded alone", () => {
    const state = lists([a]);
    expect(applySessionUpdate(state, session({ id: "x", project_id: "p2" }))).toBe(state);
    // An archived session while the archived list is not loaded: only leaves the open list.
    expect(applySessionUpdate(state, { ...a, status: "archived" }).sessions["p1"]).toEqual({ open: [], archived: null, loading: false, error: null });
  });
});

describe("applySessionDelete", () => {
  const a = session({ id: "a", updated_at: at(1) });
  const b = session({ id: "b", updated_at: at(2), status: "archived" });

  it("drops the session from whichever list holds it", () => {
    expect(applySessionDelete(lists([a], [b]), "b").sessions["p1"]).toEqual({ open: [a], archived: [], loading: false, error: null });
    expect(applySessionDelete(lists([a], [b]), "a").sessions["p1"]).toEqual({ open: [], archived: [b], loading: false, error: null });
  });

  it("is the same state when the session is not listed", () => {
    const state = lists([a], null);
    expect(applySessionDelete(state, "zzz")).toBe(state);
  });
});
