// Generated from boo-wire by `cargo run -p boo-wire --bin boo-gen-ts`. Do not edit.

/**
 * Body of every error response.
 */
export type ErrorBody = { error: string, code: string, 
/**
 * What the client needs to decide its next step, for the few errors that
 * carry more than a message (e.g. `worktree_at_risk`: the per-worktree report).
 */
details?: unknown, };
