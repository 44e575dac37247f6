import { describe, expect, it } from "vitest";
import { guildFrom, type Guild } from "./guilds";
import { memberActions, outranks, timedOut } from "./memberActions";
import { PERMISSION } from "./permissions";

const user = (id: string) => ({ id, username: `u${id}`, discriminator: "0", bot: false, public_flags: 0, flags: 0, avatar: null, global_name: null });
const all = PERMISSION.KICK_MEMBERS | PERMISSION.BAN_MEMBERS | PERMISSION.MODERATE_MEMBERS | PERMISSION.MANAGE_NICKNAMES;

function guild(): Guild {
  return guildFrom({
    id: "1",
    name: "g",
    owner_id: "10",
    roles: [
      { id: "1", name: "@everyone", color: 0, hoist: false, position: 0, permissions: String(PERMISSION.CHANGE_NICKNAME) },
      { id: "2", name: "Mod", color: 0, hoist: false, position: 2, permissions: String(all) },
      { id: "3", name: "Helper", color: 0, hoist: false, position: 1, permissions: "0" },
      { id: "4", name: "Admin", color: 0, hoist: false, position: 1, permissions: String(PERMISSION.ADMINISTRATOR) },
    ],
    members: [
      { user: user("10"), nick: null, roles: [] },
      { user: user("20"), nick: null, roles: ["2"] },
      { user: user("30"), nick: null, roles: ["3"] },
      { user: user("40"), nick: null, roles: [] },
      { user: user("50"), nick: null, roles: ["2"] },
      { user: user("60"), nick: null, roles: ["4"] },
    ],
  });
}

describe("member actions", () => {
  it("offers a moderator every action on a member below them", () => {
    expect(memberActions(guild(), "20", "30")).toEqual(["nickname", "timeout", "kick", "ban"]);
  });

  it("offers nothing on a member of the same rank, nor on the owner", () => {
    expect(memberActions(guild(), "20", "50")).toEqual([]);
    expect(memberActions(guild(), "20", "10")).toEqual([]);
    expect(outranks(guild(), "20", "10")).toBe(false);
  });

  it("lets the owner act on anyone, an administrator too, but not time one out", () => {
    expect(memberActions(guild(), "10", "20")).toEqual(["nickname", "timeout", "kick", "ban"]);
    expect(memberActions(guild(), "10", "60")).toEqual(["nickname", "kick", "ban"]);
  });

  it("offers a member without permissions nothing on others, and their own nickname", () => {
    expect(memberActions(guild(), "40", "30")).toEqual([]);
    expect(memberActions(guild(), "40", "40")).toEqual(["nickname"]);
  });

  it("offers lifting a time out that is still running, and a new one once it ran out", () => {
    const g = guild();
    const now = Date.parse("2026-01-01T00:00:00Z");
    g.members = g.members.map((m) => (m.user.id === "30" ? { ...m, communication_disabled_until: "2026-01-01T00:05:00Z" } : m));
    expect(memberActions(g, "20", "30", now)).toContain("untimeout");
    expect(timedOut(g.members.find((m) => m.user.id === "30"), now + 10 * 60_000)).toBe(false);
    expect(memberActions(g, "20", "30", now + 10 * 60_000)).toContain("timeout");
  });
});
