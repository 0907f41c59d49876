// Generated from boo-wire by `cargo run -p boo-wire --bin boo-gen-ts`. Do not edit.

/**
 * The authenticated caller, available to handlers as an extension.
 */
export type Identity = { user: string, groups: Array<string>, email: string | null, name: string | null, };
