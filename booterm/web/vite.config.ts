import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Served by booterm at its own root and under /term/ behind Caddy (prefix stripped),
// so every URL is relative.
export default defineConfig({
  base: "./",
  server: {
    fs: { allow: [here("../..")] },
    // `npm run dev` against a running booterm (BOO_TERM_API, default the contract's port).
    proxy: {
      "/api": { target: process.env["BOO_TERM_API"] ?? "http://127.0.0.1:9501", ws: true, changeOrigin: false },
      "/healthz": { target: process.env["BOO_TERM_API"] ?? "http://127.0.0.1:9501" },
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: {
      // The page, and <boo-term-pane> on its own at a stable URL (`pane.js`, not hashed)
      // for the boochat workspace to import from booterm.
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
