import type { Envelope } from "@boocode/types";
import { CHAT, env, message, OTHER_CHAT } from "@boocode/common/fixtures";
import { fromWindow } from "@boocode/common/transcript";
import { describe, expect, it } from "vitest";
import { agentSession, change, task } from "../testing/fixtures";
import {
  acceptedTask,
  activeTasks,
  applyCoderFrame,
  emptyCoderSession,
  requestsOf,
  sessionChip,
  setTasks,
  silentFailure,
  stoppableTask,
  upsertChange,
  upsertTask,
  withStoredCommands,
  withStoredPlans,
  type CoderSession,
} from "./session";

const BIG = 1_764_000_000_000_000;

function apply(s: CoderSession, ...frames: Array<Record<string, unknown> & { type: string }>): CoderSession {
  return frames.reduce((acc, f, i) => applyCoderFrame(acc, env(BIG + i, f) as Envelope), s);
}

const permission = (requestId: string, chatId = CHAT, taskId = "t1") => ({
  type: "permission_requested",
  chat_id: chatId,
  task_id: taskId,
  request_id: requestId,
  agent: "fake",
  tool_call: { toolCallId: "ask-1", title: "Write hello.txt", kind: "edit" },
  options: [
    { id: "allow_once", name: "Allow once", kind: "allow_once" },
    { id: "reject_once", name: "Reject", kind: "reject_once" },
  ],
});

describe("tasks", () => {
  it("keeps tasks newest first and never revives a finished one", () => {
    let s = upsertTask(emptyCoderSession(), task("t1", { created_at: "2026-01-01T00:00:01Z", status: "completed" }));
    s = upsertTask(s, task("t2", { created_at: "2026-01-01T00:00:02Z", status: "queued" }));
    expect(s.tasks.map((t) => t.id)).toEqual(["t2", "t1"]);
    expect(upsertTask(s, task("t1", { status: "running" }))).toBe(s);
    s = upsertTask(s, task("t2", { created_at: "2026-01-01T00:00:02Z", status: "running" }));
    expect(s.tasks[0]?.status).toBe("running");
  });

  it("finds what Stop cancels: the running task, else the oldest queued", () => {
    const s = setTasks(emptyCoderSession(), [
      task("t3", { created_at: "3", status: "queued" }),
      task("t2", { created_at: "2", status: "queued" }),
      task("t1", { created_at: "1", status: "completed" }),
      task("t0", { created_at: "0", status: "running", chat_id: OTHER_CHAT }),
    ]);
    expect(activeTasks(s, CHAT).map((t) => t.id)).toEqual(["t2", "t3"]);
    expect(stoppableTask(s, CHAT)?.id).toBe("t2");
    expect(stoppableTask(upsertTask(s, task("t3", { created_at: "3", status: "running" })), CHAT)?.id).toBe("t3");
    expect(stoppableTask(s, "nope")).toBeUndefined();
  });

  it("merges a fetched list with what frames said since", () => {
    const accepted = acceptedTask("t9", "s", CHAT, "fake", "code", null, "9");
    let s = upsertTask(emptyCoderSession(), accepted);
    s = upsertTask(s, task("t1", { created_at: "1", status: "completed" }));
    // Fetched before either frame: t1 still running, t9 unknown.
    s = setTasks(s, [task("t1", { created_at: "1", status: "running" })]);
    expect(s.tasks.map((t) => [t.id, t.status])).toEqual([
      ["t9", "queued"],
      ["t1", "completed"],
    ]);
    expect(accepted).toMatchObject({ mode_id: "code", model: null, agent: "fake", chat_id: CHAT });
  });
});

