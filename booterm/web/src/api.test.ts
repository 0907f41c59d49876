import type { FetchFn } from "@boocode/common/api";
import { describe, expect, it } from "vitest";
import { clampSize, TermApi, termSocketUrl } from "./api";
import { T1, terminal } from "./testing/fixtures";

function recorder(answers: { status: number; body: string }[]): { fetchFn: FetchFn; calls: string[] } {
  const calls: string[] = [];
  const fetchFn: FetchFn = async (url, init) => {
    calls.push(`${init.method} ${url}${typeof init.body === "string" ? ` ${init.body}` : ""}`);
    const answer = answers.shift() ?? { status: 200, body: "{}" };
    return { status: answer.status, text: async () => answer.body };
  };
  return { fetchFn, calls };
}

// Behind Caddy booterm lives under /term/; every URL stays below it.
const LOC = { href: `https://boo.example.com/term/#${T1}` };
const BASE = "https://boo.example.com/term/api";

describe("termSocketUrl", () => {
  it.each([
    [{ href: "http://127.0.0.1:9501/" }, {}, `ws://127.0.0.1:9501/api/terminals/${T1}/ws`],
    [LOC, { readonly: true }, `wss://boo.example.com/term/api/terminals/${T1}/ws?readonly=1`],
    [LOC, { size: { cols: 132, rows: 43 } }, `wss://boo.example.com/term/api/terminals/${T1}/ws?cols=132&rows=43`],
    // A size outside 2..=1000 is clamped, not refused.
    [LOC, { readonly: true, size: { cols: 5000.7, rows: 1 } }, `wss://boo.example.com/term/api/terminals/${T1}/ws?readonly=1&cols=1000&rows=2`],
    // The workspace hosts the pane at / with booterm's prefix as base.
    [{ href: "https://boo.example.com/term/" }, { size: null }, `wss://boo.example.com/term/api/terminals/${T1}/ws`],
  ])("%j %j", (base, options, expected) => {
    expect(termSocketUrl(base, T1, options)).toBe(expected);
  });

  it("escapes the id", () => {
    expect(termSocketUrl(LOC, "a/b")).toBe("wss://boo.example.com/term/api/terminals/a%2Fb/ws");
  });

  it("clamps sizes", () => {
    expect([clampSize(0), clampSize(80.9), clampSize(1001)]).toEqual([2, 80, 1000]);
  });
});

describe("TermApi", () => {
  it("builds every path relative to the base", async () => {
    const t = JSON.stringify(terminal());
    const { fetchFn, calls } = recorder([
      { status: 200, body: `[${t}]` },
      { status: 200, body: "[]" },
      { status: 201, body: t },
      { status: 200, body: t },
      { status: 200, body: t },
      { status: 204, body: "" },
      { status: 200, body: '{"text":"$ ","cols":80,"rows":24}' },
    ]);
    const api = new TermApi(LOC, fetchFn);
    expect(await api.list()).toEqual([terminal()]);
    await api.list({ status: "all", sessionId: "s1" });
    expect(await api.create({ cols: 100, rows: 30 })).toEqual(terminal());
    await api.get(T1);
    await api.rename(T1, "build");
    expect(await api.kill(T1)).toBeUndefined();
    expect(await api.snapshot(T1, 50)).toEqual({ text: "$ ", cols: 80, rows: 24 });
    expect(calls).toEqual([
      `GET ${BASE}/terminals`,
      `GET ${BASE}/terminals?status=all&session_id=s1`,
      `POST ${BASE}/terminals {"cols":100,"rows":30}`,
      `GET ${BASE}/terminals/${T1}`,
      `PATCH ${BASE}/terminals/${T1} {"title":"build"}`,
      `DELETE ${BASE}/terminals/${T1}`,
      `GET ${BASE}/terminals/${T1}/snapshot?lines=50`,
    ]);
  });

  it("reports errors with their code", async () => {
    const { fetchFn } = recorder([{ status: 400, body: '{"error":"cwd /nope does not exist","code":"invalid_cwd"}' }]);
    await expect(new TermApi(LOC, fetchFn).create({ cwd: "/nope" })).rejects.toMatchObject({ status: 400, code: "invalid_cwd", message: "cwd /nope does not exist" });
  });

  it("probes whether a terminal is worth reconnecting to", async () => {
    const { fetchFn } = recorder([
      { status: 200, body: JSON.stringify(terminal()) },
      { status: 200, body: JSON.stringify(terminal({ status: "exited", exit_code: 2 })) },
      { status: 404, body: `{"error":"no terminal ${T1}","code":"not_found"}` },
      { status: 503, body: '{"error":"database unavailable","code":"db"}' },
    ]);
    const api = new TermApi(LOC, fetchFn);
    expect(await api.probe(T1)).toEqual({ kind: "live" });
    expect(await api.probe(T1)).toEqual({ kind: "exited", exitCode: 2 });
    expect(await api.probe(T1)).toEqual({ kind: "missing", message: `no terminal ${T1}` });
    expect(await api.probe(T1)).toEqual({ kind: "unknown" });
  });
});
