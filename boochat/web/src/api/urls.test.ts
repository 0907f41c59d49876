import { describe, expect, it } from "vitest";
import { apiPath, apiUrl, paths, sessionSocketUrl } from "./urls";

const S = "2b89918b-1275-446b-8bb8-0c195319642f";

describe("apiPath", () => {
  it("is relative and leaves out empty query values", () => {
    expect(apiPath("projects")).toBe("./api/projects");
    expect(apiPath(paths.messages("c 1"), { before: undefined, limit: 50 })).toBe("./api/chats/c%201/messages?limit=50");
    expect(apiPath("sessions", { project_id: "p", status: "open", cursor: null })).toBe("./api/sessions?project_id=p&status=open");
  });
});

describe("apiUrl", () => {
  it.each([
    ["http://127.0.0.1:9500/", "http://127.0.0.1:9500/api/models"],
    ["https://boo.example.com/#/s/x/c/y", "https://boo.example.com/api/models"],
    ["https://boo.example.com/chat/index.html?x=1", "https://boo.example.com/chat/api/models"],
  ])("%s", (href, expected) => {
    expect(apiUrl({ href }, paths.models())).toBe(expected);
  });
});

describe("sessionSocketUrl", () => {
  it("subscribes live-only without a seq", () => {
    expect(sessionSocketUrl({ href: "http://127.0.0.1:9500/#/s/x" }, S)).toBe(`ws://127.0.0.1:9500/api/ws?session_id=${S}`);
    expect(sessionSocketUrl({ href: "http://127.0.0.1:9500/" }, S, 0)).toBe(`ws://127.0.0.1:9500/api/ws?session_id=${S}`);
  });

  it("passes the last seq (a 16-digit number) exactly", () => {
    expect(sessionSocketUrl({ href: "https://boo.example.com/" }, S, 1_764_012_345_678_901)).toBe(
      `wss://boo.example.com/api/ws?session_id=${S}&last_seq=1764012345678901`,
    );
  });
});
