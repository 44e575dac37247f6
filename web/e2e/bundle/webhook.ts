// An alert receiver for the compose test: an HTTP server that keeps every Alertmanager
// webhook notification (its JSON, version 4) POSTed to it.

import { createServer } from "node:http";

export interface Notification {
  status: "firing" | "resolved";
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

export async function startWebhook(host: string): Promise<{ url: string; received: Notification[]; stop(): Promise<void> }> {
  const received: Notification[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      try {
        received.push(JSON.parse(body) as Notification);
        response.writeHead(200).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, host, ok));
  const port = (server.address() as { port: number }).port;
  return { url: `http://${host}:${port}/alerts`, received, stop: () => new Promise((ok) => server.close(() => ok())) };
}
