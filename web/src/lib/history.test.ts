// A channel's message window: at most WINDOW messages over a history of any length, paged in
// both directions without losing or repeating a message, jumping to a message and back to the
// present, and live messages kept out of a window scrolled back in history.

import { describe, expect, it } from "vitest";
import { Chat, PAGE, WINDOW, type Message } from "./chat.svelte";

const me = { id: "9000", username: "ann", discriminator: "0", bot: false, public_flags: 0, flags: 0 };

/** A chat whose API serves a channel of `count` messages with ids 1..count, like the server:
 * newest first, `limit` at most, before/after/around by id. */
function chatWithHistory(count: number): { chat: Chat; requests: string[]; history: Message[] } {
  const chat = new Chat();
  const history: Message[] = Array.from({ length: count }, (_, i) => ({
    id: String(i + 1),
    channel_id: "5",
    author: me,
    content: `line ${i + 1}`,
    timestamp: "2026-11-23T17:00:00.000Z",
  }));
  const requests: string[] = [];
  chat.api.request = (async (method: string, path: string) => {
    requests.push(`${method} ${path}`);
    if (method !== "GET") return undefined;
    const query = new URLSearchParams(path.split("?")[1] ?? "");
    const limit = Number(query.get("limit") ?? 50);
    const id = (name: string) => Number(query.get(name));
    let page: Message[];
    if (query.has("before")) page = history.filter((m) => Number(m.id) < id("before")).slice(-limit);
    else if (query.has("after")) page = history.filter((m) => Number(m.id) > id("after")).slice(0, limit);
    else if (query.has("around")) {
      const at = history.findIndex((m) => Number(m.id) === id("around"));
      page = history.slice(Math.max(0, at - Math.floor(limit / 2)), Math.max(0, at - Math.floor(limit / 2)) + limit);
    } else page = history.slice(-limit);
    return [...page].reverse();
  }) as typeof chat.api.request;
  chat.dispatch("READY", { session_id: "s1", user: me });
  return { chat, requests, history };
}

const ids = (chat: Chat) => (chat.messages["5"] ?? []).map((m) => Number(m.id));

describe("the message window", () => {
  it("drops the messages of a bulk delete (a ban that takes recent messages) and keeps the rest", async () => {
    const { chat } = chatWithHistory(10);
    await chat.open("5");
    chat.dispatch("MESSAGE_DELETE_BULK", { channel_id: "5", ids: ["9", "3"] });
    expect(ids(chat)).toEqual([1, 2, 4, 5, 6, 7, 8, 10]);
  });

  it("scrolls from the newest message to the first and back, each message exactly once in order, never holding more than WINDOW", async () => {
    const { chat } = chatWithHistory(1234);
    await chat.open("5");
    expect(ids(chat)).toEqual(Array.from({ length: PAGE }, (_, i) => 1234 - PAGE + 1 + i));
    const seen: number[] = [...ids(chat)].reverse();
    while (await chat.loadOlder("5")) {
      const window = ids(chat);
      expect(window.length).toBeLessThanOrEqual(WINDOW);
      // Contiguous: every id in the window follows the one before it.
      expect(window.every((id, i) => i === 0 || id === (window[i - 1] ?? 0) + 1)).toBe(true);
      seen.push(...window.filter((id) => id < (seen.at(-1) ?? Infinity)).reverse());
    }
    expect(chat.beginning["5"]).toBe(true);
    expect(chat.detached["5"]).toBe(true);
    expect(seen).toEqual(Array.from({ length: 1234 }, (_, i) => 1234 - i));

    while (await chat.loadNewer("5")) expect(ids(chat).length).toBeLessThanOrEqual(WINDOW);
    expect(chat.detached["5"]).toBe(false);
    expect(ids(chat).at(-1)).toBe(1234);
  });

  it("jumps to a message far back, keeps live messages out while there, and shows them back in the present", async () => {
    const { chat, history } = chatWithHistory(500);
    await chat.open("5");
    await chat.jumpTo("5", "100");
    expect(ids(chat)).toContain(100);
    expect(chat.detached["5"]).toBe(true);

    const live = { id: "501", channel_id: "5", author: { ...me, id: "9001", username: "bob" }, content: "new", timestamp: "2026-11-23T18:00:00.000Z" };
    history.push(live);
    chat.dispatch("MESSAGE_CREATE", { ...live, guild_id: null, mentions: [] });
    expect(ids(chat)).not.toContain(501);
    expect(chat.unread("5")).toBe(true);

    await chat.present("5");
    expect(chat.detached["5"]).toBe(false);
    expect(ids(chat).at(-1)).toBe(501);
  });

  it("does not fetch a message it already shows when asked to jump to it", async () => {
    const { chat, requests } = chatWithHistory(80);
    await chat.open("5");
    const before = requests.length;
    await chat.jumpTo("5", "70");
    expect(requests.length).toBe(before);
    expect(chat.detached["5"]).toBeFalsy();
  });

  it("marks where unread messages begin when a channel is opened", async () => {
    const { chat } = chatWithHistory(60);
    chat.dispatch("READY", { session_id: "s1", user: me, read_state: { entries: [{ id: "5", last_message_id: "55", mention_count: 0 }] } });
    chat.dispatch("GUILD_CREATE", { id: "1", name: "g", channels: [{ id: "5", type: 0, name: "general", position: 0, parent_id: null, guild_id: "1", last_message_id: "60" }] });
    await chat.open("5");
    expect(chat.marker["5"]).toBe("55");
    expect(chat.unread("5")).toBe(false);
  });
});
