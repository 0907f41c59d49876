// @vitest-environment jsdom
// Restoring a checkpoint from <boo-coder-pane> against a fake boocoder: the turn shows
// its checkpoint, Restore asks the server (409: what would be discarded), the owner
// confirms, the pending list comes back from the answer; another device's restore
// updates the list.

import { CHAT, message, SESSION, windowOf } from "@boocode/common/fixtures";
import { fakeSockets } from "@boocode/common/test-support";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TAG } from "./pane";
import { coderServer, frame, hello } from "./testing/fake-server";
import { change, checkpoint } from "./testing/fixtures";

const RESTORE = `POST sessions/${SESSION}/checkpoints/1/restore`;

function server() {
  const restored = checkpoint(1, { restored_at: "2026-01-02T00:00:00Z" });
  return coderServer()
    .on(`GET chats/${CHAT}/messages`, {
      body: windowOf([
        message("u1", 1, { content: "turn 1" }),
        message("a1", 2, { role: "assistant", agent: "fake", content: "did one" }),
        message("u2", 3, { content: "turn 2" }),
        message("a2", 4, { role: "assistant", agent: "fake", content: "did two" }),
      ]),
    })
    .on(`GET sessions/${SESSION}/checkpoints`, { body: [checkpoint(2), checkpoint(1)] })
    .on(RESTORE, (body) =>
      (body as { discard_later?: boolean }).discard_later === true
        ? { body: { checkpoint: restored, discarded: [checkpoint(1), checkpoint(2)], changes: [change("c9", "README.md")] } }
        : {
            status: 409,
            body: { error: "restoring checkpoint 1 discards the work of 2 turn(s)", code: "checkpoint_discards_later", discarded: [checkpoint(1), checkpoint(2)] },
          },
    );
}

describe("checkpoints in <boo-coder-pane>", () => {
  beforeEach(() => document.body.replaceChildren());
  afterEach(() => document.body.replaceChildren());

  it("restores a checkpoint after showing what it discards", async () => {
    const srv = server();
    const { open, sockets } = fakeSockets();
    const el = document.createElement(TAG);
    el.services = { openWs: open, fetch: srv.fetchFn, storage: null };
    el.setAttribute("session-id", SESSION);
    el.setAttribute("chat-id", CHAT);
    el.setAttribute("base", "./coder/");
    document.body.append(el);
    await el.updateComplete;
    await vi.waitFor(() => expect(sockets).toHaveLength(1));
    hello(sockets[0]);
    const root = el.shadowRoot!;
    const q = <T extends HTMLElement>(sel: string) => root.querySelector<T>(sel);
    await vi.waitFor(() => expect(root.querySelectorAll('[data-testid="checkpoint"]')).toHaveLength(2));
    expect(q('[data-testid="message"][data-id="a1"] [data-testid="checkpoint"]')?.textContent).toBe("Checkpoint 1·Restore");

    q<HTMLButtonElement>('[data-n="1"] [data-testid="checkpoint-restore"]')?.click();
    await vi.waitFor(() => expect(q('[data-testid="checkpoint-confirm"]')).not.toBeNull());
    expect([...root.querySelectorAll('[data-testid="checkpoint-discard"]')].map((li) => li.textContent)).toEqual(['#1 fake: "turn 1"', '#2 fake: "turn 2"']);
    expect(srv.calls.filter((c) => c.startsWith(RESTORE))).toEqual([`${RESTORE} {"discard_later":false}`]);

    q<HTMLButtonElement>('[data-testid="checkpoint-confirm-restore"]')?.click();
    await vi.waitFor(() => expect(q('[data-testid="checkpoint-confirm"]')).toBeNull());
    expect(root.querySelectorAll('[data-testid="checkpoint"]')).toHaveLength(2);
    expect(srv.calls.filter((c) => c.startsWith(RESTORE))).toEqual([`${RESTORE} {"discard_later":false}`, `${RESTORE} {"discard_later":true}`]);
    // The worktree's pending changes as the answer says, and a word to the owner.
    expect(el.controller?.state.coder?.pending).toEqual([change("c9", "README.md")]);
    await vi.waitFor(() => expect(q('[data-testid="pending-change"]')?.getAttribute("data-path")).toBe("README.md"));
    expect(el.controller?.state.notice?.text).toBe("The worktree is back at checkpoint 1.");
    expect(el.controller?.state.checkpoints?.find((c) => c.n === 1)?.restored_at).toBe("2026-01-02T00:00:00Z");

    // Another device restores checkpoint 2: the list follows; Cancel leaves a flow.
    frame(sockets[0], { type: "checkpoint_restored", seq: 9_000_000_000_000_001, session_id: SESSION, checkpoint: checkpoint(2, { restored_at: "2026-01-03T00:00:00Z" }), discarded: [checkpoint(2)] });
    await vi.waitFor(() => expect(el.controller?.state.checkpoints?.find((c) => c.n === 2)?.restored_at).toBe("2026-01-03T00:00:00Z"));
  });

  it("says why a restore cannot happen now", async () => {
    const srv = server().on(RESTORE, { status: 409, body: { error: "a turn of this session is running", code: "turn_running", discarded: [] } });
    const { open, sockets } = fakeSockets();
    const el = document.createElement(TAG);
    el.services = { openWs: open, fetch: srv.fetchFn, storage: null };
    el.setAttribute("session-id", SESSION);
    el.setAttribute("chat-id", CHAT);
    document.body.append(el);
    await el.updateComplete;
    await vi.waitFor(() => expect(sockets).toHaveLength(1));
    hello(sockets[0]);
    const root = el.shadowRoot!;
    await vi.waitFor(() => expect(root.querySelectorAll('[data-testid="checkpoint"]')).toHaveLength(2));
    root.querySelector<HTMLButtonElement>('[data-n="1"] [data-testid="checkpoint-restore"]')?.click();
    await vi.waitFor(() => expect(root.querySelector('[data-testid="checkpoint-error"]')?.textContent).toBe("A turn is running: restore once it has ended."));
    root.querySelector<HTMLButtonElement>('[data-testid="checkpoint-cancel"]')?.click();
    await vi.waitFor(() => expect(root.querySelector('[data-testid="checkpoint-error"]')).toBeNull());
    expect(el.controller?.state.restore).toBeNull();
  });
});
