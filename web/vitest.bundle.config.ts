// The compose bundle run for real (e2e/compose.bundle.ts): a Docker engine, images, and the
// whole docker-compose.prod.yaml. Apart from the browser tests: it needs root (dockerd, a
// dummy interface) and takes minutes.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/**/*.bundle.ts"],
    environment: "node",
    testTimeout: 180_000,
    hookTimeout: 40 * 60_000,
    fileParallelism: false,
  },
});
