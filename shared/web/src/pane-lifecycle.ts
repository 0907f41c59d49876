// The lifecycle of a pane element (<boo-chat-pane>, <boo-coder-pane>, <boo-term-pane>):
// what it holds (a socket, a view, timers) lives while the element is in a document and
// is freed only when the element is really gone.
//
// Insertion, removal and `request()` (the pane's ids or settings changed) coalesce into
// one decision in a microtask: the element is connected then → `sync()`, else →
// `teardown()`. Moving an element in the DOM (a tab dragged to another pane, a split)
// disconnects and reconnects it in the same task, so the decision finds it connected
// and a move is one `sync()` that finds nothing changed: the socket stays. What
// "changed" means, and what a sync does about it (switch chat on the same socket,
// restart for another terminal, refit after a move), is the pane's.
//
// `teardown()` runs once after the syncs it ends: a removed element whose attributes
// change does not tear down again, and nothing is torn down that no sync set up.

import type { ReactiveController, ReactiveControllerHost } from "lit";

export type PaneHooks = {
  /** The element is in a document (inserted, moved, or its ids changed): make what it holds match. */
  sync(): void;
  /** The element is out of the document: free everything it holds. */
  teardown(): void;
};

export class PaneLifecycle implements ReactiveController {
  private queued = false;
  /** A sync ran since the last teardown. */
  private live = false;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly hooks: PaneHooks,
  ) {
    host.addController(this);
  }

  /** Something the pane syncs on changed (an attribute, a property): decide in a microtask. */
  request(): void {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      this.decide();
    });
  }

  hostConnected(): void {
    this.request();
  }

  hostDisconnected(): void {
    // Perhaps a move: decide once the current task has put the element back (or not).
    this.request();
  }

  private decide(): void {
    if (this.host.isConnected) {
      this.live = true;
      this.hooks.sync();
    } else if (this.live) {
      this.live = false;
      this.hooks.teardown();
    }
  }
}
