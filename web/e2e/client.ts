// This checkout's web client in front of a running `parley serve`: built by Vite into a
// temporary directory and served by Vite's preview server, which passes the API and the
// gateway through to parley. The binary embeds the client it was built with, which may be
// older than the code under test; this serves the code under test.

import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, preview } from "vite";

export interface Client {
  url: string;
  stop(): Promise<void>;
}

/** A free port on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createNetServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port"))));
    });
  });
}

/** Builds the client and serves it, passing /api and /gateway to `serverUrl`. */
export async function serveClient(serverUrl: string): Promise<Client> {
  const outDir = mkdtempSync(join(tmpdir(), "parley-web-"));
  await build({ logLevel: "warn", build: { outDir, emptyOutDir: true } });
  const port = await freePort();
  const ws = serverUrl.replace(/^http/, "ws");
  const server = await preview({
    logLevel: "warn",
    build: { outDir },
    preview: {
      host: "127.0.0.1",
      port,
      strictPort: true,
      proxy: { "/api": serverUrl, "/gateway": { target: ws, ws: true } },
    },
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
