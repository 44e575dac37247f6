// Builds the client into dist/, which the parley binary embeds and serves. In development
// (`npm run dev`) API, file, image (avatars, icons, banners, emoji) and gateway requests go
// to a parley serve on 127.0.0.1:8080.
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [svelte()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Hashed file names: the server marks them immutable; index.html is never cached.
    assetsDir: "assets",
    target: "es2022",
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8080",
      "/attachments": "http://127.0.0.1:8080",
      "/avatars": "http://127.0.0.1:8080",
      "/icons": "http://127.0.0.1:8080",
      "/banners": "http://127.0.0.1:8080",
      "/emojis": "http://127.0.0.1:8080",
      "/gateway": { target: "ws://127.0.0.1:8080", ws: true },
      "/voice": { target: "ws://127.0.0.1:8080", ws: true },
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
