import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Served by boocoder under a path prefix that Caddy strips, so every URL is relative.
export default defineConfig({
  base: "./",
  resolve: {
    alias: [
      // Browser code shared by the three web clients lives in boochat/web/src/common.
      { find: /^@common\//, replacement: `${here("../../boochat/web/src/common")}/` },
      // Wire types generated from boo-shared.
      { find: /^@boo-types$/, replacement: here("../../shared/ts/index.ts") },
      { find: /^@boo-types\//, replacement: `${here("../../shared/ts")}/` },
    ],
  },
  server: {
    fs: { allow: [here("../..")] },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
