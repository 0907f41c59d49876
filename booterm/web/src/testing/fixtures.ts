// Wire values and a fake socket for the unit tests.

import type { Terminal } from "@boocode/types";
import type { TermSocket } from "../connection";

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

/** A terminal socket that records what is sent and how often it is closed; the test plays booterm. */
export class FakeTermSocket implements TermSocket {
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: (() => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  /** The arguments of the last close. */
  closedWith: [number | undefined, string | undefined] | undefined;
  closes = 0;
  sent: (string | number[])[] = [];
  constructor(readonly url: string) {}
  send(data: string | Uint8Array): void {
    this.sent.push(typeof data === "string" ? data : [...data]);
  }
  close(code?: number, reason?: string): void {
    this.closes += 1;
    this.closedWith = [code, reason];
  }
  text(frame: object): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  binary(bytes: number[]): void {
    this.onmessage?.({ data: new Uint8Array(bytes).buffer });
  }
  remoteClose(code: number, reason = ""): void {
    this.onclose?.({ code, reason });
  }
  /** The JSON control messages sent, parsed. */
  controls(): unknown[] {
    return this.sent.filter((d): d is string => typeof d === "string").map((d) => JSON.parse(d));
  }
}
