// The REST client: tokens, one refresh for many expired requests, and errors as the server
// said them.

import { describe, expect, it } from "vitest";
import { Api, ApiError, type Tokens, type TokenStore } from "./client";

function memoryStore(initial: Tokens | null): TokenStore & { value: Tokens | null } {
  return {
    value: initial,
    load() {
      return this.value;
    },
    save(tokens) {
      this.value = tokens;
    },
  };
}

type Handler = (path: string, init: RequestInit) => Response;

function api(store: TokenStore, handler: Handler) {
  const calls: string[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = String(input).replace("/api/v10", "");
    calls.push(`${init?.method} ${path} ${(init?.headers as Record<string, string>)?.Authorization ?? "-"}`);
    return handler(path, init ?? {});
  }) as typeof fetch;
  return { client: new Api(store, "/api/v10", fetcher), calls };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });

describe("Api", () => {
  it("refreshes once for several expired requests and retries them", async () => {
    const store = memoryStore({ access_token: "old", refresh_token: "r1", user_id: "1" });
    let refreshes = 0;
    const { client } = api(store, (path, init) => {
      if (path === "/auth/refresh") {
        refreshes += 1;
        return json(200, { access_token: "new", refresh_token: "r2", user_id: "1" });
      }
      const auth = (init.headers as Record<string, string>).Authorization;
      return auth === "Bearer new" ? json(200, { ok: path }) : json(401, { code: 40001, message: "401: Unauthorized" });
    });
    const results = await Promise.all([client.request("GET", "/a"), client.request("GET", "/b")]);
    expect(results).toEqual([{ ok: "/a" }, { ok: "/b" }]);
    expect(refreshes).toBe(1);
    expect(store.value?.refresh_token).toBe("r2");
  });

  it("signs out when the refresh token is refused", async () => {
    const store = memoryStore({ access_token: "old", refresh_token: "spent", user_id: "1" });
    const { client } = api(store, () => json(401, { code: 90002, message: "reused" }));
    await expect(client.request("GET", "/users/@me")).rejects.toBeInstanceOf(ApiError);
    expect(store.value).toBeNull();
    expect(client.signedIn).toBe(false);
  });

  it("reports the server's code, message and field errors", async () => {
    const { client } = api(memoryStore(null), () =>
      json(400, {
        code: 50035,
        message: "Invalid Form Body",
        errors: { username: { _errors: [{ code: "USERNAME_TOO_SHORT", message: "Must be between 2 and 32 in length." }] } },
      }),
    );
    const error = await client.register("x", "password123").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(50035);
    expect((error as ApiError).fieldMessage("username")).toBe("Must be between 2 and 32 in length.");
  });

  it("waits out a short rate limit once, and gives a long one back to the person", async () => {
    const waits: number[] = [];
    let sends = 0;
    const fetcher = (async () => {
      sends += 1;
      return sends === 1
        ? json(429, { code: 90006, message: "You are being rate limited.", retry_after: 1.2, global: false })
        : json(200, { id: "1" });
    }) as typeof fetch;
    const client = new Api(memoryStore(null), "/api/v10", fetcher, async (ms) => {
      waits.push(ms);
    });
    expect(await client.request("POST", "/channels/1/messages", { content: "hi" })).toEqual({ id: "1" });
    expect(waits).toEqual([1200]);
    const long = new Api(memoryStore(null), "/api/v10", (async () =>
      json(429, { code: 90006, message: "You are being rate limited.", retry_after: 600, global: false })) as typeof fetch);
    const error = await long.request("POST", "/guilds", { name: "x" }).catch((e: unknown) => e);
    expect((error as ApiError).status).toBe(429);
  });

  it("says plainly when the server cannot be reached", async () => {
    const fetcher = (async () => {
      throw new TypeError("Failed to fetch");
    }) as typeof fetch;
    const client = new Api(memoryStore(null), "/api/v10", fetcher);
    await expect(client.request("GET", "/instance")).rejects.toThrow(/cannot be reached/);
  });

  it("sends through another transport with the same token, refresh and retry", async () => {
    const store = memoryStore({ access_token: "old", refresh_token: "r1", user_id: "1" });
    const { client } = api(store, () => json(200, { access_token: "new", refresh_token: "r2", user_id: "1" }));
    const seen: string[] = [];
    const answer = await client.send<{ id: string }>("/channels/1/messages", async (url, headers) => {
      seen.push(`${url} ${headers.Authorization}`);
      return headers.Authorization === "Bearer new"
        ? { status: 200, statusText: "OK", text: JSON.stringify({ id: "9" }) }
        : { status: 401, statusText: "Unauthorized", text: JSON.stringify({ code: 40001, message: "401: Unauthorized" }) };
    });
    expect(answer).toEqual({ id: "9" });
    expect(seen).toEqual(["/api/v10/channels/1/messages Bearer old", "/api/v10/channels/1/messages Bearer new"]);
  });

  it("reports the server's message for a refused upload, and the status when the body is not JSON", async () => {
    const client = new Api(memoryStore(null));
    const tooLarge = { code: 40005, message: "This file is larger than the 100 MiB allowed." };
    const refused = await client.send("/x", async () => ({ status: 413, statusText: "Payload Too Large", text: JSON.stringify(tooLarge) })).catch((e: unknown) => e);
    expect([(refused as ApiError).code, (refused as ApiError).message]).toEqual([40005, tooLarge.message]);
    const proxied = await client.send("/x", async () => ({ status: 413, statusText: "Payload Too Large", text: "<html>nginx</html>" })).catch((e: unknown) => e);
    expect([(proxied as ApiError).status, (proxied as ApiError).message]).toEqual([413, "Payload Too Large"]);
  });
});
