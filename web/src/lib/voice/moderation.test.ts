// A moderator's actions on someone in a guild call, offered by permission.

import { describe, expect, it } from "vitest";
import { guildFrom } from "../guilds";
import { PERMISSION } from "../permissions";
import { moderatorActions } from "./moderation";
import type { VoiceState } from "./states";

const user = (id: string) => ({ id, username: `u${id}`, discriminator: "0", bot: false, public_flags: 0, flags: 0 });
const guild = guildFrom({
  id: "1",
  name: "g",
  owner_id: "10",
  channels: [
    { id: "2", type: 2, name: "Lounge", position: 0, parent_id: null, guild_id: "1" },
    { id: "3", type: 2, name: "Quiet", position: 1, parent_id: null, guild_id: "1" },
    { id: "4", type: 0, name: "general", position: 2, parent_id: null, guild_id: "1" },
  ],
  roles: [
    { id: "1", name: "@everyone", color: 0, hoist: false, position: 0, permissions: "0" },
    { id: "5", name: "Mods", color: 0, hoist: false, position: 1, permissions: String(PERMISSION.MUTE_MEMBERS) },
  ],
  members: [
    { user: user("10"), nick: null, roles: [] },
    { user: user("11"), nick: null, roles: ["5"] },
  ],
});
const carol: VoiceState = { guild_id: "1", channel_id: "2", user_id: "12", session_id: "c", mute: true, deaf: false, self_mute: false, self_deaf: false, self_video: false };

describe("moderatorActions", () => {
  it("offers what the moderator's permissions allow, and moves only to other voice channels", () => {
    expect(moderatorActions(guild, "11", 0n, carol).map((a) => a.label)).toEqual(["Unmute for everyone"]);
    const owner = moderatorActions(guild, "10", PERMISSION.MOVE_MEMBERS, carol);
    expect(owner.map((a) => [a.label, a.change])).toEqual([
      ["Unmute for everyone", { mute: false }],
      ["Deafen for everyone", { deaf: true }],
      ["Move to Quiet", { channel_id: "3" }],
      ["Disconnect", { channel_id: null }],
    ]);
    expect(moderatorActions(guild, "10", -1n, carol).map((a) => a.label)).toEqual(["Unmute for everyone", "Deafen for everyone"]);
  });
});
