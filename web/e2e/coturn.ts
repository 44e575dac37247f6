// A real coturn for a test, on loopback with coturn's use-auth-secret scheme (the secret
// Parley signs its TURN credentials with), allowed to relay to loopback peers (Parley's SFU
// listens there in tests). Stopped with `stop()`.

import { spawn } from "node:child_process";
import { createServer, connect } from "node:net";

export interface Coturn {
  port: number;
  secret: string;
  /** The settings that point Parley at it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => ok(port));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), ok(true)));
    socket.once("error", () => ok(false));
  });
}

export async function startCoturn(): Promise<Coturn> {
  const port = await freePort();
  const relayFrom = Math.min(await freePort(), 65_000);
  const secret = "e2e-turn-secret-0123456789";
  const child = spawn(
    process.env.PARLEY_TURNSERVER ?? "/usr/bin/turnserver",
    [
      "--listening-port", String(port), "--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1",
      "--use-auth-secret", "--static-auth-secret", secret, "--realm", "parley.test",
      "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers",
      "--min-port", String(relayFrom), "--max-port", String(relayFrom + 40), "--log-file", "stdout",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  for (let i = 0; i < 100 && !(await listening(port)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await listening(port))) throw new Error(`coturn did not listen on 127.0.0.1:${port} (is Debian's coturn installed?)`);
  return {
    port,
    secret,
    env: {
      PARLEY_TURN_SECRET: secret,
      PARLEY_TURN_URLS: `turn:127.0.0.1:${port}?transport=udp`,
      PARLEY_STUN_URLS: `stun:127.0.0.1:${port}`,
    },
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
