// Generated from boo-wire by `cargo run -p boo-wire --bin boo-gen-ts`. Do not edit.

/**
 * A terminal pane: its `terminal_sessions` row joined with tmux's live view.
 */
export type Terminal = { id: string, 
/**
 * The owning workspace session, if any.
 */
session_id: string | null, 
/**
 * `bc-<id>`.
 */
tmux_name: string, title: string | null, 
/**
 * The directory it started in.
 */
cwd: string, 
/**
 * The SSH target of a `command: "ssh"` terminal; `null` for a local one.
 */
target: string | null, 
/**
 * The command it was started with as tmux quotes it; `null` = the login shell
 * (or not known: exited).
 */
command: string | null, 
/**
 * The program in the foreground now (`bash`, `vim`); `null` once exited.
 */
current_command: string | null, 
/**
 * Window size: tmux's live one, else the last one recorded.
 */
cols: number, rows: number, status: TerminalStatus, 
/**
 * How the program ended (`128 + n` for signal n); `null` while live, when it
 * was killed through the API, or when its tmux session vanished.
 */
exit_code: number | null, 
/**
 * tmux clients attached now (browsers, peers).
 */
attached_clients: number, created_at: string, updated_at: string, last_attached_at: string | null, exited_at: string | null, };

export type TerminalStatus = "live" | "exited";

/**
 * `POST /api/terminals`.
 */
export type CreateTerminal = { 
/**
 * Absolute (or `~/…`) existing directory; default `term.default_cwd`, else `$HOME`.
 */
cwd?: string, 
/**
 * Argv to run instead of the login shell, or `"ssh"` for the configured target.
 */
command?: CommandSpec, 
/**
 * 2..=1000; default 80 × 24.
 */
cols?: number, rows?: number, title?: string, session_id?: string, };

/**
 * `"ssh"` or `["prog", "arg", …]`.
 */
export type CommandSpec = string | Array<string>;

/**
 * `PATCH /api/terminals/{id}`: `null` or `""` clears the title.
 */
export type RenameTerminal = { title: string | null, };

/**
 * `GET /api/terminals/{id}/snapshot`: the screen as plain text.
 */
export type TerminalSnapshot = { 
/**
 * Scrollback then the visible screen; wrapped lines joined, trailing blanks trimmed.
 */
text: string, cols: number, rows: number, };

/**
 * Flow-control window of one WebSocket attach (bytes of terminal output).
 */
export type FlowWindow = { 
/**
 * The server stops sending once this many bytes are unacknowledged…
 */
high: number, 
/**
 * …and resumes when no more than this many are.
 */
low: number, 
/**
 * The client should acknowledge at least every this many processed bytes.
 */
ack_every: number, };

/**
 * Text frames the server sends on a terminal WebSocket.
 */
export type TermServerMsg = { "type": "hello", terminal: Terminal, readonly: boolean, flow: FlowWindow, } | { "type": "exit", exit_code: number | null, } | { "type": "error", code: string, message: string, } | { "type": "pong" };

/**
 * Text frames a client sends on a terminal WebSocket (keystrokes go as binary).
 */
export type TermClientMsg = { "type": "resize", cols: number, rows: number, } | { "type": "ack", bytes: number, } | { "type": "ping" };
