import { describe, expect, it } from "vitest";
import { Dispatcher } from "../gateway/dispatcher";
import { WebhookChanges } from "./webhookChanges.svelte";

describe("webhook changes", () => {
  it("count each WEBHOOKS_UPDATE for the guild it names, and no other", () => {
    const changes = new WebhookChanges();
    const dispatcher = new Dispatcher(changes.handlers);
    dispatcher.receive("WEBHOOKS_UPDATE", { guild_id: "1", channel_id: "10" });
    dispatcher.receive("WEBHOOKS_UPDATE", { guild_id: "1", channel_id: "11" });
    dispatcher.receive("WEBHOOKS_UPDATE", { guild_id: "2", channel_id: "20" });
    expect([changes.of("1"), changes.of("2"), changes.of("3")]).toEqual([2, 1, 0]);
  });
});
