// `boochat acp` as an editor runs it: the binary as a child on stdio, a scripted
// model server of its own (boo-fake-llm, scripted over HTTP), and the client side
// of ACP that an editor implements (files in a directory, terminals as child
// processes).

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import * as acp from "@agentclientprotocol/sdk";
import { TIMEOUT_MS } from "./config.mjs";

function binDir(env) {
  if (env.BOO_BIN_DIR) return env.BOO_BIN_DIR;
  const target = env.CARGO_TARGET_DIR || path.join(env.HOME || os.homedir(), ".cache/boocode/target");
  return path.join(target, "debug");
}

/**
 * What the test needs, from the environment: the boochat binary and a model server
 * (BOO_E2E_LLM_URL, which must be a boo-fake-llm: it gets scripted) or the
 * boo-fake-llm binary to start one. Throws naming every missing input. The agent
 * needs no database: its sessions go to `stateDir`, a fresh temporary directory
 * every agent spawned with these inputs shares.
 */
export function acpInputs(env = process.env) {
  const boochat = env.BOO_E2E_BOOCHAT_BIN || path.join(binDir(env), "boochat");
  const fakeLlm = env.BOO_E2E_FAKE_LLM_BIN || path.join(path.dirname(boochat), "boo-fake-llm");
  const llmUrl = env.BOO_E2E_LLM_URL || "";
  const missing = [];
  if (!existsSync(boochat)) missing.push(`the boochat binary ${boochat} (BOO_E2E_BOOCHAT_BIN, BOO_BIN_DIR or CARGO_TARGET_DIR)`);
  if (llmUrl === "" && !existsSync(fakeLlm)) missing.push(`a model server: BOO_E2E_LLM_URL, or the boo-fake-llm binary ${fakeLlm} (BOO_E2E_FAKE_LLM_BIN)`);
  if (missing.length > 0) throw new Error(`boochat acp test: missing ${missing.join("; ")}`);
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "boo-acp-state-"));
  return { boochat, fakeLlm, llmUrl, stateDir };
}

/** Resolves with the first line of `stream` that `re` matches (its match); rejects after TIMEOUT_MS or at EOF. */
function waitForLine(stream, re, what) {
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${what}; got ${JSON.stringify(buf)}`)), TIMEOUT_MS);
    const onData = (chunk) => {
      buf += chunk;
      const m = buf.match(re);
      if (m) done(null, m);
    };
    const onEnd = () => done(new Error(`${what}: the stream ended first; got ${JSON.stringify(buf)}`));
    function done(err, m) {
      clearTimeout(timer);
      stream.off("data", onData);
      stream.off("end", onEnd);
      err ? reject(err) : resolve(m);
    }
    stream.setEncoding("utf8");
    stream.on("data", onData);
    stream.on("end", onEnd);
  });
}

/** Stop a child: SIGTERM, then SIGKILL after a short wait; resolves once it is reaped. */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
  await exited;
  clearTimeout(timer);
}

/**
 * The scripted model server: `url` for BOO_LLM__BASE_URL, `script(replies)` queues
 * replies (boo-fake-llm's JSON shape), `requests()` lists the chat bodies received.
 * Starts a boo-fake-llm of its own unless `llmUrl` names one.
 */
export async function startModel({ fakeLlm, llmUrl }) {
  let child = null;
  let url = llmUrl;
  if (url === "") {
    child = spawn(fakeLlm, ["--listen", "127.0.0.1:0"], { stdio: ["ignore", "ignore", "pipe"] });
    const [, listening] = await waitForLine(child.stderr, /listening on (http:\/\/\S+)\n/, "boo-fake-llm to listen");
    child.stderr.resume();
    url = listening;
  }
  const root = url.replace(/\/v1\/?$/, "");
  async function call(method, route, body) {
    const resp = await fetch(`${root}${route}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await resp.text();
    if (!resp.ok) throw new Error(`${method} ${route}: ${resp.status} ${text}`);
    return JSON.parse(text);
  }
  return {
    url,
    script: (replies) => call("POST", "/__script", replies),
    requests: () => call("GET", "/__requests"),
    stop: () => (child ? stopChild(child) : Promise.resolve()),
  };
}

/** `boochat acp` as a child process, its stderr kept for failure messages. */
export function spawnAgent({ boochat, stateDir }, llmUrl) {
  const child = spawn(boochat, ["acp", "--state-dir", stateDir], {
    stdio: ["pipe", "pipe", "pipe"],
    env: {
      ...process.env,
      BOO_LLM__BASE_URL: llmUrl,
      BOO_LOG__LEVEL: "warn",
    },
  });
  child.stderrText = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (s) => {
    child.stderrText += s;
  });
  return child;
}

/** The SDK's ndjson stream over a child's stdio. */
export function childStream(child) {
  return acp.ndJsonStream(Writable.toWeb(child.stdin), Readable.toWeb(child.stdout));
}

