import type { Session, Status } from "@boocode/types";
import { describe, expect, it, vi } from "vitest";
import { applySessionDelete, applySessionUpdate, Catalog, initialCatalog, withTags, type CatalogApi, type CatalogState } from "./catalog";
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

describe("tags", () => {
  const a = session({ id: "a", updated_at: at(1), tags: ["db"] });
  const b = session({ id: "b", updated_at: at(2) });

  it("a filtered list keeps only the sessions with the tag", () => {
    const state = { ...lists([a]), tagFilter: "db" };
    const untagged = applySessionUpdate(state, { ...a, tags: [], updated_at: at(3) });
    expect(untagged.sessions["p1"]?.open).toEqual([]);
    const tagged = applySessionUpdate(state, { ...b, tags: ["db", "x"] });
    expect(tagged.sessions["p1"]?.open.map((x) => x.id)).toEqual(["b", "a"]);
  });

  it("adds comma-separated tags, trimmed, without repeats, within the server's limits", () => {
    expect(withTags(["db"], " rust, db ,, web ")).toEqual(["db", "rust", "web"]);
    expect(withTags([], "")).toEqual([]);
    expect(withTags([], "x".repeat(65))).toBe(`A tag may be at most 64 characters: "${"x".repeat(65)}".`);
    expect(withTags(Array.from({ length: 64 }, (_, i) => `t${i}`), "one more")).toBe("A session takes at most 64 tags.");
  });

  it("reads the tags, filters the lists on the server and saves a session's tags", async () => {
    const sessions = vi.fn(async (_project: string, _status: Status, tag?: string | null) => (tag === "db" ? [a] : [b, a]));
    const api: CatalogApi = {
      projects: async () => [{ id: "p1", name: "p", path: "/p", status: "open", created_at: at(), updated_at: at() }],
      createProject: async () => {
        throw new Error("unused");
      },
      sessions,
      createSession: async () => {
        throw new Error("unused");
      },
      updateSession: vi.fn(async (_id: string, body) => ({ ...b, tags: body.tags ?? [], updated_at: at(4) })),
      tags: async () => ({ tags: [{ tag: "db", sessions: 1 }] }),
    };
    const catalog = new Catalog(() => api, () => undefined);
    await catalog.loadProjects();
    await vi.waitFor(() => expect(catalog.state.sessions["p1"]?.open.map((x) => x.id)).toEqual(["b", "a"]));
    expect(catalog.state.tags).toEqual([{ tag: "db", sessions: 1 }]);

    catalog.setTagFilter("db");
    await vi.waitFor(() => expect(catalog.state.sessions["p1"]?.open.map((x) => x.id)).toEqual(["a"]));
    expect(sessions).toHaveBeenLastCalledWith("p1", "open", "db");

    const saved = await catalog.setTags(b, ["db", "web"]);
    expect(saved.tags).toEqual(["db", "web"]);
    expect(api.updateSession).toHaveBeenCalledWith("b", { tags: ["db", "web"] });
    // It carries the filtered tag now: it joins the list.
    expect(catalog.state.sessions["p1"]?.open.map((x) => x.id)).toEqual(["b", "a"]);

    catalog.setTagFilter(null);
    await vi.waitFor(() => expect(sessions).toHaveBeenLastCalledWith("p1", "open", null));
  });
});
