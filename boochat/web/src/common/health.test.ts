import { describe, expect, it } from "vitest";
import { fetchHealth, healthView } from "./health";
import { fakeFetch } from "./test-support";

const URL_ = "https://boo.example.com/coder/healthz";

async function viewFor(route: Parameters<typeof fakeFetch>[0][string]) {
  return healthView(await fetchHealth(fakeFetch({ [URL_]: route }), URL_));
}

describe("health", () => {
  it("shows a healthy daemon", async () => {
    const body = JSON.stringify({ status: "ok", version: "0.1.0", db: "ok" });
    expect(await viewFor({ status: 200, body })).toEqual({ status: "ok", version: "0.1.0", db: "ok" });
  });

  it("shows the reason of a 503", async () => {
    const body = JSON.stringify({ status: "degraded", version: "0.1.0", db: "error", reason: "connection refused" });
    expect(await viewFor({ status: 503, body })).toEqual({
      status: "degraded",
      version: "0.1.0",
      db: "error: connection refused",
    });
  });

  it("falls back to the db field when a 503 has no reason", async () => {
    const body = JSON.stringify({ status: "degraded", version: "0.1.0", db: "error", reason: null });
    expect(await viewFor({ status: 503, body })).toEqual({ status: "degraded", version: "0.1.0", db: "error: error" });
  });

  it("shows a network error", async () => {
    expect(await viewFor({ error: new TypeError("Failed to fetch") })).toEqual({
      status: "unreachable",
      version: "unknown",
      db: "error: network error: Failed to fetch",
    });
  });

  it("shows a timeout", async () => {
    const error = new DOMException("The operation timed out.", "TimeoutError");
    expect(await viewFor({ error })).toEqual({
      status: "unreachable",
      version: "unknown",
      db: "error: request timed out after 10000 ms",
    });
  });

  it("shows a proxy error page", async () => {
    expect(await viewFor({ status: 502, body: "<html>Bad Gateway</html>" })).toEqual({
      status: "unreachable",
      version: "unknown",
      db: "error: HTTP 502",
    });
  });

  it("shows an ApiError body", async () => {
    const body = JSON.stringify({ error: "no such route", code: "not_found" });
    expect(await viewFor({ status: 404, body })).toEqual({
      status: "unreachable",
      version: "unknown",
      db: "error: HTTP 404: no such route",
    });
  });

  it("asks the URL it was given", async () => {
    const fetchFn = fakeFetch({ [URL_]: { status: 200, body: '{"status":"ok","version":"1.2.3","db":"ok"}' } });
    await fetchHealth(fetchFn, URL_);
    expect(fetchFn.calls).toEqual([URL_]);
  });
});
