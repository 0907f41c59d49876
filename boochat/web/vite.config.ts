import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Served by boochat under a path prefix that Caddy strips, so every URL is relative.
export default defineConfig({
  base: "./",
  server: {
    fs: { allow: [here("../..")] },
    // `npm run dev` against a running boochat (BOO_CHAT_API, default the contract's port).
    proxy: {
      "/api": { target: process.env["BOO_CHAT_API"] ?? "http://127.0.0.1:9500", ws: true, changeOrigin: false },
      "/healthz": { target: process.env["BOO_CHAT_API"] ?? "http://127.0.0.1:9500" },
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: {
      // The page (the workspace shell), and <boo-chat-pane> on its own at a stable URL
      // (`pane.js`, not hashed) for pages that host a boochat chat without the shell.
      input: { index: here("index.html"), pane: here("src/pane/chat-pane.ts") },
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
