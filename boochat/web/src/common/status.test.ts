import { describe, expect, it } from "vitest";
import { runStatus, toneOf } from "./status";
import { fakeDeps, recordingSink } from "./test-support";

describe("runStatus", () => {
  it("shows pending texts until answers arrive", () => {
    const deps = fakeDeps("http://127.0.0.1:9501/", {});
    const { fields, sink } = recordingSink();
    runStatus({ daemon: "booterm", purpose: "terminals" }, deps, sink);
    expect(fields).toEqual({ status: "…", version: "…", db: "…", ws: "connecting", "ws-daemon": "…", whoami: "…" });
  });

  it("shows a degraded daemon with nobody signed in", async () => {
    const deps = fakeDeps("https://boo.example.com/term/", {
      "https://boo.example.com/term/healthz": {
        status: 503,
        body: '{"status":"degraded","version":"0.2.0","db":"error","reason":"pool timed out"}',
      },
      "https://boo.example.com/term/api/whoami": { status: 401, body: '{"error":"sign in","code":"unauthenticated"}' },
    });
    const { fields, sink } = recordingSink();
    const run = runStatus({ daemon: "booterm", purpose: "terminals" }, deps, sink);
    await run.settled;
    deps.sockets[0]?.error();
    expect(deps.sockets.map((s) => s.url)).toEqual(["wss://boo.example.com/term/api/ws"]);
    expect(fields).toEqual({
      status: "degraded",
      version: "0.2.0",
      db: "error: pool timed out",
      ws: "error",
      "ws-daemon": "none",
      whoami: "not signed in",
    });
  });
});

describe("toneOf", () => {
  it.each([
    ["db", "ok", "ok"],
    ["db", "error: pool timed out", "bad"],
    ["ws", "connected", "ok"],
    ["ws", "connecting", "pending"],
    ["ws", "closed", "bad"],
    ["status", "degraded", "bad"],
    ["version", "0.1.0", "info"],
    ["whoami", "…", "pending"],
  ] as const)("%s=%s is %s", (field, text, tone) => {
    expect(toneOf(field, text)).toBe(tone);
  });
});
