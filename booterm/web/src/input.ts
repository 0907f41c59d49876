// What the keyboard does in a terminal pane, and how input becomes WebSocket bytes.
//
// Ctrl-C, Ctrl-V, Ctrl-D … belong to the program in the terminal. Copy and paste are
// Ctrl-Shift-C / Ctrl-Shift-V (Cmd-Shift-C / Cmd-Shift-V on a Mac) like in a desktop
// terminal; selecting text copies it too. Plain Cmd-C / Cmd-V on a Mac never reach the
// terminal, so the browser's own copy and paste events handle them. Ctrl-Shift-F
// (Cmd-Shift-F) opens the pane's find bar.

/** The fields of a KeyboardEvent the decision needs. */
export type KeyLike = {
  readonly type: string;
  readonly key: string;
  readonly code: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
  readonly altKey: boolean;
};

/** `pass`: xterm handles the key (it goes to the terminal). */
export type KeyAction = "copy" | "paste" | "find" | "pass";

/** The letter a key event stands for: its character, else (other layouts) its physical key. */
function letterOf(ev: KeyLike): string {
  if (/^[a-z]$/i.test(ev.key)) return ev.key.toLowerCase();
  const physical = /^Key([A-Z])$/.exec(ev.code);
  return physical?.[1]?.toLowerCase() ?? "";
}

/** Ctrl/Cmd-Shift-C copy, Ctrl/Cmd-Shift-V paste, Ctrl/Cmd-Shift-F find; everything else passes. */
export function keyAction(ev: KeyLike): KeyAction {
  if (!ev.shiftKey || ev.altKey || ev.ctrlKey === ev.metaKey) return "pass";
  switch (letterOf(ev)) {
    case "c":
      return "copy";
    case "v":
      return "paste";
    case "f":
      return "find";
    default:
      return "pass";
  }
}

const encoder = new TextEncoder();

/** xterm's `onData` (typed text, pastes, escape sequences) as the UTF-8 bytes to send. */
export function textBytes(data: string): Uint8Array {
  return encoder.encode(data);
}

/** xterm's `onBinary` (legacy mouse reports: one char per byte) as bytes. */
export function binaryBytes(data: string): Uint8Array {
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += 1) bytes[i] = data.charCodeAt(i) & 0xff;
  return bytes;
}
