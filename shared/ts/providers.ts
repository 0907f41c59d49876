// Generated from boo-wire by `cargo run -p boo-wire --bin boo-gen-ts`. Do not edit.

export type ProviderKind = "builtin" | "custom";

export type Transport = "acp" | "opencode_server" | "pty";

/**
 * A provider's lifecycle state in the snapshot.
 */
export type ProviderState = "loading" | "ready" | "unavailable" | "error" | "disabled";

export type AgentModeInfo = { id: string, name: string, description?: string | null, };

export type AgentModelInfo = { id: string, name: string, description?: string | null, };

/**
 * A slash command the agent advertises.
 */
export type CommandInfo = { name: string, description: string, 
/**
 * Hint for the command's unstructured input, if it takes any.
 */
input_hint?: string | null, };

export type ProviderEntry = { id: string, display_name: string, kind: ProviderKind, transport: Transport, enabled: boolean, state: ProviderState, 
/**
 * A probe is running now (the state shown is the previous result, or `loading`).
 */
probing: boolean, 
/**
 * The cached result is older than the TTL (a background probe was started).
 */
stale: boolean, command: string, args: Array<string>, 
/**
 * Names of the variables the provider sets; values are never served.
 */
env_keys: Array<string>, install_path: string | null, version: string | null, modes: Array<AgentModeInfo>, current_mode: string | null, 
/**
 * The providers file's list when it has one, else what the agent reported.
 */
models: Array<AgentModelInfo>, current_model: string | null, config_options: unknown[], commands: Array<CommandInfo>, 
/**
 * Why the last probe failed (state `unavailable` / `error`).
 */
error: string | null, probed_at: string | null, probe_ms: number | null, };

export type ConfigStatus = { 
/**
 * The providers file, when one is configured.
 */
path: string | null, 
/**
 * It existed and was read (errors may still have skipped entries).
 */
loaded: boolean, 
/**
 * Each names the provider and key it is about; the entry was skipped.
 */
errors: Array<string>, };

export type ProvidersSnapshot = { providers: Array<ProviderEntry>, config: ConfigStatus, generated_at: string, };

/**
 * Why a provider is (un)available, step by step.
 */
export type ProviderDiagnostic = { id: string, state: ProviderState, enabled: boolean, probing: boolean, 
/**
 * One sentence: the reason for the state.
 */
summary: string, 
/**
 * As configured: `command arg…`.
 */
command_line: string, 
/**
 * Where the command resolves now (absolute path), if it does.
 */
resolved_command: string | null, 
/**
 * Directories searched for a bare command, in order (extra dirs, then PATH).
 */
path_searched: Array<string>, env_keys: Array<string>, version: string | null, 
/**
 * Exit status of `--version`, e.g. `exit status: 0`.
 */
version_exit: string | null, 
/**
 * Exit status of the failing step's process, when it exited.
 */
exit_status: string | null, stderr_tail: string | null, probe_error: string | null, probe_started_at: string | null, probed_at: string | null, probe_ms: number | null, 
/**
 * When the cached result goes stale.
 */
stale_after: string | null, 
/**
 * Whether agents are confined on this host (`coder.sandbox`): bwrap works,
 * is broken (and why), or the sandbox is off.
 */
sandbox: string, 
/**
 * What a probe of this provider sees inside the sandbox (its worktree is the
 * probe dir; a session's is its worktree), one mount a line; empty when off.
 */
sandbox_binds: Array<string>, 
/**
 * All of the above as plain text, for a `<pre>` block.
 */
report: string, };

/**
 * `GET /api/sandbox` (boocoder): how agent processes are confined on this host
 * (`coder.sandbox`; the workspace shows a banner unless `confined`).
 */
export type SandboxStatus = { 
/**
 * `bwrap` or `off`.
 */
mode: string, 
/**
 * The mode is `bwrap` and a trial `bwrap … true` succeeded.
 */
confined: boolean, 
/**
 * One line: works, broken (and why), or off.
 */
summary: string, };
