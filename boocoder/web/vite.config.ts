import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Served by boocoder at its own root and under /coder/ behind Caddy (prefix stripped),
// so every URL is relative.
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
    // The shared code imports these; take this package's copies, not boochat's.
    dedupe: ["marked", "dompurify", "highlight.js"],
  },
  server: {
    fs: { allow: [here("../..")] },
    // `npm run dev` against a running boocoder (BOO_CODER_API, default the contract's port).
    proxy: {
      "/api": { target: process.env["BOO_CODER_API"] ?? "http://127.0.0.1:9502", ws: true, changeOrigin: false },
      "/healthz": { target: process.env["BOO_CODER_API"] ?? "http://127.0.0.1:9502" },
    },
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
