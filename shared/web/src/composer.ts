// What the composer's button does. While the open chat runs a turn, an empty box
// offers Stop and a box with text offers Queue (the message runs after the turn).

export type ComposerAction = "send" | "stop" | "queue";

export type ComposerInput = {
  /** The open chat is running a turn. */
  busy: boolean;
  text: string;
  /** A send/stop request is in flight. */
  submitting?: boolean;
  /** There is somewhere to send to (a session is open). */
  available?: boolean;
  /** Files wait to go with the message: it may be sent without text. */
  attached?: boolean;
};

export type ComposerView = { action: ComposerAction; enabled: boolean; label: string };

const LABELS: Record<ComposerAction, string> = { send: "Send", stop: "Stop", queue: "Queue" };

export function composerView(input: ComposerInput): ComposerView {
  const hasText = input.text.trim() !== "" || (input.attached ?? false);
  const action: ComposerAction = input.busy ? (hasText ? "queue" : "stop") : "send";
  const enabled = (input.available ?? true) && !(input.submitting ?? false) && (action === "stop" || hasText);
  return { action, enabled, label: LABELS[action] };
}

export type KeyLike = { key: string; shiftKey: boolean; isComposing?: boolean; altKey?: boolean; ctrlKey?: boolean; metaKey?: boolean };

/**
 * Enter submits (send or queue; never stop, so an Enter in an empty box is harmless),
 * Shift+Enter and IME composition insert a newline.
 */
export function keyIntent(key: KeyLike, input: ComposerInput): "submit" | "none" | "default" {
  if (key.key !== "Enter" || key.shiftKey || key.altKey || (key.isComposing ?? false)) return "default";
  const view = composerView(input);
  return view.enabled && view.action !== "stop" ? "submit" : "none";
}
