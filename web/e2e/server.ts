// Starts `parley serve` for a test, on a fresh PostgreSQL database (dropped afterwards) or,
// without PostgreSQL, says so and fails: these tests are meant to run on PostgreSQL.

import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

export interface Server {
  url: string;
  stop(): Promise<void>;
}

const postgres = process.env.PARLEY_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432";
export const binary = process.env.PARLEY_BIN ?? resolve(process.env.CARGO_TARGET_DIR ?? "../target", "debug/parley");

function psql(sql: string): void {
  execFileSync("psql", [`${postgres}/postgres`, "-qtAc", sql], { stdio: "pipe" });
}

/** A fresh database; `drop` removes it, `sql` runs statements in it (to seed data). */
export function database(): { url: string; drop(): void; sql(statements: string): void } {
  const name = `parley_e2e_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  psql(`CREATE DATABASE ${name}`);
  return {
    url: `${postgres}/${name}`,
    drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    sql: (statements) => void execFileSync("psql", [`${postgres}/${name}`, "-qtAc", statements], { stdio: "pipe" }),
  };
}

/** Runs `parley serve --migrate` on `databaseUrl` until stopped; `env` adds settings. */
export async function serve(databaseUrl: string, env: Record<string, string> = {}, dataDir?: string): Promise<Server & { dataDir: string }> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "parley-e2e-"));
  // Only the settings given here: anything else named PARLEY_* in this environment (the
  // test runner's own) would be reported by parley as a likely typo.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("PARLEY_")));
  const child: ChildProcess = spawn(binary, ["serve", "--migrate"], {
    env: {
      ...inherited,
      PARLEY_BIND: env.PARLEY_BIND ?? "127.0.0.1:0",
      PARLEY_VOICE_UDP_BIND: "127.0.0.1:0",
      PARLEY_DATA_DIR: dir,
      PARLEY_DATABASE_URL: databaseUrl,
      PARLEY_PASSWORD_HASH_MEMORY_KIB: "1024",
      PARLEY_PASSWORD_HASH_ITERATIONS: "1",
      PARLEY_LOG_LEVEL: "warn",
      // The scenarios set up in a second what people do in a day: per-account limits off.
      PARLEY_REST_GLOBAL_PER_SECOND: "0",
      PARLEY_REST_MESSAGES_PER_5S: "0",
      PARLEY_REST_GUILD_CREATES_PER_HOUR: "0",
      PARLEY_REST_ROUTE_PER_10S: "0",
      PARLEY_GATEWAY_IDENTIFIES_PER_5S: "0",
      PARLEY_SHUTDOWN_GRACE_SECS: "2",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((ok, fail) => {
    // The URL line comes first, unless something is logged before it.
    lines.on("line", (line) => {
      const found = line.split(/\s+/).find((w) => w.startsWith("http://"));
      if (found) ok(found);
    });
    child.once("exit", (code) => fail(new Error(`parley serve exited with ${code} (is ${binary} built?)`)));
  });
  return {
    url,
    dataDir: dir,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once("exit", () => done());
        child.kill("SIGTERM");
      }),
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
