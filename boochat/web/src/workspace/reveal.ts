// Bring a message into view once it is on the page: a search hit opens its chat, whose
// transcript loads a moment later (inside a chat pane's shadow root, where no observer
// of the page sees it). This looks for the message's element every POLL_MS (bounded),
// scrolls it to the middle and marks it for a few seconds.

const ID = /^[0-9A-Za-z-]{1,64}$/;
export const REVEAL_WAIT_MS = 10_000;
export const MARK_MS = 4_000;
const POLL_MS = 100;

/** The element of message `id` under `root`, looking into open shadow roots too. */
export function messageElement(root: ParentNode, id: string): HTMLElement | null {
  if (!ID.test(id)) return null;
  const selector = `[data-testid="message"][data-id="${id}"]`;
  const found = root.querySelector<HTMLElement>(selector);
  if (found !== null) return found;
  for (const el of root.querySelectorAll("*")) {
    const inner = el.shadowRoot === null ? null : messageElement(el.shadowRoot, id);
    if (inner !== null) return inner;
  }
  return null;
}

/**
 * Waits (up to `waitMs`) for message `id` under `root`, then scrolls it into view and
 * gives it the `msg-found` class for `markMs`. Resolves whether it was found.
 */
export function revealMessage(root: HTMLElement, id: string, waitMs = REVEAL_WAIT_MS, markMs = MARK_MS): Promise<boolean> {
  const show = (): boolean => {
    const el = messageElement(root, id);
    if (el === null) return false;
    el.scrollIntoView?.({ block: "center" });
    el.classList.add("msg-found");
    setTimeout(() => el.classList.remove("msg-found"), markMs);
    return true;
  };
  if (show()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const found = show();
      if (found || Date.now() - started >= waitMs) {
        clearInterval(timer);
        resolve(found);
      }
    }, POLL_MS);
  });
}