/** A command in a "terminal": output (both streams) kept up to a byte limit, oldest bytes dropped. */
class Terminal {
  constructor({ command, args = [], cwd, env = [], outputByteLimit }) {
    this.limit = outputByteLimit ?? Infinity;
    this.output = Buffer.alloc(0);
    this.truncated = false;
    this.exitStatus = null;
    const vars = Object.fromEntries(env.map(({ name, value }) => [name, value]));
    this.child = spawn(command, args, { cwd: cwd ?? undefined, env: { ...process.env, ...vars }, stdio: ["ignore", "pipe", "pipe"] });
    const keep = (chunk) => {
      this.output = Buffer.concat([this.output, chunk]);
      if (this.output.length > this.limit) {
        this.output = this.output.subarray(this.output.length - this.limit);
        this.truncated = true;
      }
    };
    this.child.stdout.on("data", keep);
    this.child.stderr.on("data", keep);
    this.exited = new Promise((resolve) => {
      this.child.once("error", (err) => {
        keep(Buffer.from(String(err)));
        this.exitStatus = { exitCode: 127, signal: null };
        resolve(this.exitStatus);
      });
      this.child.once("close", (code, signal) => {
        this.exitStatus = { exitCode: code, signal };
        resolve(this.exitStatus);
      });
    });
  }

  kill() {
    if (this.exitStatus === null) this.child.kill("SIGKILL");
  }
}

/**
 * The editor side: a `client()` app whose handlers record what the agent asked for.
 * `calls` lists every client method the agent called ({ method, params });
 * `updates` every session/update; `onUpdate` listeners see each one as it arrives.
 */
export function editor() {
  const calls = [];
  const updates = [];
  const listeners = new Set();
  const terminals = new Map();
  let nextTerminal = 0;
  const terminal = (id) => {
    const t = terminals.get(id);
    if (!t) throw acp.RequestError.resourceNotFound(id);
    return t;
  };
  const record = (method, params) => calls.push({ method, params });

  const app = acp
    .client({ name: "boocode-e2e" })
    .onNotification("session/update", ({ params }) => {
      updates.push(params);
      for (const l of listeners) l(params);
    })
    .onRequest("session/request_permission", ({ params }) => {
      record("session/request_permission", params);
      const allow = params.options.find((o) => o.kind === "allow_once");
      if (!allow) return { outcome: { outcome: "cancelled" } };
      return { outcome: { outcome: "selected", optionId: allow.optionId } };
    })
    .onRequest("fs/read_text_file", async ({ params }) => {
      record("fs/read_text_file", params);
      const text = await readFile(params.path, "utf8").catch((err) => {
        throw err.code === "ENOENT" ? acp.RequestError.resourceNotFound(params.path) : err;
      });
      if (params.line == null && params.limit == null) return { content: text };
      const lines = text.split("\n");
      const from = Math.max((params.line ?? 1) - 1, 0);
      return { content: lines.slice(from, params.limit == null ? undefined : from + params.limit).join("\n") };
    })
    .onRequest("fs/write_text_file", async ({ params }) => {
      record("fs/write_text_file", params);
      await mkdir(path.dirname(params.path), { recursive: true });
      await writeFile(params.path, params.content);
      return {};
    })
    .onRequest("terminal/create", ({ params }) => {
      record("terminal/create", params);
      const id = `term-${++nextTerminal}`;
      terminals.set(id, new Terminal(params));
      return { terminalId: id };
    })
    .onRequest("terminal/output", ({ params }) => {
      record("terminal/output", params);
      const t = terminal(params.terminalId);
      return { output: t.output.toString("utf8"), truncated: t.truncated, exitStatus: t.exitStatus };
    })
    .onRequest("terminal/wait_for_exit", async ({ params }) => {
      record("terminal/wait_for_exit", params);
      return terminal(params.terminalId).exited;
    })
    .onRequest("terminal/kill", ({ params }) => {
      record("terminal/kill", params);
      terminal(params.terminalId).kill();
      return {};
    })
    .onRequest("terminal/release", ({ params }) => {
      record("terminal/release", params);
      terminal(params.terminalId).kill();
      terminals.delete(params.terminalId);
      return {};
    });

  /** Resolves with the first update (from now on, or already seen after `since`) that `pred` accepts. */
  function waitForUpdate(pred, what, since = updates.length) {
    const seen = updates.slice(since).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`timed out waiting for ${what}`));
      }, TIMEOUT_MS);
      const listener = (u) => {
        if (!pred(u)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(u);
      };
      listeners.add(listener);
    });
  }

  return {
    app,
    calls,
    updates,
    waitForUpdate,
    /** Kill what the agent left running. */
    close: () => {
      for (const t of terminals.values()) t.kill();
      terminals.clear();
    },
  };
}

/** The text of the session updates of one kind (after index `from`), joined. */
export function joined(updates, kind, from = 0) {
  return updates
    .slice(from)
    .filter((u) => u.update.sessionUpdate === kind)
    .map((u) => u.update.content?.text ?? "")
    .join("");
}
