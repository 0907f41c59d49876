// Generated from boo-wire by `cargo run -p boo-wire --bin boo-gen-ts`. Do not edit.

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
reason?: string, 
/**
 * What an operator must know though the daemon works (boocoder: the agent
 * sandbox is off or unusable). Absent when there is nothing to say.
 */
warnings?: Array<string>, };

/**
 * `GET /api/whoami`.
 */
export type WhoAmI = { daemon: string, user: string, groups: Array<string>, email: string | null, name: string | null, };
