// docker-compose.prod.yaml run as an operator runs it: secrets generated, one `up`, on a
// Docker engine this test starts. Parley's image is infra/Dockerfile's `prebuilt` target with
// the binary under test; PostgreSQL, Redis, coturn, Prometheus, Alertmanager and nginx are
// stand-ins built from Debian's packages (infra/standins/README.md), selected through the
// image variables whose defaults are the upstream images. Grafana, Loki and Tempo cannot be
// had here: they sit in the "observability" profile, which this test leaves out.
//
// Through the published ports the test sets up the admin with the bootstrap link, sends a
// message over REST that another member's browser receives over the gateway, joins voice
// relay-only through the bundled coturn, reaches Parley through nginx with TLS, watches
// Prometheus scrape Parley with the alert rules loaded, stops Parley until ParleyDown reaches
// the webhook receiver through Alertmanager, starts it again and finds everything still there,
// and tears it all down.

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiAs, launch, openSettings, register, say, userId } from "./browser";
import { caller, joinVoice, received, selectedCandidates } from "./call";
import { startEngine, run, type Engine } from "./bundle/engine";
import { parleyImage, standIns } from "./bundle/images";
import { project, type Project } from "./bundle/project";
import { addPublicAddress, PUBLIC_IP } from "./bundle/public-address";
import { startWebhook } from "./bundle/webhook";
import { binary } from "./server";

// Published on loopback (voice on every address, as by default: coturn relays to the host's
// own address), away from the defaults a
// developer's own Parley may hold.
const PUBLIC_URL = "http://localhost:18088";
const HTTPS = "127.0.0.1:18443";

