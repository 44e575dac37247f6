// The images the compose test runs: a Debian 12 base made with debootstrap (no registry is
// reachable here), the stand-ins for the upstream images built on it from
// infra/standins/ (tagged with a hash of their inputs, so each is built once), and Parley's
// image from infra/Dockerfile's `prebuilt` target with the binary under test.

import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DOCKER, run, type Engine } from "./engine";

export const REPO = fileURLToPath(new URL("../../..", import.meta.url));
const BASE = "parley-standin/debian:bookworm";

/** The Debian mirror apt on this host uses (the only one reachable), for debootstrap. */
function debianMirror(): string {
  if (process.env.PARLEY_TEST_DEBIAN_MIRROR) return process.env.PARLEY_TEST_DEBIAN_MIRROR;
  for (const file of ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]) {
    if (!existsSync(file)) continue;
    const uri = readFileSync(file, "utf8").match(/^(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+debian)\/?\s*$/m);
    if (uri) return uri[1];
  }
  return "http://deb.debian.org/debian";
}

async function exists(engine: Engine, image: string): Promise<boolean> {
  return engine.docker(["image", "inspect", image]).then(() => true, () => false);
}

/** Debian 12 minbase as an image, made once with debootstrap (about a minute). */
async function base(engine: Engine): Promise<string> {
  if (await exists(engine, BASE)) return BASE;
  const root = mkdtempSync(join(tmpdir(), "parley-debootstrap-"));
  try {
    await run("debootstrap", ["--variant=minbase", "bookworm", root, debianMirror()], { timeoutMs: 10 * 60_000 });
    rmSync(join(root, "var/cache/apt/archives"), { recursive: true, force: true });
    await run("sh", ["-c", `tar -C "$0" -c . | ${DOCKER} import - "$1"`, root, BASE], { env: engine.env, timeoutMs: 10 * 60_000 });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return BASE;
}

/** A hash of a directory's files (names and contents) and the base image's id. */
function inputsHash(dir: string, baseId: string): string {
  const hash = createHash("sha256").update(baseId);
  for (const name of readdirSync(dir).sort()) hash.update(name).update("\0").update(readFileSync(join(dir, name))).update("\0");
  return hash.digest("hex").slice(0, 16);
}

export type StandIn = "postgres" | "redis" | "coturn" | "prometheus" | "alertmanager" | "nginx";

/** Builds (or finds) every stand-in; returns the compose variables that select them. */
export async function standIns(engine: Engine): Promise<Record<string, string>> {
  const from = await base(engine);
  const baseId = (await engine.docker(["image", "inspect", "--format", "{{.Id}}", from])).trim();
  const variables: Record<string, string> = {};
  const names: StandIn[] = ["postgres", "redis", "coturn", "prometheus", "alertmanager", "nginx"];
  for (const name of names) {
    const dir = join(REPO, "infra/standins", name);
    const tag = `parley-standin/${name}:${inputsHash(dir, baseId)}`;
    if (!(await exists(engine, tag))) {
      await engine.docker(["build", "--quiet", "--build-arg", `BASE=${from}`, "--tag", tag, dir], { timeoutMs: 15 * 60_000 });
    }
    variables[`${name.toUpperCase()}_IMAGE`] = tag;
  }
  return variables;
}

/** Parley's image from infra/Dockerfile's `prebuilt` target, with `binary` inside. */
export async function parleyImage(engine: Engine, binary: string): Promise<string> {
  const from = await base(engine);
  const context = mkdtempSync(join(tmpdir(), "parley-image-"));
  try {
    copyFileSync(binary, join(context, "parley"));
    const tag = "parley-test:latest";
    await engine.docker(
      ["build", "--quiet", "--file", join(REPO, "infra/Dockerfile"), "--target", "prebuilt", "--build-arg", `RUNTIME_IMAGE=${from}`, "--tag", tag, context],
      { timeoutMs: 15 * 60_000 },
    );
    // Each run packs a new binary: the images and build cache it replaced go, so the engine's
    // data root under ~/.cache stays the size of one run.
    await engine.docker(["image", "prune", "--force"]);
    await engine.docker(["builder", "prune", "--force", "--keep-storage", "2GB"]);
    return tag;
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