describe("applyCoderFrame", () => {
  it("tracks tasks from task_updated", () => {
    const s = apply(emptyCoderSession(), { type: "task_updated", task: task("t1", { status: "queued" }) }, { type: "task_updated", task: task("t1") });
    expect(s.tasks.map((t) => t.status)).toEqual(["running"]);
  });

  it("shows a permission request until it is resolved", () => {
    let s = apply(emptyCoderSession(), permission("r1"), permission("r1"), permission("r2", OTHER_CHAT, "t2"));
    expect(s.requests.map((r) => r.requestId)).toEqual(["r1", "r2"]);
    expect(requestsOf(s, CHAT)).toEqual([
      {
        kind: "permission",
        requestId: "r1",
        chatId: CHAT,
        taskId: "t1",
        agent: "fake",
        toolCall: { toolCallId: "ask-1", title: "Write hello.txt", kind: "edit" },
        options: [
          { id: "allow_once", name: "Allow once", kind: "allow_once" },
          { id: "reject_once", name: "Reject", kind: "reject_once" },
        ],
      },
    ]);
    s = apply(s, { type: "request_resolved", request_id: "r1", outcome: "selected" });
    expect(s.requests.map((r) => r.requestId)).toEqual(["r2"]);
  });

  it("keeps an elicitation request with its schema", () => {
    const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };
    const s = apply(emptyCoderSession(), { type: "elicitation_requested", chat_id: CHAT, task_id: "t1", request_id: "e1", agent: "fake", message: "Who are you?", schema });
    expect(s.requests).toEqual([{ kind: "elicitation", requestId: "e1", chatId: CHAT, taskId: "t1", agent: "fake", message: "Who are you?", schema }]);
  });

  it("drops the requests of a task that ended", () => {
    const s = apply(emptyCoderSession(), permission("r1"), permission("r2", CHAT, "t2"), { type: "task_updated", task: task("t1", { status: "cancelled" }) });
    expect(s.requests.map((r) => r.requestId)).toEqual(["r2"]);
  });

  it("replaces the pending list with each pending_changed", () => {
    const first = [change("c1", "a.txt")];
    let s = apply(emptyCoderSession(), { type: "pending_changed", changes: first });
    expect(s.pending).toEqual(first);
    s = apply(s, { type: "pending_changed", changes: [] });
    expect(s.pending).toEqual([]);
  });

  it("keeps an agent's commands per chat", () => {
    const s = apply(emptyCoderSession(), {
      type: "available_commands",
      chat_id: CHAT,
      agent: "fake",
      commands: [{ name: "review", description: "Review the pending changes" }, { name: "explain", description: "Explain", input: { hint: "what to explain" } }, { bogus: true }],
    });
    expect(s.commands[`${CHAT}/fake`]).toEqual([
      { name: "review", description: "Review the pending changes", input_hint: null },
      { name: "explain", description: "Explain", input_hint: "what to explain" },
    ]);
  });

  it("leaves transcript frames alone", () => {
    const s = emptyCoderSession();
    expect(apply(s, { type: "delta", chat_id: CHAT, message_id: "a1", offset: 0, text: "x" })).toBe(s);
  });
});

describe("changes", () => {
  it("takes the server's answer to an action unless a newer row is known", () => {
    let s: CoderSession = { ...emptyCoderSession(), pending: [change("c1", "a", { updated_at: "2" })] };
    s = upsertChange(s, change("c1", "a", { status: "applied", updated_at: "3" }));
    expect(s.pending?.[0]?.status).toBe("applied");
    expect(upsertChange(s, change("c1", "a", { status: "pending", updated_at: "1" }))).toBe(s);
    expect(upsertChange(emptyCoderSession(), change("c2", "b")).pending?.map((c) => c.id)).toEqual(["c2"]);
  });
});

