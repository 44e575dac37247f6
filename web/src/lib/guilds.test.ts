// Guild events as the client applies them: roles, members, threads and channels change in
// place, and what a role's deletion leaves behind is cleaned up.

import { describe, expect, it } from "vitest";
import { channelDeleted, guildFrom, guildUpdated, memberSaved, roleDeleted, roleSaved, rolesByRank, threadSaved, type Guild } from "./guilds";
import { channelPermissions, guildPermissions, has, overwriteState, PERMISSION, setOverwrite } from "./permissions";

const user = (id: string) => ({ id, username: `u${id}`, discriminator: "0", bot: false, public_flags: 0, flags: 0 });

function guild(): Guild {
  return guildFrom({
    id: "1",
    name: "Book Club",
    owner_id: "10",
    channels: [{ id: "2", type: 0, name: "general", position: 0, parent_id: null, guild_id: "1" }],
    roles: [
      { id: "1", name: "@everyone", color: 0, hoist: false, position: 0, permissions: "3072" },
      { id: "5", name: "Mods", color: 0, hoist: true, position: 1, permissions: String(PERMISSION.MANAGE_ROLES) },
    ],
    members: [
      { user: user("10"), nick: null, roles: [] },
      { user: user("11"), nick: null, roles: ["5"] },
      { user: user("12"), nick: null, roles: [] },
    ],
  });
}

describe("guild events", () => {
  it("adds, changes and removes roles, and takes a deleted role off its members", () => {
    let guilds = [guild()];
    guilds = roleSaved(guilds, { guild_id: "1", role: { id: "6", name: "New", color: 0, hoist: false, position: 2 } });
    guilds = roleSaved(guilds, { guild_id: "1", role: { id: "6", name: "Renamed", color: 0, hoist: false, position: 2 } });
    expect(rolesByRank(guilds[0]?.roles ?? []).map((r) => r.name)).toEqual(["Renamed", "Mods", "@everyone"]);
    guilds = roleDeleted(guilds, { guild_id: "1", role_id: "5" });
    expect(guilds[0]?.roles.map((r) => r.id)).toEqual(["1", "6"]);
    expect(guilds[0]?.members.find((m) => m.user.id === "11")?.roles).toEqual([]);
  });

  it("updates a member's roles and nickname, and keeps threads under their channel until archived", () => {
    let guilds = [guild()];
    guilds = memberSaved(guilds, { guild_id: "1", user: user("12"), nick: "Dee", roles: ["5"] });
    expect(guilds[0]?.members.find((m) => m.user.id === "12")).toMatchObject({ nick: "Dee", roles: ["5"] });
    const thread = { id: "7", type: 11, name: "plot", position: 0, parent_id: "2", guild_id: "1", thread_metadata: { archived: false } };
    guilds = threadSaved(guilds, thread);
    expect(guilds[0]?.threads.map((t) => t.name)).toEqual(["plot"]);
    guilds = threadSaved(guilds, { ...thread, thread_metadata: { archived: true } });
    expect(guilds[0]?.threads).toEqual([]);
    guilds = threadSaved(guilds, thread);
    guilds = channelDeleted(guilds, { id: "2", type: 0, guild_id: "1" });
    expect([guilds[0]?.channels, guilds[0]?.threads]).toEqual([[], []]);
  });

  it("renames the guild, and keeps its roles when the update leaves them out", () => {
    const guilds = guildUpdated([guild()], { id: "1", name: "Reading Room" });
    expect(guilds[0]?.name).toBe("Reading Room");
    expect(guilds[0]?.roles.map((r) => r.name)).toEqual(["@everyone", "Mods"]);
  });
});

describe("guildPermissions", () => {
  it("gives the owner everything, others @everyone's and their roles' bits", () => {
    const g = guild();
    expect(has(guildPermissions(g, "10"), PERMISSION.ADMINISTRATOR)).toBe(true);
    expect(has(guildPermissions(g, "11"), PERMISSION.MANAGE_ROLES | PERMISSION.VIEW_CHANNEL)).toBe(true);
    expect(has(guildPermissions(g, "12"), PERMISSION.MANAGE_ROLES)).toBe(false);
    expect(has(guildPermissions(g, "12"), PERMISSION.SEND_MESSAGES)).toBe(true);
  });

  it("gives administrators everything", () => {
    const g = guild();
    g.roles = g.roles.map((r) => (r.id === "5" ? { ...r, permissions: String(PERMISSION.ADMINISTRATOR) } : r));
    expect(has(guildPermissions(g, "11"), PERMISSION.BAN_MEMBERS | PERMISSION.MANAGE_GUILD)).toBe(true);
  });
});

describe("channelPermissions", () => {
  const overwrite = (id: string, type: number, allow: bigint, deny: bigint) => ({ id, type, allow: String(allow), deny: String(deny) });

  it("applies @everyone's overwrite, then the roles' (denials before grants), then the member's", () => {
    const g = guild();
    const voice = {
      permission_overwrites: [
        overwrite("1", 0, 0n, PERMISSION.SPEAK | PERMISSION.CONNECT),
        overwrite("5", 0, PERMISSION.CONNECT, 0n),
        overwrite("12", 1, PERMISSION.SPEAK, 0n),
      ],
    };
    g.roles = g.roles.map((r) => (r.id === "1" ? { ...r, permissions: String(PERMISSION.CONNECT | PERMISSION.SPEAK | PERMISSION.VIEW_CHANNEL) } : r));
    // 11 is a Mod: the role gives CONNECT back, SPEAK stays denied.
    expect(has(channelPermissions(g, voice, "11"), PERMISSION.CONNECT)).toBe(true);
    expect(has(channelPermissions(g, voice, "11"), PERMISSION.SPEAK)).toBe(false);
    // 12 has no role: no CONNECT, but their own overwrite gives SPEAK.
    expect(has(channelPermissions(g, voice, "12"), PERMISSION.CONNECT)).toBe(false);
    expect(has(channelPermissions(g, voice, "12"), PERMISSION.SPEAK)).toBe(true);
    // The owner is above every overwrite.
    expect(has(channelPermissions(g, voice, "10"), PERMISSION.CONNECT | PERMISSION.SPEAK)).toBe(true);
  });
});

describe("overwrite editing", () => {
  it("sets one permission to allow, deny or inherit without touching the others", () => {
    let o = { allow: "0", deny: String(PERMISSION.SEND_MESSAGES) };
    o = setOverwrite(o.allow, o.deny, PERMISSION.VIEW_CHANNEL, "deny");
    expect(overwriteState(o.allow, o.deny, PERMISSION.VIEW_CHANNEL)).toBe("deny");
    expect(overwriteState(o.allow, o.deny, PERMISSION.SEND_MESSAGES)).toBe("deny");
    o = setOverwrite(o.allow, o.deny, PERMISSION.VIEW_CHANNEL, "allow");
    expect([o.allow, o.deny]).toEqual([String(PERMISSION.VIEW_CHANNEL), String(PERMISSION.SEND_MESSAGES)]);
    o = setOverwrite(o.allow, o.deny, PERMISSION.VIEW_CHANNEL, "inherit");
    expect(overwriteState(o.allow, o.deny, PERMISSION.VIEW_CHANNEL)).toBe("inherit");
  });
});