describe("the compose bundle, brought up as an operator would", () => {
  let engine: Engine;
  let bundle: Project;
  let publicAddress: { remove(): Promise<void> };
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  let browser: Awaited<ReturnType<typeof launch>>;
  let ann: Page, bob: Page;
  let guild: string, text: string;

  beforeAll(async () => {
    engine = await startEngine();
    const images = { ...(await standIns(engine)), PARLEY_IMAGE: await parleyImage(engine, binary) };
    publicAddress = await addPublicAddress();
    webhook = await startWebhook(PUBLIC_IP);
    bundle = await project(engine, ["nginx"], PUBLIC_URL, PUBLIC_IP);
    // What an operator writes in .env: the images (here the stand-ins), where to publish, the
    // name clients reach TURN at (this host's public address), and the alert receiver.
    bundle.setEnv({
      ...images,
      PARLEY_PUBLISH: "127.0.0.1:18088",
      HTTP_PUBLISH: "127.0.0.1:18080",
      HTTPS_PUBLISH: HTTPS,
      DOMAIN: PUBLIC_IP,
      ALERT_WEBHOOK_URL: webhook.url,
    });
    // nginx's certificate, for the address it is reached at.
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", `/CN=${PUBLIC_IP}`, "-addext", `subjectAltName=IP:${PUBLIC_IP}`,
      "-keyout", join(bundle.dir, "tls/privkey.pem"), "-out", join(bundle.dir, "tls/fullchain.pem"),
    ], { stdio: "ignore" });
    // A run that was cut short may have left the project behind.
    await bundle.compose(["down", "--volumes", "--remove-orphans"]);
    await bundle.compose(["up", "--detach", "--no-build"]);
    await ready(`${PUBLIC_URL}/ready`, 120_000);
    browser = await launch({ media: true });
  }, 40 * 60_000);

  afterAll(async () => {
    // Each step on its own, bounded, so one that fails or hangs leaves the rest to run.
    const step = (what: string, work: () => Promise<unknown>) => work().catch((e) => console.error(`cleanup: ${what}:`, e));
    await step("browser", async () => browser?.close());
    if (bundle) {
      // What the services said, for a failure's reader.
      await step("logs", async () => writeFileSync("e2e/artifacts/compose-logs.txt", await bundle.compose(["logs", "--no-color"], { timeoutMs: 60_000 })));
      await step("down", () => bundle.compose(["down", "--volumes", "--remove-orphans", "--timeout", "20"], { timeoutMs: 3 * 60_000 }));
      bundle.remove();
    }
    await step("webhook", async () => webhook?.stop());
    await step("public address", async () => publicAddress?.remove());
    await step("engine", async () => engine?.stop());
  }, 8 * 60_000);

  it("runs the migrations to completion first and every other service after", async () => {
    const states = await bundle.compose(["ps"]);
    expect(states).toMatch(/_migrate_1\s.*Exit 0/);
    for (const service of ["parley", "backup", "postgres", "redis", "coturn", "prometheus", "alertmanager", "nginx"]) {
      expect(states, service).toMatch(new RegExp(`_${service}_1\\s.*Up`));
    }
    // Grafana, Loki and Tempo are the observability profile's, which cannot run here.
    expect(states).not.toMatch(/_(grafana|loki|tempo)_1/);
  });

  it("keeps the secrets off the command lines every user of the host can read", async () => {
    const env = bundle.env();
    for (const [service, secret] of [["redis", env.REDIS_PASSWORD], ["coturn", env.TURN_SECRET]]) {
      const commandLine = await bundle.compose(["exec", "-T", service, "cat", "/proc/1/cmdline"]);
      expect(commandLine.length, service).toBeGreaterThan(0);
      expect(commandLine, service).not.toContain(secret);
    }
  });

  it("makes the holder of the bootstrap link the admin, and no one else", async () => {
    const anyone = await caller(browser, PUBLIC_URL);
    await anyone.getByText("This Parley has no admin yet").waitFor();
    await anyone.context().close();

    const token = (await bundle.compose(["exec", "-T", "parley", "parley", "admin", "bootstrap-token"])).trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    ann = await caller(browser, `${PUBLIC_URL}/#bootstrap=${token}`);
    await ann.getByText("You are setting up this Parley").waitFor();
    await register(ann, "ann");
    const api = await apiAs(ann, PUBLIC_URL);
    expect(Array.isArray(await api<unknown[]>("GET", "/admin/invites")), "the admin's console answers").toBe(true);
  });

  it("delivers a message sent over REST to another member's browser over the gateway", async () => {
    const api = await apiAs(ann, PUBLIC_URL);
    guild = (await api<{ id: string }>("POST", "/guilds", { name: "Bundle" })).id;
    text = (await api<{ id: string; type: number }[]>("GET", `/guilds/${guild}/channels`)).find((c) => c.type === 0)!.id;
    const invite = await api<{ code: string }>("POST", `/channels/${text}/invites`, {});
    bob = await caller(browser, `${PUBLIC_URL}/invite/${invite.code}`);
    await register(bob, "bob");
    await bob.getByText("Bundle").first().waitFor();
    await api("POST", `/channels/${text}/messages`, { content: "hello from the REST API" });
    await bob.getByText("hello from the REST API").waitFor({ timeout: 20_000 });
    await say(bob, "general", "and back from the browser");
    await expect
      .poll(async () => (await api<{ content: string }[]>("GET", `/channels/${text}/messages`)).map((m) => m.content))
      .toEqual(["and back from the browser", "hello from the REST API"]);
  });

  it("carries a call relay-only through the bundled coturn", async () => {
    for (const page of [ann, bob]) {
      await openSettings(page, "Voice and video");
      await page.getByRole("region", { name: "Voice and video devices" }).getByLabel(/Connect only through the relay server/).check();
      await page.getByRole("button", { name: "Close" }).click();
    }
    await joinVoice(ann, "General");
    await joinVoice(bob, "General");
    for (const page of [ann, bob]) {
      // Only relayed paths are allowed, so any connected pair goes through coturn. Its local
      // side is the relay candidate, or a peer-reflexive one learned over it: Docker's NAT
      // between coturn and Parley's port can give the relayed packets another source port,
      // which Parley reports back.
      expect(await relayOnly(page)).toBe(true);
      expect(["relay", "prflx"]).toContain((await selectedCandidates(page))?.local);
    }
    const bobId = await userId(bob);
    await expect.poll(async () => (await received(ann))[`${bobId}:audio`]?.packets ?? 0, { timeout: 30_000 }).toBeGreaterThan(50);
    for (const page of [ann, bob]) await page.getByRole("button", { name: "Disconnect" }).first().click();
  });

  it("serves the same Parley through nginx with TLS", async () => {
    const instance = JSON.parse(await run("curl", ["-fsS", "--insecure", `https://${HTTPS}/api/v10/instance`]));
    expect(instance.admin_setup_pending).toBe(false);
    const redirect = await run("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "http://127.0.0.1:18080/app"]);
    expect(redirect).toMatch(/^301 https:\/\//);
  });

  it("is scraped by Prometheus, which has the alert rules and the Alertmanager", async () => {
    const prometheus = `http://${await bundle.address("prometheus")}:9090`;
    await expect
      .poll(async () => {
        const targets = await (await fetch(`${prometheus}/api/v1/targets`)).json();
        return targets.data.activeTargets.map((t: { labels: { job: string }; health: string }) => `${t.labels.job}:${t.health}`);
      }, { timeout: 60_000 })
      .toEqual(["parley:up"]);
    const rules = await (await fetch(`${prometheus}/api/v1/rules`)).json();
    const names = rules.data.groups.flatMap((g: { rules: { name: string }[] }) => g.rules.map((r) => r.name));
    expect(names).toEqual(expect.arrayContaining(["ParleyDown", "ParleyTargetMissing", "ParleyHighErrorRate"]));
    const managers = await (await fetch(`${prometheus}/api/v1/alertmanagers`)).json();
    expect(managers.data.activeAlertmanagers.map((a: { url: string }) => a.url)).toEqual([expect.stringMatching(/:9093\/api\/v2\/alerts$/)]);
  });

  it("pages the webhook receiver through Alertmanager while Parley is down, and has lost nothing once it is back", async () => {
    await bundle.compose(["stop", "parley"]);
    await expect
      .poll(() => webhook.received.flatMap((n) => n.alerts).find((a) => a.labels.alertname === "ParleyDown" && a.status === "firing"), {
        timeout: 4 * 60_000,
        interval: 2_000,
      })
      .toMatchObject({ labels: { severity: "critical" }, annotations: { runbook_url: "https://github.com/parley-chat/parley/blob/main/docs/operations.md#parleydown" } });

    await bundle.compose(["start", "parley"]);
    await ready(`${PUBLIC_URL}/ready`, 120_000);
    // The same session token still works, and the guild, its members and messages are there.
    const api = await apiAs(ann, PUBLIC_URL);
    const members = await api<{ user: { username: string } }[]>("GET", `/guilds/${guild}/members?limit=10`);
    expect(members.map((m) => m.user.username).sort()).toEqual(["ann", "bob"]);
    const messages = await api<{ content: string }[]>("GET", `/channels/${text}/messages`);
    expect(messages.map((m) => m.content)).toEqual(["and back from the browser", "hello from the REST API"]);
    await ann.reload();
    await ann.getByText("and back from the browser").waitFor({ timeout: 20_000 });
  }, 8 * 60_000);

  it("keeps encrypted backups, and one restores a lost database with every session still signed in", async () => {
    // The backup service wrote its first archive at start, before anyone signed up.
    const started = await bundle.compose(["exec", "-T", "backup", "ls", "/backups"]);
    expect(started).toMatch(/^parley-\d{8}T\d{6}Z\.backup$/m);
    const wrote = await bundle.compose(["exec", "-T", "backup", "parley", "backup", "--dir", "/backups", "--keep", "7"]);
    const archive = wrote.match(/Wrote (\/backups\/parley-\d{8}T\d{6}Z\.backup)/)?.[1];
    expect(archive, wrote).toBeTruthy();

    // The database is lost: recreated empty, as on a new host. Then the documented restore.
    await bundle.compose(["stop", "parley", "backup"]);
    await bundle.compose(["exec", "-T", "postgres", "dropdb", "-U", "parley", "--force", "parley"]);
    await bundle.compose(["exec", "-T", "postgres", "createdb", "-U", "parley", "parley"]);
    const restored = await bundle.compose(["run", "--rm", "--no-deps", "migrate", "restore", archive!]);
    expect(restored).toContain("Restored into postgres://parley:***@postgres:5432/parley");
    await bundle.compose(["up", "--detach", "--no-build"]);
    await ready(`${PUBLIC_URL}/ready`, 120_000);

    const api = await apiAs(ann, PUBLIC_URL);
    const messages = await api<{ content: string }[]>("GET", `/channels/${text}/messages`);
    expect(messages.map((m) => m.content)).toEqual(["and back from the browser", "hello from the REST API"]);
    const bobs = await apiAs(bob, PUBLIC_URL);
    expect((await bobs<{ name: string }[]>("GET", "/users/@me/guilds")).map((g) => g.name)).toEqual(["Bundle"]);
  }, 8 * 60_000);
});

/** Whether the page's connected peer connections may use relayed paths only. */
function relayOnly(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.filter((pc) => pc.connectionState === "connected");
    return pcs.length > 0 && pcs.every((pc) => pc.getConfiguration().iceTransportPolicy === "relay");
  });
}

/** Waits until `url` answers 200. */
async function ready(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not become ready within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}
