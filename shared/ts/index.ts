// Generated from boo-shared by `cargo run -p boo-shared --bin boo-gen-ts`. Do not edit.

/**
 * `GET /healthz`.
 */
export type HealthResponse = { 
/**
 * `ok` or `degraded`.
 */
status: string, version: string, 
/**
 * `ok` or `error`.
 */
db: string, 
/**
 * Why the database check failed.
 */
reason?: string, };

/**
 * `GET /api/whoami`.
 */
export type WhoAmI = { daemon: string, user: string, groups: Array<string>, email: string | null, name: string | null, };

/**
 * The authenticated caller, available to handlers as an extension.
 */
export type Identity = { user: string, groups: Array<string>, email: string | null, name: string | null, };

/**
 * Body of every error response.
 */
export type ErrorBody = { error: string, code: string, };

/**
 * What a daemon sends. Later features add variants (deltas, tool calls, …).
 */
export type ServerFrame = { "type": "hello", daemon: string, version: string, } | { "type": "resync_required", reason: string, } | { "type": "error", code: string, message: string, };

/**
 * A frame with its ordering metadata: `{"type": …, "seq": …, "session_id": …, …}`.
 */
export type Envelope = { 
/**
 * Per-session sequence number; 0 for connection-level frames.
 */
seq: number, 
/**
 * The session the frame belongs to; absent for connection-level frames.
 */
session_id?: string, } & ({ "type": "hello", daemon: string, version: string, } | { "type": "resync_required", reason: string, } | { "type": "error", code: string, message: string, });

/**
 * What a browser sends.
 */
export type ClientFrame = { "type": "resume", session_id: string, last_seq: number, } | { "type": "ping" };
