// A Docker engine for the compose test: Debian's dockerd, started by the test with its own
// socket and stopped afterwards; its images stay in a data root under ~/.cache, so stand-ins
// built once are reused (their tags carry a hash of their inputs). PARLEY_TEST_DOCKER_HOST
// names an engine that is already running instead.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

export interface Engine {
  /** The environment for docker and docker-compose: DOCKER_HOST and the builder. */
  env: NodeJS.ProcessEnv;
  /** Runs the docker client; rejects with its output when it fails. */
  docker(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<string>;
  stop(): Promise<void>;
}

/** Runs a command to completion; rejects with the command and its output when it fails. */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { env: options.env ?? process.env, cwd: options.cwd, maxBuffer: 256 * 1024 * 1024, timeout: options.timeoutMs ?? 15 * 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(" ")} failed: ${error.message}\n${stdout}\n${stderr}`.slice(0, 20_000)));
        else resolve(stdout);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

// Debian's docker.io client (20.10), which matches its engine and builds with BuildKit by
// itself; a newer client elsewhere on PATH wants a buildx plugin for that.
export const DOCKER = "/usr/bin/docker";

export async function startEngine(): Promise<Engine> {
  const given = process.env.PARLEY_TEST_DOCKER_HOST;
  const state = mkdtempSync(join(tmpdir(), "parley-docker-"));
  let daemon: ChildProcess | undefined;
  let host = given;
  if (!host) {
    const dataRoot = process.env.PARLEY_TEST_DOCKER_ROOT ?? join(homedir(), ".cache/parley/docker");
    mkdirSync(dataRoot, { recursive: true });
    host = `unix://${state}/docker.sock`;
    const log = openSync(join(state, "dockerd.log"), "a");
    daemon = spawn(
      "/usr/sbin/dockerd",
      ["--data-root", dataRoot, "--exec-root", join(state, "exec"), "--host", host, "--pidfile", join(state, "docker.pid")],
      { stdio: ["ignore", log, log] },
    );
    // Should the test runner itself end abruptly, the engine it started goes with it.
    const started = daemon;
    process.once("exit", () => started.exitCode === null && started.kill("SIGKILL"));
  }
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: "1", COMPOSE_DOCKER_CLI_BUILD: "1" };
  const docker = (args: string[], options: { input?: string; timeoutMs?: number } = {}) => run(DOCKER, args, { env, ...options });
  const stop = async () => {
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((done) => daemon!.once("exit", done));
      daemon.kill("SIGTERM");
      await Promise.race([exited, new Promise((done) => setTimeout(done, 30_000))]);
      if (daemon.exitCode === null) daemon.kill("SIGKILL");
      // dockerd leaves its default network namespace mounted in the exec root.
      await run("umount", [join(state, "exec/netns/default")]).catch(() => undefined);
    }
    rmSync(state, { recursive: true, force: true });
  };
  for (let i = 0; i < 120; i++) {
    if (await docker(["version", "--format", "{{.Server.Version}}"]).then(() => true, () => false)) return { env, docker, stop };
    if (daemon && daemon.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const log = daemon ? readFileSync(join(state, "dockerd.log"), "utf8").slice(-4000) : "";
  await stop();
  throw new Error(`the Docker engine at ${host} did not answer (is Debian's docker.io installed?)\n${log}`);
}
