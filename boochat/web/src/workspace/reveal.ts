// Bring a message into view once it is on the page: a search hit opens its chat, whose
// transcript loads a moment later; this waits for the message's element (a
// MutationObserver, bounded), scrolls it to the middle and marks it for a few seconds.

const UUID = /^[0-9A-Za-z-]{1,64}$/;
export const REVEAL_WAIT_MS = 10_000;
export const MARK_MS = 4_000;

/** The element of message `id` under `root`, if it is there. */
export function messageElement(root: ParentNode, id: string): HTMLElement | null {
  if (!UUID.test(id)) return null;
  return root.querySelector<HTMLElement>(`[data-testid="message"][data-id="${id}"]`);
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
    const done = (found: boolean): void => {
      observer.disconnect();
      clearTimeout(timer);
      resolve(found);
    };
    const observer = new MutationObserver(() => {
      if (show()) done(true);
    });
    observer.observe(root, { childList: true, subtree: true });
    const timer = setTimeout(() => done(false), waitMs);
  });
}
