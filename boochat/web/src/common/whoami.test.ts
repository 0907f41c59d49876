import { describe, expect, it } from "vitest";
import { fakeFetch, type FakeRoute } from "./test-support";
import { fetchWhoami, whoamiView } from "./whoami";

const URL_ = "https://boo.example.com/api/whoami";

async function viewFor(route: FakeRoute) {
  return whoamiView(await fetchWhoami(fakeFetch({ [URL_]: route }), URL_));
}

describe("whoami", () => {
  it("shows the signed-in user", async () => {
    const body = JSON.stringify({ user: "ada", groups: ["admins"], email: "ada@example.com", name: "Ada", daemon: "boochat" });
    expect(await fetchWhoami(fakeFetch({ [URL_]: { status: 200, body } }), URL_)).toEqual({
      kind: "user",
      identity: { user: "ada", groups: ["admins"], email: "ada@example.com", name: "Ada", daemon: "boochat" },
    });
    expect(await viewFor({ status: 200, body })).toBe("ada");
  });

  it("shows 401 as not signed in", async () => {
    const body = JSON.stringify({ error: "authentication required", code: "unauthenticated" });
    expect(await viewFor({ status: 401, body })).toBe("not signed in");
  });

  it("shows other failures", async () => {
    const body = JSON.stringify({ error: "request from an untrusted proxy", code: "forbidden" });
    expect(await viewFor({ status: 403, body })).toBe("error: HTTP 403: request from an untrusted proxy");
    expect(await viewFor({ status: 200, body: "{}" })).toBe("error: HTTP 200");
    expect(await viewFor({ error: new TypeError("Failed to fetch") })).toBe("error: network error: Failed to fetch");
  });
});
