import { runStatus } from "@common/status";
import { fakeDeps, recordingSink } from "@common/test-support";
import { describe, expect, it } from "vitest";
import { spec } from "./spec";

const BASE = "https://boo.example.com/";
const hello = (daemon: string) => JSON.stringify({ type: "hello", seq: 0, daemon, version: "0.1.0" });

function deps() {
  return fakeDeps(`${BASE}?from=test#top`, {
    [`${BASE}healthz`]: { status: 200, body: '{"status":"ok","version":"0.1.0","db":"ok"}' },
    [`${BASE}api/whoami`]: {
      status: 200,
      body: '{"user":"ada","groups":["admins"],"email":"ada@example.com","name":"Ada","daemon":"boochat"}',
    },
  });
}

describe("boochat page", () => {
  it("describes boochat", () => {
    expect(spec).toEqual({ daemon: "boochat", purpose: "chat workspace" });
  });

  it("shows a healthy, connected, signed-in boochat", async () => {
    const d = deps();
    const { fields, sink } = recordingSink();
    const run = runStatus(spec, d, sink);
    await run.settled;
    const socket = d.sockets[0];
    expect(socket?.url).toBe(`${BASE.replace("https:", "wss:")}api/ws`);
    socket?.message(hello("boochat"));
    expect(fields).toEqual({
      status: "ok",
      version: "0.1.0",
      db: "ok",
      ws: "connected",
      "ws-daemon": "boochat 0.1.0",
      whoami: "ada",
    });
    run.stop();
    expect(socket?.closedWith).toEqual({ code: 1000, reason: "page closed" });
  });

  it("refuses the hello of another daemon", () => {
    const d = deps();
    const { fields, sink } = recordingSink();
    runStatus(spec, d, sink);
    d.sockets[0]?.message(hello("booterm"));
    expect(fields.ws).toBe("error: hello from booterm, expected boochat");
  });
});
