import { describe, expect, it } from "vitest";
import { appUrl, HEALTH_PATH, WHOAMI_PATH, wsUrl } from "./url";

describe("wsUrl", () => {
  it.each([
    ["http://127.0.0.1:9500/", "ws://127.0.0.1:9500/api/ws"],
    ["https://boo.example.com/", "wss://boo.example.com/api/ws"],
    ["https://boo.example.com/coder/", "wss://boo.example.com/coder/api/ws"],
    ["https://boo.example.com/term/", "wss://boo.example.com/term/api/ws"],
    // A page below the prefix still resolves against its directory, like every relative URL.
    ["https://boo.example.com/term/x", "wss://boo.example.com/term/api/ws"],
    ["https://boo.example.com/coder/index.html?tab=2#pane-1", "wss://boo.example.com/coder/api/ws"],
    ["http://[::1]:9501/term/", "ws://[::1]:9501/term/api/ws"],
    ["https://boo.example.com:8443/coder/", "wss://boo.example.com:8443/coder/api/ws"],
  ])("%s -> %s", (href, expected) => {
    expect(wsUrl({ href })).toBe(expected);
  });

  it("takes another relative path", () => {
    expect(wsUrl({ href: "https://boo.example.com/term/" }, "./api/sessions/1/ws")).toBe(
      "wss://boo.example.com/term/api/sessions/1/ws",
    );
  });

  it("refuses pages that are not http(s)", () => {
    expect(() => wsUrl({ href: "file:///srv/boo/index.html" })).toThrow(
      new Error("cannot open a WebSocket from a file: page"),
    );
  });
});

describe("appUrl", () => {
  it.each([
    ["http://127.0.0.1:9500/", HEALTH_PATH, "http://127.0.0.1:9500/healthz"],
    ["https://boo.example.com/coder/", HEALTH_PATH, "https://boo.example.com/coder/healthz"],
    ["https://boo.example.com/term/?x=1#top", WHOAMI_PATH, "https://boo.example.com/term/api/whoami"],
  ])("%s + %s -> %s", (href, path, expected) => {
    expect(appUrl({ href }, path)).toBe(expected);
  });
});
