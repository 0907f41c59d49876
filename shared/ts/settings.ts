// Generated from boo-wire by `cargo run -p boo-wire --bin boo-gen-ts`. Do not edit.

/**
 * `ui.theme`: the page's colours.
 */
export type Theme = "light" | "dark" | "system";

/**
 * The owner's settings with every default applied. The `sampling.*` values are
 * llama-server's `/v1/chat/completions` fields of the same name; `null` leaves
 * the field out of the request (the model server's default), and an agent's own
 * value wins over these.
 */
export type OwnerSettings = { 
/**
 * Model for chats whose agent names none (`null`: `llm.default_model` from
 * the config file, else the model server's first model).
 */
"chat.default_model": string | null, 
/**
 * Agent for chats that select none (`null`: the plain model).
 */
"chat.default_agent": string | null, 
/**
 * Fraction of the model's context window at which a chat is compacted,
 * in (0, 1]; default 0.8.
 */
"chat.compact_threshold": number, "sampling.temperature": number | null, "sampling.top_p": number | null, "sampling.top_k": number | null, "sampling.min_p": number | null, "sampling.repeat_penalty": number | null, "sampling.presence_penalty": number | null, "sampling.frequency_penalty": number | null, 
/**
 * Longest answer of one model round, in tokens.
 */
"sampling.max_tokens": number | null, "ui.theme": Theme, };

/**
 * `GET /api/settings` (and the answer to `PATCH`): the values with defaults
 * applied, and which keys the owner has set (stored rows), sorted.
 */
export type SettingsInfo = { settings: OwnerSettings, set: Array<string>, };

/**
 * `PATCH /api/settings`: any subset of the keys; a value sets the key, `null`
 * resets it to its default. Unknown keys and bad values are refused (400, code
 * `unknown_setting` or `invalid_<key with _ for .>`, `details.key` naming it) and
 * nothing is written.
 */
export type SettingsPatch = { "chat.default_model"?: string | null, "chat.default_agent"?: string | null, "chat.compact_threshold"?: number | null, "sampling.temperature"?: number | null, "sampling.top_p"?: number | null, "sampling.top_k"?: number | null, "sampling.min_p"?: number | null, "sampling.repeat_penalty"?: number | null, "sampling.presence_penalty"?: number | null, "sampling.frequency_penalty"?: number | null, "sampling.max_tokens"?: number | null, "ui.theme"?: Theme | null, };
