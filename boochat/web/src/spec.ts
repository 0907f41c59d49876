import type { PageSpec } from "@common/status";

export const spec: PageSpec = { daemon: "boochat", purpose: "chat workspace" };
