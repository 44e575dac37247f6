// The compose bundle as an operator has it: the files docker-compose.prod.yaml uses, copied
// into a project directory of its own (so the test's .env and ./tls never land in the
// checkout), a .env from infra/generate-secrets.sh, and docker-compose run there.

import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, type Engine } from "./engine";
import { REPO } from "./images";

export interface Project {
  dir: string;
  /** Runs docker-compose in the project with the given arguments (profiles included). */
  compose(args: string[], options?: { timeoutMs?: number }): Promise<string>;
  /** The .env as written, with `changes` applied: a key replaced where present, else added. */
  setEnv(changes: Record<string, string>): void;
  env(): Record<string, string>;
  /** A service's address on the bundle's network (reachable from this host). */
  address(service: string): Promise<string>;
  remove(): void;
}

export async function project(engine: Engine, profiles: string[], publicUrl: string, publicIp: string): Promise<Project> {
  const dir = mkdtempSync(join(tmpdir(), "parley-bundle-"));
  for (const path of ["docker-compose.prod.yaml", "infra", "nginx", "grafana"]) cpSync(join(REPO, path), join(dir, path), { recursive: true });
  mkdirSync(join(dir, "tls"));
  await run(join(dir, "infra/generate-secrets.sh"), [join(dir, ".env"), publicUrl, publicIp], { cwd: dir });
  const envFile = join(dir, ".env");
  const profileArgs = profiles.flatMap((p) => ["--profile", p]);
  const self: Project = {
    dir,
    compose: (args, options = {}) =>
      run("docker-compose", ["--project-directory", dir, "-f", join(dir, "docker-compose.prod.yaml"), ...profileArgs, ...args], {
        env: engine.env,
        cwd: dir,
        timeoutMs: options.timeoutMs ?? 10 * 60_000,
      }),
    setEnv(changes) {
      let text = readFileSync(envFile, "utf8");
      for (const [key, value] of Object.entries(changes)) {
        const line = new RegExp(`^${key}=.*$`, "m");
        text = line.test(text) ? text.replace(line, `${key}=${value}`) : `${text}${key}=${value}\n`;
      }
      writeFileSync(envFile, text);
    },
    env() {
      const entries = readFileSync(envFile, "utf8")
        .split("\n")
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]);
      return Object.fromEntries(entries);
    },
    async address(service) {
      const id = (await self.compose(["ps", "-q", service])).trim();
      const ip = (await engine.docker(["inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", id])).trim();
      if (!ip) throw new Error(`${service} has no address on the bundle's network`);
      return ip;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  return self;
}
