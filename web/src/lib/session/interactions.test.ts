// My interactions as the gateway answers them: the wait for an application's answer, the
// suggestions for the option being typed, and modals opened and closed.

import { describe, expect, it } from "vitest";
import { Api } from "../api/client";
import { Interactions } from "./interactions.svelte";
import type { InteractionRequest } from "../interactions/request";

const noTokens = { load: () => null, save: () => {} };

/** An API that answers each request with `answer(method, path)` (a status and a body). */
function api(answer: (method: string, path: string) => [number, unknown] = () => [204, undefined]) {
  const requests: { method: string; path: string; body: unknown }[] = [];
  const fetcher = (async (url: string, init: RequestInit) => {
    const path = url.replace("/api/v10", "");
    requests.push({ method: init.method ?? "GET", path, body: init.body ? JSON.parse(String(init.body)) : undefined });
    const [status, body] = answer(init.method ?? "GET", path);
    return new Response(status === 204 ? null : JSON.stringify(body), { status });
  }) as typeof fetch;
  return { api: new Api(noTokens, "/api/v10", fetcher), requests };
}

/** A clock whose timers run when told to. */
function clock() {
  const timers: (() => void)[] = [];
  return { after: (_ms: number, run: () => void) => void timers.push(run), runAll: () => timers.splice(0).forEach((t) => t()) };
}

const request = (nonce: string): InteractionRequest => ({ type: 2, application_id: "1", channel_id: "5", nonce, data: {} });
const place = (channelId: string) => ({ channelId, guildId: "4", indexPath: "/guilds/4/application-command-index" });

describe("Interactions", () => {
  it("says the application did not respond when no answer came before the wait ran out", async () => {
    const time = clock();
    const store = new Interactions(api().api, place, time.after);
    await store.send(request("n1"), { kind: "command", channelId: "5" });
    store.handlers.INTERACTION_CREATE?.({ id: "900", nonce: "n1" });
    expect(store.latest((s) => s.kind === "command")?.state).toBe("sending");
    time.runAll();
    expect(store.latest((s) => s.kind === "command")?.state).toBe("unanswered");
  });

  it("clears the wait when the application answers in time", async () => {
    const time = clock();
    const store = new Interactions(api().api, place, time.after);
    await store.send(request("n1"), { kind: "command", channelId: "5" });
    store.handlers.INTERACTION_CREATE?.({ id: "900", nonce: "n1" });
    store.handlers.INTERACTION_SUCCESS?.({ id: "900" });
    time.runAll();
    expect(store.latest(() => true)).toBeUndefined();
  });

  it("keeps the server's refusal for the form to show", async () => {
    const { api: refusing } = api(() => [404, { code: 10063, message: "Unknown application command" }]);
    const store = new Interactions(refusing, place, clock().after);
    const error = await store.send(request("n1"), { kind: "command", channelId: "5" });
    expect(error).toMatchObject({ status: 404, code: 10063 });
    expect(store.latest(() => true)?.state).toBe("refused");
  });

  it("shows the suggestions that answer the latest autocomplete request only", async () => {
    const store = new Interactions(api().api, place, clock().after);
    await store.suggest(request("old"));
    store.handlers.INTERACTION_CREATE?.({ id: "800", nonce: "old" });
    await store.suggest(request("new"));
    store.handlers.INTERACTION_CREATE?.({ id: "801", nonce: "new" });
    store.handlers.APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE?.({ id: "800", application_id: "1", choices: [{ name: "stale", value: "s" }] });
    expect(store.suggestions?.choices).toBeNull();
    store.handlers.APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE?.({ id: "801", application_id: "1", choices: [{ name: "d20", value: 20 }] });
    expect(store.suggestions?.choices).toEqual([{ name: "d20", value: 20 }]);
  });

  it("opens a modal, and closes it once its submission is answered", async () => {
    const store = new Interactions(api().api, place, clock().after);
    store.handlers.INTERACTION_MODAL_CREATE?.({ id: "900", application: { id: "1", name: "Dice" }, channel_id: "5", custom_id: "m", title: "T", components: [] });
    expect(store.modals.map((m) => m.id)).toEqual(["900"]);
    await store.send(request("n2"), { kind: "modal", modalId: "900" });
    store.handlers.INTERACTION_CREATE?.({ id: "901", nonce: "n2" });
    store.handlers.INTERACTION_SUCCESS?.({ id: "901" });
    expect(store.modals).toEqual([]);
  });

  it("fetches the commands of a place each time they are asked for, as picker entries", async () => {
    let version = 0;
    const { api: answering, requests } = api(() => {
      version++;
      return [200, { applications: [], application_commands: [{ id: "10", type: 1, application_id: "1", name: `roll${version}`, description: "d" }] }];
    });
    const store = new Interactions(answering, place, clock().after);
    expect(store.commandsFor("5")).toBeUndefined();
    await store.loadCommands("5");
    await store.loadCommands("5");
    expect(requests.map((r) => r.path)).toEqual(["/guilds/4/application-command-index", "/guilds/4/application-command-index"]);
    expect(store.commandsFor("5")?.map((e) => e.fullName)).toEqual(["roll2"]);
  });
});