describe("sessionChip", () => {
  it("says resumed for a live session of that agent in that chat, else new", () => {
    const rows = [agentSession("fake", "idle"), agentSession("qwen", "crashed"), agentSession("goose", "active", { chat_id: OTHER_CHAT })];
    expect(sessionChip(rows, CHAT, "fake").kind).toBe("resumed");
    expect(sessionChip(rows, CHAT, "qwen")).toEqual({ kind: "new", row: rows[1] });
    expect(sessionChip(rows, CHAT, "goose")).toEqual({ kind: "new", row: undefined });
    expect(sessionChip([agentSession("fake", "active")], CHAT, "fake").kind).toBe("resumed");
    expect(sessionChip([agentSession("fake", "evicted")], CHAT, "fake").kind).toBe("new");
    expect(sessionChip(null, CHAT, "fake").kind).toBe("new");
  });

  it("says how a rebuilt session started: loaded, from the transcript, or reattached to a restarted server", () => {
    for (const kind of ["loaded", "history", "reattached"] as const) {
      expect(sessionChip([agentSession("fake", "idle", { start_kind: kind })], CHAT, "fake").kind).toBe(kind);
      expect(sessionChip([agentSession("fake", "evicted", { start_kind: kind })], CHAT, "fake").kind).toBe(kind);
    }
    // A live session that began new or was resumed is continued.
    expect(sessionChip([agentSession("fake", "idle", { start_kind: "new" })], CHAT, "fake").kind).toBe("resumed");
    expect(sessionChip([agentSession("fake", "active", { start_kind: "resumed" })], CHAT, "fake").kind).toBe("resumed");
    expect(sessionChip([agentSession("fake", "crashed", { start_kind: "resumed" })], CHAT, "fake").kind).toBe("new");
    // A closed session is never picked up again.
    expect(sessionChip([agentSession("fake", "closed", { start_kind: "history" })], CHAT, "fake").kind).toBe("new");
  });
});

describe("silentFailure", () => {
  it("reports the chat's newest task that failed before the agent answered", () => {
    const failed = task("t2", { created_at: "2026-01-01T00:00:05Z", status: "failed", error: "unknown provider" });
    const s = setTasks(emptyCoderSession(), [failed, task("t1", { created_at: "2026-01-01T00:00:01Z", status: "completed" })]);
    const earlier = message("a1", 2, { role: "assistant", created_at: "2026-01-01T00:00:02Z" });
    expect(silentFailure(s, CHAT, [earlier])).toBe(failed);
    // Its own assistant message shows the failure already.
    expect(silentFailure(s, CHAT, [earlier, message("a2", 4, { role: "assistant", created_at: "2026-01-01T00:00:05.2Z" })])).toBeUndefined();
    expect(silentFailure(s, OTHER_CHAT, [])).toBeUndefined();
    expect(silentFailure(upsertTask(s, task("t3", { created_at: "2026-01-01T00:00:09Z", status: "queued" })), CHAT, [])).toBeUndefined();
  });
});

describe("stored plans and commands", () => {
  const entries = [{ content: "write the tests", priority: "medium", status: "pending" }];

  it("lays a row's plan over the message it belongs to, once", () => {
    const t = fromWindow(CHAT, { items: [message("m1", 1, { role: "assistant" })], has_more: false, branches: [] });
    const rows = [agentSession("fake", "idle", { plan: { message_id: "m1", entries } })];
    const planned = withStoredPlans(t, rows);
    expect(planned.messages[0]?.parts.map((p) => [p.kind, p.args])).toEqual([["plan", entries]]);
    // Already there (a live frame or an earlier pass): the same object.
    expect(withStoredPlans(planned, rows)).toBe(planned);
    // Another chat's row, no plan, an unknown message, no rows: nothing to add.
    expect(withStoredPlans(t, [agentSession("fake", "idle", { chat_id: OTHER_CHAT, plan: { message_id: "m1", entries } })])).toBe(t);
    expect(withStoredPlans(t, [agentSession("fake", "idle")])).toBe(t);
    expect(withStoredPlans(t, [agentSession("fake", "idle", { plan: { message_id: "nope", entries } })])).toBe(t);
    expect(withStoredPlans(t, null)).toBe(t);
  });

  it("takes a row's commands unless a frame brought some", () => {
    const commands = [{ name: "review", description: "Review the pending changes" }];
    const rows = [agentSession("fake", "idle", { commands })];
    const s = withStoredCommands(emptyCoderSession(), rows);
    expect(s.commands).toEqual({ [`${CHAT}/fake`]: [{ name: "review", description: "Review the pending changes", input_hint: null }] });
    expect(withStoredCommands(s, [agentSession("fake", "idle", { commands: [{ name: "other", description: "" }] })]).commands).toBe(s.commands);
    const none = emptyCoderSession();
    expect(withStoredCommands(none, [agentSession("fake", "idle")])).toBe(none);
  });
});
