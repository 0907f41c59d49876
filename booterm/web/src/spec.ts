import type { PageSpec } from "@common/status";

export const spec: PageSpec = { daemon: "booterm", purpose: "terminals" };
