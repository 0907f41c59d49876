import type { Chat, Terminal, WorkspaceState } from "@boocode/types";
import type { WsLike } from "@boocode/common/session-socket";
import { describe, expect, it, vi } from "vitest";
import type { WorkspaceSaved } from "../api/client";
import { WorkspaceSession, type SessionDeps } from "./session";
import { TermClient } from "./term-client";
import { at, chat, session, terminal } from "./testing";

const empty = (version = 0): WorkspaceState => ({ panes: [{ id: "p1", tabs: [] }], tabNumbers: {}, nextTabNumber: 1, closedPaneStack: [], version });

type Setup = { ws: WorkspaceSession; saved: WorkspaceState[]; sockets: WsLike[]; loads: number; deps: SessionDeps };

function setup(layout: WorkspaceState, chats: Chat[], terminals: Terminal[], opts: { exists?: (id: string) => boolean; agents?: string[] } = {}): Setup {
  const s: Setup = { ws: undefined as unknown as WorkspaceSession, saved: [], sockets: [], loads: 0, deps: undefined as unknown as SessionDeps };
  let stored = layout;
  s.deps = {
    api: {
      chats: async () => chats,
      createChat: async () => chat("new"),
      updateChat: async (id) => chat(id),
      workspace: async () => {
        s.loads += 1;
        return stored;
      },
      saveWorkspace: async (_id, write): Promise<WorkspaceSaved> => {
        const state = write as WorkspaceState;
        s.saved.push(state);
        stored = { ...state, version: state.version + 1 };
        return { ok: true, state: stored };
      },
    },
    term: {
      list: async () => terminals,
      create: async () => terminal("t9"),
      exists: async (id) => opts.exists?.(id) ?? false,
    },
    openWs: () => {
      const socket: WsLike = { onmessage: null, onerror: null, onclose: null, close: () => {} };
      s.sockets.push(socket);
      return socket;
    },
    agentChatIds: async () => opts.agents ?? [],
    location: { href: "http://boo.test/" },
    projectPath: () => "/src",
    changed: () => {},
    notify: () => {},
  };
  s.ws = new WorkspaceSession(session(), s.deps);
  return s;
}

const tabs = (ws: WorkspaceSession): string[][] => ws.layout?.panes.map((p) => p.tabs.map((t) => `${t.kind}:${t.id}`)) ?? [];
const send = (socket: WsLike | undefined, value: object): void => socket?.onmessage?.({ data: JSON.stringify({ seq: 1, ...value }) });

