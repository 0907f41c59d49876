// @vitest-environment jsdom
// The pane lifecycle on a tiny Lit host that records its hooks: moves keep, removals
// free, and every trigger of one task makes one decision.

import { LitElement } from "lit";
import { afterEach, describe, expect, it } from "vitest";
import { PaneLifecycle } from "./pane-lifecycle";

class TestPane extends LitElement {
  calls: string[] = [];
  readonly lifecycle = new PaneLifecycle(this, {
    sync: () => void this.calls.push(`sync ${this.isConnected}`),
    teardown: () => void this.calls.push(`teardown ${this.isConnected}`),
  });
}
customElements.define("test-pane-lifecycle", TestPane);

/** Lets the queued microtasks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup() {
  const pane = document.createElement("test-pane-lifecycle") as TestPane;
  const left = document.createElement("div");
  const right = document.createElement("div");
  document.body.append(left, right);
  return { pane, left, right };
}

/** What the hooks did after `change` (DOM calls and requests in one task). */
async function calls(pane: TestPane, change: () => void): Promise<string[]> {
  pane.calls = [];
  change();
  await settle();
  return pane.calls;
}

/** A pane in the document whose first sync ran. */
async function inserted() {
  const t = setup();
  await calls(t.pane, () => t.left.append(t.pane));
  return t;
}

describe("PaneLifecycle", () => {
  afterEach(() => {
    document.body.replaceChildren();
  });

  it("syncs once inserted, not before", async () => {
    const { pane, left } = setup();
    await settle();
    expect(pane.calls).toEqual([]);
    expect(
      await calls(pane, () => {
        left.append(pane);
        expect(pane.calls).toEqual([]);
      }),
    ).toEqual(["sync true"]);
  });

  it("keeps what it holds across a move in one task: one sync, no teardown", async () => {
    const { pane, left, right } = await inserted();
    expect(await calls(pane, () => right.append(pane))).toEqual(["sync true"]);
    // Out and back in with several DOM calls.
    expect(
      await calls(pane, () => {
        pane.remove();
        left.prepend(pane);
        right.append(pane);
      }),
    ).toEqual(["sync true"]);
  });

  it("tears down once when removed, and syncs again when inserted again", async () => {
    const { pane, right } = await inserted();
    expect(await calls(pane, () => pane.remove())).toEqual(["teardown false"]);
    // Out of the document, a change tears nothing down again.
    expect(await calls(pane, () => pane.lifecycle.request())).toEqual([]);
    expect(await calls(pane, () => right.append(pane))).toEqual(["sync true"]);
  });

  it("tears nothing down that no sync set up", async () => {
    const { pane, left } = setup();
    const done = await calls(pane, () => {
      left.append(pane);
      pane.remove();
      pane.lifecycle.request();
    });
    expect(done).toEqual([]);
  });

  it("coalesces many requests and an insertion in one task into one sync", async () => {
    const { pane, left } = setup();
    const requests = () => {
      for (let i = 0; i < 5; i += 1) pane.lifecycle.request();
    };
    expect(
      await calls(pane, () => {
        left.append(pane);
        requests();
      }),
    ).toEqual(["sync true"]);
    expect(await calls(pane, requests)).toEqual(["sync true"]);
  });

  it("decides in a microtask, before the task's timers", async () => {
    const { pane, left } = setup();
    left.append(pane);
    await Promise.resolve();
    expect(pane.calls).toEqual(["sync true"]);
    pane.remove();
    await Promise.resolve();
    expect(pane.calls).toEqual(["sync true", "teardown false"]);
  });
});
