// Where a DOM event happened, read from its composed path: in a place that takes typing
// (the shell's shortcuts stay out of it), and in which pane.

/** Whether the key event happens where typing goes: a text field or a terminal. */
export function typingTarget(path: readonly EventTarget[]): boolean {
  for (const t of path) {
    if (!(t instanceof HTMLElement)) continue;
    if (t.isContentEditable || t.matches("input, textarea, select, boo-term-pane, .xterm")) return true;
  }
  return false;
}

/** The id of the pane (`section[data-pane-id]`) an event happened in. */
export function paneOfPath(path: readonly EventTarget[]): string | null {
  for (const t of path) if (t instanceof HTMLElement && t.matches("section.ws-pane[data-pane-id]")) return t.dataset["paneId"] ?? null;
  return null;
}