describe("WorkspaceSession", () => {
  it("prunes the tabs whose chat is gone or archived and whose terminal booterm no longer knows", async () => {
    const layout: WorkspaceState = {
      panes: [
        {
          id: "p1",
          tabs: [
            { kind: "chat", id: "c1" },
            { kind: "chat", id: "archived" },
            { kind: "coder", id: "deleted" },
            { kind: "term", id: "t1" },
            { kind: "term", id: "old" },
            { kind: "term", id: "dead" },
          ],
          activeTab: "c1",
        },
      ],
      tabNumbers: { c1: 1, archived: 2, deleted: 3, t1: 4, old: 5, dead: 6 },
      nextTabNumber: 7,
      closedPaneStack: [],
      version: 3,
    };
    const s = setup(layout, [chat("c1"), chat("archived", { status: "archived" })], [terminal("t1")], { exists: (id) => id === "old" });
    await s.ws.start();
    expect(tabs(s.ws)).toEqual([["chat:c1", "term:t1", "term:old"]]);
    s.ws.close();
    await vi.waitFor(() => expect(s.saved).toHaveLength(1));
    expect(s.saved[0]?.tabNumbers).toEqual({ c1: 1, t1: 4, old: 5 });
  });

  it("opens the latest open chat of a never-saved empty layout, as an agent chat when boocoder has it", async () => {
    const s = setup(empty(), [chat("c1", { updated_at: at(3) }), chat("c2", { updated_at: at(5), status: "archived" }), chat("c3", { updated_at: at(4) })], [], {
      agents: ["c3"],
    });
    await s.ws.start();
    expect(tabs(s.ws)).toEqual([["coder:c3"]]);
    s.ws.close();
  });

  it("leaves a saved layout as it is, and opens the chat of an old /c/ link", async () => {
    const saved = setup(empty(4), [chat("c1")], []);
    await saved.ws.start();
    expect(tabs(saved.ws)).toEqual([[]]);
    saved.ws.close();
    const routed = setup(empty(4), [chat("c1"), chat("c2")], []);
    await routed.ws.start("c2");
    expect(tabs(routed.ws)).toEqual([["chat:c2"]]);
    routed.ws.close();
  });

  it("follows its socket: layout frames, archived chats, and a fresh read after a reconnect", async () => {
    const layout: WorkspaceState = { ...empty(2), panes: [{ id: "p1", tabs: [{ kind: "chat", id: "c1" }], activeTab: "c1" }], tabNumbers: { c1: 1 }, nextTabNumber: 2 };
    const s = setup(layout, [chat("c1"), chat("c2")], []);
    await s.ws.start();
    const socket = s.sockets[0];
    send(socket, { type: "hello", daemon: "boochat", version: "t" });
    expect(s.ws.conn.state).toBe("connected");
    send(socket, {
      type: "session_workspace_updated",
      state: { ...layout, panes: [{ id: "p1", tabs: [{ kind: "chat", id: "c1" }, { kind: "chat", id: "c2" }], activeTab: "c2" }], tabNumbers: { c1: 1, c2: 2 }, nextTabNumber: 3, version: 9 },
    });
    expect(tabs(s.ws)).toEqual([["chat:c1", "chat:c2"]]);
    send(socket, { type: "chat_updated", chat: chat("c1", { status: "archived", title: "Gone" }) });
    expect(tabs(s.ws)).toEqual([["chat:c2"]]);
    expect(s.ws.chats?.get("c1")?.title).toBe("Gone");
    const loads = s.loads;
    socket?.onclose?.({ code: 1006, reason: "" });
    await vi.waitFor(() => expect(s.sockets).toHaveLength(2), { timeout: 3000 });
    send(s.sockets[1], { type: "hello", daemon: "boochat", version: "t" });
    await vi.waitFor(() => expect(s.loads).toBe(loads + 1));
    s.ws.close();
  });

  it("makes terminals in the project's folder and chats, opening them in the pane asked", async () => {
    const s = setup(empty(1), [], []);
    const create = vi.spyOn(s.deps.term, "create");
    await s.ws.start();
    await s.ws.newTab("p1", "term");
    await s.ws.newTab("p1", "coder");
    expect(create).toHaveBeenCalledWith({ session_id: "s1", cwd: "/src", cols: 120, rows: 32 });
    expect(tabs(s.ws)).toEqual([["term:t9", "coder:new"]]);
    expect(s.ws.layout?.panes[0]?.activeTab).toBe("new");
    s.ws.close();
  });
});

describe("TermClient", () => {
  it("creates a terminal without the directory when booterm refuses it", async () => {
    const bodies: unknown[] = [];
    const fetchFn = async (_url: string, init: RequestInit): Promise<{ status: number; text(): Promise<string> }> => {
      const body = JSON.parse(String(init.body)) as { cwd?: string };
      bodies.push(body);
      return body.cwd !== undefined
        ? { status: 400, text: async () => JSON.stringify({ error: "no such directory", code: "invalid_cwd" }) }
        : { status: 201, text: async () => JSON.stringify(terminal("t1")) };
    };
    const client = new TermClient({ href: "http://boo.test/term/" }, fetchFn);
    const t = await client.create({ session_id: "s1", cwd: "/nope", cols: 120, rows: 32 });
    expect(t.id).toBe("t1");
    expect(bodies).toEqual([
      { session_id: "s1", cwd: "/nope", cols: 120, rows: 32 },
      { session_id: "s1", cols: 120, rows: 32 },
    ]);
  });
});
