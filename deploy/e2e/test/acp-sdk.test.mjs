// `boochat acp` driven by an ACP client that is not ours: the official TypeScript SDK
// (@agentclientprotocol/sdk, pinned in package.json) over the child's stdio, with
// the editor side implemented here (files in a temp dir, terminals as child
// processes). The model is a boo-fake-llm of the test's own, scripted over HTTP, so
// no reply leaks into the other e2e tests.
// Run: [BOO_E2E_BOOCHAT_BIN=…] npm test (no database: the agent keeps its sessions in files)
// (BOO_E2E_LLM_URL: use that boo-fake-llm instead of starting one.)

import assert from "node:assert/strict";
import { mkdtemp, readFile, realpath, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import * as acp from "@agentclientprotocol/sdk";
import { acpInputs, childStream, editor, joined, spawnAgent, startModel, stopChild } from "../lib/acp.mjs";
import { TIMEOUT_MS } from "../lib/config.mjs";

const CLIENT_CAPS = { fs: { readTextFile: true, writeTextFile: true }, terminal: true };

/** Run `body(ctx, client)` against a fresh `boochat acp` process; the process is stopped after. */
async function withAgent(inputs, model, body) {
  const child = spawnAgent(inputs, model.url);
  const client = editor();
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  try {
    return await client.app.connectWith(childStream(child), async (ctx) => {
      // A dead agent fails the step at once instead of at the timeout.
      const died = exited.then(({ code, signal }) => {
        throw new Error(`boochat acp exited (${code ?? signal}):\n${child.stderrText}`);
      });
      died.catch(() => {});
      return await Promise.race([body(ctx, client), died]);
    });
  } catch (err) {
    if (child.stderrText) err.message += `\n--- boochat acp stderr ---\n${child.stderrText}`;
    throw err;
  } finally {
    client.close();
    await stopChild(child);
  }
}

async function initialize(ctx) {
  return ctx.request("initialize", {
    protocolVersion: acp.PROTOCOL_VERSION,
    clientCapabilities: CLIENT_CAPS,
    clientInfo: { name: "boocode-e2e", version: "0.1.0" },
  });
}

/** A prompt turn with a time limit; resolves with the stop reason. */
async function prompt(ctx, sessionId, text) {
  const turn = ctx.request("session/prompt", { sessionId, prompt: [{ type: "text", text }] });
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the turn ${JSON.stringify(text)} did not end in ${TIMEOUT_MS * 2} ms`)), TIMEOUT_MS * 2);
  });
  try {
    return (await Promise.race([turn, limit])).stopReason;
  } finally {
    clearTimeout(timer);
  }
}

/** The tool messages of a chat completion request body, as text. */
function toolMessages(body) {
  return (body.messages ?? [])
    .filter((m) => m.role === "tool")
    .map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content)));
}

describe("boochat acp driven by the ACP TypeScript SDK", () => {
  let inputs;
  let model;
  let dir;
  let sessionId;
  before(async () => {
    // Missing inputs fail the suite (deploy/test passes them all): no silent skip.
    inputs = acpInputs();
    model = await startModel(inputs);
    dir = await realpath(await mkdtemp(path.join(os.tmpdir(), "boo-acp-sdk-")));
  });
  after(async () => {
    await model?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    if (inputs) await rm(inputs.stateDir, { recursive: true, force: true });
  });

  it("initializes, streams, writes through the client, runs in its terminal, cancels", async () => {
    await withAgent(inputs, model, async (ctx, client) => {
      const init = await initialize(ctx);
      assert.equal(init.protocolVersion, acp.PROTOCOL_VERSION);
      assert.equal(init.agentCapabilities?.loadSession, true);
      assert.equal(init.agentInfo?.name, "boocode");

      const created = await ctx.request("session/new", { cwd: dir, mcpServers: [] });
      sessionId = created.sessionId;
      assert.match(sessionId, /\S/);
      const mine = (u) => u.sessionId === sessionId;

      // 1. A streamed answer: thoughts, then the message in chunks.
      await model.script({ reasoning: "The user says hello.", content: "Hello from the scripted model!" });
      let from = client.updates.length;
      assert.equal(await prompt(ctx, sessionId, "say hello"), "end_turn");
      const streamed = client.updates.slice(from).filter(mine);
      assert.equal(joined(streamed, "agent_thought_chunk"), "The user says hello.");
      assert.equal(joined(streamed, "agent_message_chunk"), "Hello from the scripted model!");
      assert.ok(streamed.filter((u) => u.update.sessionUpdate === "agent_message_chunk").length > 1, "the answer arrives in several chunks");

      // 2. write_file: the agent reads the old content through the client (none: a new
      // file), asks, then writes through the client's fs/write_text_file.
      const content = "hello from boocode\n";
      await model.script([
        { tool_calls: [{ id: "call_write", name: "write_file", arguments: { path: "notes/hello.txt", content } }] },
        { content: "Wrote notes/hello.txt." },
      ]);
      from = client.calls.length;
      let fromUpdate = client.updates.length;
      assert.equal(await prompt(ctx, sessionId, "write notes/hello.txt"), "end_turn");
      const writeCalls = client.calls.slice(from);
      assert.deepEqual(
        writeCalls.map((c) => c.method),
        ["fs/read_text_file", "session/request_permission", "fs/write_text_file"],
      );
      const [read, asked, wrote] = writeCalls.map((c) => c.params);
      assert.equal(read.path, path.join(dir, "notes/hello.txt"));
      assert.equal(asked.sessionId, sessionId);
      assert.equal(asked.toolCall.toolCallId, "call_write");
      assert.ok(asked.options.some((o) => o.kind === "allow_once"), JSON.stringify(asked.options));
      assert.deepEqual(wrote, { sessionId, path: path.join(dir, "notes/hello.txt"), content });
      assert.equal(await readFile(path.join(dir, "notes/hello.txt"), "utf8"), content);
      const writeUpdates = client.updates.slice(fromUpdate).filter(mine);
      assert.ok(
        writeUpdates.some((u) => u.update.sessionUpdate === "tool_call_update" && u.update.toolCallId === "call_write" && u.update.status === "completed"),
        `write_file completed: ${JSON.stringify(writeUpdates.map((u) => u.update))}`,
      );
      assert.equal(joined(writeUpdates, "agent_message_chunk"), "Wrote notes/hello.txt.");

      // 3. run_command: the client's terminal runs it; the model's next request has the output.
      const command = "echo acp-$((6*7)) && cat notes/hello.txt";
      await model.script([
        { tool_calls: [{ id: "call_run", name: "run_command", arguments: { command } }] },
        { content: "It printed acp-42." },
      ]);
      from = client.calls.length;
      fromUpdate = client.updates.length;
      const requestsBefore = (await model.requests()).length;
      assert.equal(await prompt(ctx, sessionId, "run the command"), "end_turn");
      const runCalls = client.calls.slice(from);
      assert.deepEqual(runCalls.map((c) => c.method).slice(0, 3), ["session/request_permission", "terminal/create", "terminal/wait_for_exit"]);
      assert.ok(runCalls.some((c) => c.method === "terminal/output"), JSON.stringify(runCalls));
      assert.equal(runCalls.at(-1).method, "terminal/release");
      const create = runCalls[1].params;
      assert.deepEqual([create.command, create.args, create.cwd], ["/bin/sh", ["-c", command], dir]);
      const bodies = (await model.requests()).slice(requestsBefore);
      assert.equal(bodies.length, 2, "the tool call, then the answer after its output");
      const outputs = toolMessages(bodies[1]);
      assert.ok(
        outputs.some((t) => t.includes("acp-42") && t.includes("hello from boocode")),
        `the command's output goes back to the model: ${JSON.stringify(outputs)}`,
      );
      assert.equal(joined(client.updates.slice(fromUpdate).filter(mine), "agent_message_chunk"), "It printed acp-42.");

      // 4. Cancel a slow answer mid-stream.
      await model.script({ content: "This answer is slow and never ends.", delay_each_ms: 100, hang: true });
      fromUpdate = client.updates.length;
      const slow = prompt(ctx, sessionId, "take your time");
      await client.waitForUpdate((u) => mine(u) && u.update.sessionUpdate === "agent_message_chunk", "the slow answer to start", fromUpdate);
      await ctx.notify("session/cancel", { sessionId });
      assert.equal(await slow, "cancelled");
    });
  });

  it("a new process loads the session and replays it", async () => {
    assert.ok(sessionId, "the first test made a session");
    await withAgent(inputs, model, async (ctx, client) => {
      const init = await initialize(ctx);
      assert.equal(init.agentCapabilities?.loadSession, true);
      await ctx.request("session/load", { sessionId, cwd: dir, mcpServers: [] });
      const replay = client.updates.filter((u) => u.sessionId === sessionId);
      const users = replay.filter((u) => u.update.sessionUpdate === "user_message_chunk").map((u) => u.update.content.text);
      assert.deepEqual(
        ["say hello", "write notes/hello.txt", "run the command", "take your time"].filter((p) => !users.some((t) => t.includes(p))),
        [],
        `every prompt is replayed: ${JSON.stringify(users)}`,
      );
      const said = joined(replay, "agent_message_chunk");
      for (const answer of ["Hello from the scripted model!", "Wrote notes/hello.txt.", "It printed acp-42."]) {
        assert.ok(said.includes(answer), `replayed answer ${JSON.stringify(answer)} in ${JSON.stringify(said)}`);
      }
    });
  });
});
