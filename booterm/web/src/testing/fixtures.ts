// Wire values for the unit tests.

import type { Terminal } from "@boocode/types";

export const T1 = "0b7e9f4c-3d2a-4c61-9a0e-5f1d2c3b4a51";
export const T2 = "6f1c2d3e-4b5a-4978-8c6d-1e2f3a4b5c6d";

export function terminal(over: Partial<Terminal> = {}): Terminal {
  const id = over.id ?? T1;
  return {
    id,
    session_id: null,
    tmux_name: `bc-${id}`,
    title: null,
    cwd: "/home/ada",
    target: null,
    command: null,
    current_command: "bash",
    cols: 80,
    rows: 24,
    status: "live",
    exit_code: null,
    attached_clients: 0,
    created_at: "2026-01-02T03:04:05Z",
    updated_at: "2026-01-02T03:04:05Z",
    last_attached_at: null,
    exited_at: null,
    ...over,
  };
}
