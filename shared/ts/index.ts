// Generated from boo-wire by `cargo run -p boo-wire --bin boo-gen-ts`. Do not edit.

export * from "./api";
export * from "./identity";
export * from "./error";
export * from "./chat";
export * from "./settings";
export * from "./mcp";
export * from "./coder";
export * from "./providers";
export * from "./term";
export * from "./workspace";
export * from "./find";
export * from "./frames";
