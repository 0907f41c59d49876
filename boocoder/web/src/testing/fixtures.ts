// Builders of boocoder wire values for unit tests (chat ones come from @boocode/common/fixtures).

import type { AgentSessionInfo, AgentSessionStatus, Checkpoint, PendingChange, ProviderEntry, ProvidersSnapshot, TaskInfo } from "@boocode/types";
import { CHAT, SESSION } from "@boocode/common/fixtures";

export function provider(id: string, fields: Partial<ProviderEntry> = {}): ProviderEntry {
  return {
    id,
    display_name: id[0]?.toUpperCase() + id.slice(1),
    kind: "builtin",
    transport: "acp",
    enabled: true,
    state: "ready",
    probing: false,
    stale: false,
    command: id,
    args: ["acp"],
    env_keys: [],
    install_path: `/usr/bin/${id}`,
    version: "1.0.0",
    modes: [],
    current_mode: null,
    models: [],
    current_model: null,
    config_options: [],
    commands: [],
    error: null,
    probed_at: "2026-01-01T00:00:00Z",
    probe_ms: 120,
    ...fields,
  };
}

export function snapshot(...providers: ProviderEntry[]): ProvidersSnapshot {
  return { providers, config: { path: null, loaded: false, errors: [] }, generated_at: "2026-01-01T00:00:00Z" };
}

/** The scripted agent as boocoder reports it once probed. */
export const FAKE = provider("fake", {
  display_name: "Scripted agent",
  kind: "custom",
  modes: [
    { id: "ask", name: "Ask" },
    { id: "code", name: "Code" },
  ],
  current_mode: "code",
  models: [
    { id: "fake-fast", name: "Fake fast" },
    { id: "fake-smart", name: "Fake smart" },
  ],
  current_model: "fake-fast",
});

export function task(id: string, fields: Partial<TaskInfo> = {}): TaskInfo {
  return {
    id,
    session_id: SESSION,
    chat_id: CHAT,
    agent: "fake",
    mode_id: null,
    model: null,
    status: "running",
    error: null,
    output_summary: null,
    created_at: "2026-01-01T00:00:00Z",
    started_at: null,
    finished_at: null,
    ...fields,
  };
}

export function change(id: string, path: string, fields: Partial<PendingChange> = {}): PendingChange {
  return {
    id,
    session_id: SESSION,
    chat_id: CHAT,
    task_id: "t1",
    path,
    kind: "edit",
    status: "pending",
    agent: "fake",
    diff: `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-old\n+new\n`,
    error: null,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...fields,
  };
}

export function agentSession(agent: string, status: AgentSessionStatus, fields: Partial<AgentSessionInfo> = {}): AgentSessionInfo {
  return {
    chat_id: CHAT,
    agent,
    status,
    backend: "acp",
    agent_session_id: "fake-session-1",
    config_hash: null,
    input_tokens: 10,
    output_tokens: 20,
    cost: 0,
    last_used_at: "2026-01-01T00:00:00Z",
    closed_reason: null,
    start_kind: null,
    mode_id: null,
    model: null,
    plan: null,
    commands: [],
    ...fields,
  };
}

/** Checkpoint `n`, before the turn of task `t<n>` whose answer is message `a<n>`. */
export function checkpoint(n: number, fields: Partial<Checkpoint> = {}): Checkpoint {
  return {
    session_id: SESSION,
    n,
    commit: `${n}`.repeat(40).slice(0, 40),
    task_id: `t${n}`,
    chat_id: CHAT,
    message_id: `a${n}`,
    agent: "fake",
    prompt: `turn ${n}`,
    created_at: "2026-01-01T00:00:00Z",
    restored_at: null,
    ...fields,
  };
}
