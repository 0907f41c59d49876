import { describe, expect, it } from "vitest";
import { ApiClient, ApiError, apiPath, apiUrl, sessionSocketUrl, type FetchFn } from "./api";

const S = "2b89918b-1275-446b-8bb8-0c195319642f";

describe("apiPath", () => {
  it("is relative and leaves out empty query values", () => {
    expect(apiPath("projects")).toBe("./api/projects");
    expect(apiPath("chats/c%201/messages", { before: undefined, limit: 50 })).toBe("./api/chats/c%201/messages?limit=50");
    expect(apiPath("sessions", { project_id: "p", status: "open", cursor: null })).toBe("./api/sessions?project_id=p&status=open");
    expect(apiPath("/providers/snapshot")).toBe("./api/providers/snapshot");
  });
});

describe("apiUrl", () => {
  it.each([
    ["http://127.0.0.1:9500/", "http://127.0.0.1:9500/api/models"],
    ["https://boo.example.com/#/s/x/c/y", "https://boo.example.com/api/models"],
    ["https://boo.example.com/chat/index.html?x=1", "https://boo.example.com/chat/api/models"],
    ["https://boo.example.com/coder/#/s/x/c/y", "https://boo.example.com/coder/api/models"],
  ])("%s", (href, expected) => {
    expect(apiUrl({ href }, "models")).toBe(expected);
  });
});

describe("sessionSocketUrl", () => {
  it("subscribes live-only without a seq", () => {
    expect(sessionSocketUrl({ href: "http://127.0.0.1:9500/#/s/x" }, S)).toBe(`ws://127.0.0.1:9500/api/ws?session_id=${S}`);
    expect(sessionSocketUrl({ href: "http://127.0.0.1:9500/" }, S, 0)).toBe(`ws://127.0.0.1:9500/api/ws?session_id=${S}`);
  });

  it("passes the last seq (a 16-digit number) exactly", () => {
    expect(sessionSocketUrl({ href: "https://boo.example.com/coder/" }, S, 1_764_012_345_678_901)).toBe(
      `wss://boo.example.com/coder/api/ws?session_id=${S}&last_seq=1764012345678901`,
    );
  });
});

type Call = { url: string; method: string | undefined; body: string | undefined };

function fakeFetch(answers: Array<{ status: number; body: string } | Error>): { fetchFn: FetchFn; calls: Call[] } {
  const calls: Call[] = [];
  const fetchFn: FetchFn = async (url, init) => {
    calls.push({ url, method: init.method, body: typeof init.body === "string" ? init.body : undefined });
    const answer = answers.shift();
    if (answer === undefined) throw new Error(`unexpected request ${url}`);
    if (answer instanceof Error) throw answer;
    return { status: answer.status, text: async () => answer.body };
  };
  return { fetchFn, calls };
}

describe("ApiClient", () => {
  const loc = { href: "https://boo.example.com/coder/#/s/x" };

  it("sends JSON and reads JSON", async () => {
    const { fetchFn, calls } = fakeFetch([{ status: 202, body: '{"task_id":"t1"}' }]);
    const api = new ApiClient(loc, fetchFn);
    expect(await api.request("POST", "tasks", { body: { a: 1 } })).toEqual({ task_id: "t1" });
    expect(calls).toEqual([{ url: "https://boo.example.com/coder/api/tasks", method: "POST", body: '{"a":1}' }]);
  });

  it("answers undefined for an empty 204", async () => {
    const { fetchFn } = fakeFetch([{ status: 204, body: "" }]);
    expect(await new ApiClient(loc, fetchFn).request("POST", "permissions/r1", { body: { option_id: null } })).toBeUndefined();
  });

  it("turns an error body into an ApiError with its code", async () => {
    const { fetchFn } = fakeFetch([{ status: 409, body: '{"error":"the file changed","code":"pending_conflict"}' }]);
    const err = await new ApiClient(loc, fetchFn).request("POST", "pending/p1/approve").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, code: "pending_conflict", message: "the file changed" });
  });

  it("names a proxy error page by its status", async () => {
    const { fetchFn } = fakeFetch([{ status: 502, body: "<html>Bad Gateway</html>" }]);
    const err = await new ApiClient(loc, fetchFn).request("GET", "tasks").catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502, code: "http_502", message: "HTTP 502" });
  });

  it("reports a network error", async () => {
    const { fetchFn } = fakeFetch([new TypeError("Failed to fetch")]);
    const err = await new ApiClient(loc, fetchFn).request("GET", "tasks").catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, code: "network", message: "GET tasks: network error" });
  });

  it("follows cursor pages", async () => {
    const { fetchFn, calls } = fakeFetch([
      { status: 200, body: '{"items":[1,2],"next_cursor":"c2"}' },
      { status: 200, body: '{"items":[3],"next_cursor":null}' },
    ]);
    expect(await new ApiClient(loc, fetchFn).all<number>("sessions", { status: "open" })).toEqual([1, 2, 3]);
    expect(calls.map((c) => c.url)).toEqual([
      "https://boo.example.com/coder/api/sessions?status=open&limit=200",
      "https://boo.example.com/coder/api/sessions?status=open&limit=200&cursor=c2",
    ]);
  });
});
