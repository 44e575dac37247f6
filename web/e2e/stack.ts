// What every end-to-end file runs against: a fresh PostgreSQL database, `parley serve` on it,
// and Debian's Chromium. `stop` ends them (the server last started, then the database).

import type { Browser } from "playwright-core";
import { launch } from "./browser";
import { database, removeDir, serve, type Server } from "./server";

export interface Stack {
  db: ReturnType<typeof database>;
  server: Server & { dataDir: string };
  browser: Browser;
  /** Starts `parley serve` again on the same address and data, after `server.stop()`. */
  serveAgain(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(options: { media?: boolean; env?: Record<string, string> } = {}): Promise<Stack> {
  const db = database();
  const stack: Stack = {
    db,
    server: await serve(db.url, options.env),
    browser: await launch({ media: options.media }),
    async serveAgain() {
      const address = new URL(stack.server.url).host;
      stack.server = await serve(db.url, { ...options.env, PARLEY_BIND: address }, stack.server.dataDir);
    },
    async stop() {
      await stack.browser.close();
      await stack.server.stop();
      db.drop();
      removeDir(stack.server.dataDir);
    },
  };
  return stack;
}
