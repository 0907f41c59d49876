import type { PageSpec } from "@common/status";

export const spec: PageSpec = { daemon: "boocoder", purpose: "coding agents" };
