// Avatars, guild icons and custom emoji as gateway dispatches change them: a new avatar shows
// for its person everywhere at once (whatever old copy of them a message holds), the guild's
// icon and emoji follow GUILD_UPDATE and GUILD_EMOJIS_UPDATE, and custom reactions count by id.

import { describe, expect, it } from "vitest";
import { Chat } from "../chat.svelte";
import { PERMISSION } from "../permissions";

const user = (id: string, username: string, avatar: string | null = null) => ({ id, username, avatar, discriminator: "0", bot: false, public_flags: 0, flags: 0 });
const ann = user("100", "ann");
const bob = user("200", "bob", "b0b");
const general = { id: "11", type: 0, name: "general", position: 0, parent_id: null, guild_id: "1" };
const parrot = { id: "900", name: "parrot", animated: false };

function ready(): Chat {
  const chat = new Chat();
  chat.dispatch("READY", { session_id: "s1", user: ann });
  chat.dispatch("GUILD_CREATE", {
    id: "1",
    name: "Book Club",
    owner_id: "200",
    icon: null,
    emojis: [parrot],
    channels: [general],
    roles: [{ id: "1", name: "@everyone", color: 0, hoist: false, position: 0, permissions: String(PERMISSION.VIEW_CHANNEL | PERMISSION.USE_EXTERNAL_EMOJIS) }],
    members: [
      { user: ann, nick: null, roles: [] },
      { user: bob, nick: null, roles: [] },
    ],
  });
  return chat;
}

describe("avatars", () => {
  it("shows a member's new avatar everywhere, even where an older copy of them is kept", () => {
    const chat = ready();
    const oldCopy = { ...bob };
    expect(chat.avatarOf(oldCopy)).toBe("b0b");
    chat.dispatch("GUILD_MEMBER_UPDATE", { guild_id: "1", user: { ...bob, avatar: "new0" }, nick: null, roles: [] });
    expect(chat.avatarOf(oldCopy)).toBe("new0");
    expect(chat.guilds[0]?.members.find((m) => m.user.id === "200")?.user.avatar).toBe("new0");
    chat.dispatch("GUILD_MEMBER_UPDATE", { guild_id: "1", user: { ...bob, avatar: null }, nick: null, roles: [] });
    expect(chat.avatarOf(oldCopy), "removed is removed, not the old copy's").toBeNull();
  });

  it("takes my own change from USER_UPDATE, and someone unknown as their object says", () => {
    const chat = ready();
    chat.dispatch("USER_UPDATE", { ...ann, avatar: "a_moving", global_name: "Ann" });
    expect(chat.me?.avatar).toBe("a_moving");
    expect(chat.me?.global_name).toBe("Ann");
    expect(chat.avatarOf({ id: "100" })).toBe("a_moving");
    expect(chat.avatarOf(user("300", "stranger", "s7"))).toBe("s7");
  });

  it("learns an author's avatar from their new message", () => {
    const chat = ready();
    chat.dispatch("MESSAGE_CREATE", { id: "600", channel_id: "11", author: { ...bob, avatar: "fresh" }, content: "hi", timestamp: "2026-11-23T17:00:00.000Z" });
    expect(chat.avatarOf(bob)).toBe("fresh");
  });
});

describe("guild icons and emoji", () => {
  it("follows the icon and banner in GUILD_UPDATE, and the emoji list in GUILD_EMOJIS_UPDATE", () => {
    const chat = ready();
    chat.dispatch("GUILD_UPDATE", { id: "1", name: "Book Club", icon: "1c0", banner: "ba0", emojis: [parrot] });
    expect([chat.guilds[0]?.icon, chat.guilds[0]?.banner]).toEqual(["1c0", "ba0"]);
    chat.dispatch("GUILD_UPDATE", { id: "1", name: "Book Club", icon: null, banner: "ba0" });
    expect(chat.guilds[0]?.icon).toBeNull();
    chat.dispatch("GUILD_EMOJIS_UPDATE", { guild_id: "1", emojis: [parrot, { id: "901", name: "dance", animated: true }] });
    expect(chat.guilds[0]?.emojis.map((e) => e.name)).toEqual(["parrot", "dance"]);
  });

  it("knows an emoji is deleted once its guild's list loses it, or a reaction names it no more", () => {
    const chat = ready();
    expect(chat.emojiDeleted({ id: "900", name: "parrot" })).toBe(false);
    chat.dispatch("GUILD_EMOJIS_UPDATE", { guild_id: "1", emojis: [] });
    expect(chat.emojiDeleted({ id: "900", name: "parrot" })).toBe(true);
    expect(chat.emojiDeleted({ id: "777", name: null }), "the server names no deleted emoji").toBe(true);
    expect(chat.emojiDeleted({ id: null, name: "👍" })).toBe(false);
  });

  it("offers the channel's guild's emoji first, and other guilds' only with USE_EXTERNAL_EMOJIS", () => {
    const chat = ready();
    chat.dispatch("GUILD_CREATE", {
      id: "2",
      name: "Film Club",
      owner_id: "200",
      emojis: [{ id: "950", name: "popcorn" }],
      channels: [{ ...general, id: "21", guild_id: "2" }],
      roles: [{ id: "2", name: "@everyone", color: 0, hoist: false, position: 0, permissions: String(PERMISSION.VIEW_CHANNEL) }],
      members: [{ user: ann, nick: null, roles: [] }],
    });
    expect(chat.emojiFor("11").map((g) => g.guild.name)).toEqual(["Book Club", "Film Club"]);
    expect(chat.emojiFor("21").map((g) => g.guild.name), "Film Club's @everyone lacks USE_EXTERNAL_EMOJIS").toEqual(["Film Club"]);
    expect(chat.mentionable("21").emoji?.flatMap((g) => g.emojis.map((e) => e.name))).toEqual(["popcorn"]);
  });
});

describe("custom reactions", () => {
  it("count one emoji by id, whatever name each event carries, and clear by id", () => {
    const chat = ready();
    chat.dispatch("MESSAGE_CREATE", { id: "600", channel_id: "11", author: bob, content: "<:parrot:900>", timestamp: "2026-11-23T17:00:00.000Z" });
    // The window exists once the channel was opened; here it is made by hand.
    chat.messages["11"] = [{ id: "600", channel_id: "11", author: bob, content: "<:parrot:900>", timestamp: "2026-11-23T17:00:00.000Z" }];
    chat.dispatch("MESSAGE_REACTION_ADD", { channel_id: "11", message_id: "600", user_id: "200", emoji: { id: "900", name: "parrot", animated: false } });
    chat.dispatch("MESSAGE_REACTION_ADD", { channel_id: "11", message_id: "600", user_id: "100", emoji: { id: "900", name: "renamed", animated: false } });
    chat.dispatch("MESSAGE_REACTION_ADD", { channel_id: "11", message_id: "600", user_id: "100", emoji: { id: null, name: "parrot" } });
    const reactions = () => chat.messages["11"]?.[0]?.reactions ?? [];
    expect(reactions().map((r) => [r.emoji.id ?? r.emoji.name, r.count, r.me])).toEqual([
      ["900", 2, true],
      ["parrot", 1, true],
    ]);
    chat.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", { channel_id: "11", message_id: "600", emoji: { id: "900", name: null } });
    expect(reactions().map((r) => r.emoji.name)).toEqual(["parrot"]);
  });
});
