import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Served by boocoder at its own root and under /coder/ behind Caddy (prefix stripped),
// so every URL is relative.
export default defineConfig({
  base: "./",
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
    rollupOptions: {
      // The page, and <boo-coder-pane> on its own at a stable URL (`pane.js`, not hashed)
      // for the boochat workspace to import from boocoder (`./coder/pane.js`).
      input: { index: here("index.html"), pane: here("src/pane.ts") },
      preserveEntrySignatures: "exports-only",
      output: {
        entryFileNames: (chunk) => (chunk.name === "pane" ? "pane.js" : "assets/[name]-[hash].js"),
      },
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
